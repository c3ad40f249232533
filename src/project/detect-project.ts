/**
 * `detectProject`: everything `harness init` learns about a repository, from its files and
 * git, never from a template. One `git ls-files` gives the file list; only the handful of
 * manifests that exist are read, so a repo of thousands of files takes tens of milliseconds.
 */
import path from "node:path";
import { detectCommands } from "./detect-commands.js";
import { detectGit } from "./detect-git.js";
import { detectLanguages } from "./detect-languages.js";
import { describeLayout } from "./describe-layout.js";
import { findRepoRoot } from "./find-repo-root.js";
import { listRepoFiles } from "./list-files.js";
import type { ProjectInfo } from "./project-info.js";
import { createRepoView, type RepoView } from "./repo-view.js";

export interface DetectProjectOptions {
  /**
   * Paths relative to the repo root to ignore everywhere (counts, languages, layout): a file or
   * a folder. init passes the files it writes itself so that a rerun detects the same project.
   */
  exclude?: readonly string[];
  /** Layout size cap; see describeLayout. */
  maxLayoutEntries?: number;
}

/**
 * Detects the project around `startDir` (the repo root or any folder inside it). Throws
 * InputError outside a git work tree; otherwise never throws on odd content, noting it instead.
 * The same repository state always gives the same result.
 */
export async function detectProject(
  startDir: string,
  options: DetectProjectOptions = {},
): Promise<ProjectInfo> {
  const root = await findRepoRoot(startDir);
  const [listed, git] = await Promise.all([listRepoFiles(root), detectGit(root)]);

  const excluded = (options.exclude ?? []).map((entry) => entry.replace(/\/+$/, ""));
  const kept = listed.filter(
    (file) => !excluded.some((entry) => file === entry || file.startsWith(`${entry}/`)),
  );
  const keptSet = new Set(kept);
  const submodules = new Set(
    [...(await readSubmodulePaths(createRepoView(root, kept)))].filter((p) => keptSet.has(p)),
  );
  // A submodule is listed as one path standing for a whole other repository: not a file.
  const files = submodules.size === 0 ? kept : kept.filter((file) => !submodules.has(file));
  const view = createRepoView(root, files);

  const languages = detectLanguages(files);
  const commands = await detectCommands(view, languages);
  const layout = describeLayout(files, {
    submodules: [...submodules],
    maxEntries: options.maxLayoutEntries,
  });

  return {
    root,
    name: commands.name ?? path.basename(root),
    description: commands.description,
    languages,
    packageManager: commands.packageManager,
    testCommand: commands.testCommand,
    buildCommand: commands.buildCommand,
    lintCommand: commands.lintCommand,
    defaultBranch: git.defaultBranch,
    githubRepo: git.githubRepo,
    layout: layout.entries,
    ...(layout.omitted > 0 ? { layoutOmitted: layout.omitted } : {}),
    fileCount: files.length,
    ecosystems: commands.ecosystems,
    otherTestCommands: commands.otherTestCommands,
    notes: commands.notes,
  };
}

async function readSubmodulePaths(view: RepoView): Promise<Set<string>> {
  const text = await view.readText(".gitmodules");
  if (text === undefined) return new Set();
  // git-config syntax, where indented lines are ordinary keys (not INI continuation lines).
  const paths = new Set<string>();
  for (const match of text.matchAll(/^\s*path\s*=\s*"?(.*?)"?\s*$/gm)) {
    if (match[1]) paths.add(match[1].replace(/\/+$/, ""));
  }
  return paths;
}
