/**
 * Which files a translation run reads and where it writes. Inputs are files, folders or globs,
 * resolved from the working directory; every source must lie inside the repository, because
 * its translation mirrors its repository path under the output folder
 * (`translated/<lang>/docs/guide.md`), or replaces it (`--in-place`). A format that changes
 * the file type (PDF gives Markdown and DOCX) keeps the source extension in the name
 * (`guide.pdf.md`), so it can never land on another source's translation or on a user's file.
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { glob, isDynamicPattern } from "tinyglobby";
import type { FormatAdapter } from "./types.js";

/** What the engine needs of the format adapters (`formats/index.ts`, or a test's own). */
export interface AdapterRegistry {
  adapterFor(filePath: string): FormatAdapter | undefined;
  adapters: readonly FormatAdapter[];
}

export interface SourceFile {
  absolute: string;
  /** Repository-relative, `/`-separated: the manifest key and the mirrored output path. */
  relative: string;
}

/** A file or an input that will not be translated, and why (one clear message each). */
export interface SourceProblem {
  /** The file (repository-relative when inside it) or the input as given. */
  path: string;
  message: string;
}

export interface ResolvedSources {
  files: SourceFile[];
  problems: SourceProblem[];
  /** Files inside named folders passed over because no adapter reads them, by extension. */
  skippedInFolders: Record<string, number>;
}

/** Never read as sources: repository and harness state, dependencies. */
const alwaysIgnored = ["**/.git/**", "**/.harness/**", "**/node_modules/**"];

export function toPosix(relative: string): string {
  return relative.split(path.sep).join("/");
}

/** True when `child` is `parent` or inside it. */
export function isInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

export interface ResolveSourcesOptions {
  cwd: string;
  repoRoot: string;
  registry: AdapterRegistry;
  /** Folders never read from (the output folder). Absolute. */
  exclude: readonly string[];
}

export function supportedExtensions(registry: AdapterRegistry): string[] {
  return [...new Set(registry.adapters.flatMap((adapter) => adapter.extensions))].sort();
}

/**
 * Files from `inputs` (files, folders, globs), unique and sorted. A named file or a glob match
 * that no adapter reads is a problem ("unsupported"); inside a named folder such files are
 * only counted, so `docs/` does not warn about every image.
 */
export async function resolveSources(
  inputs: readonly string[],
  options: ResolveSourcesOptions,
): Promise<ResolvedSources> {
  const repoRoot = path.resolve(options.repoRoot);
  const found = new Map<string, SourceFile>();
  const problems: SourceProblem[] = [];
  const skippedInFolder = new Map<string, string>();
  const supported = supportedExtensions(options.registry).join(", ");
  const excluded = (file: string) => options.exclude.some((folder) => isInside(folder, file));
  const ignore = [...alwaysIgnored];

  const add = (absolute: string, fromFolder: boolean) => {
    if (!isInside(repoRoot, absolute)) {
      problems.push({
        path: absolute,
        message: "is outside the repository; only files inside it are translated",
      });
      return;
    }
    const relative = toPosix(path.relative(repoRoot, absolute));
    if (found.has(relative) || problems.some((problem) => problem.path === relative)) return;
    if (!options.registry.adapterFor(absolute)) {
      const extension = path.extname(absolute).toLowerCase() || "(none)";
      if (fromFolder) {
        skippedInFolder.set(relative, extension);
      } else {
        problems.push({
          path: relative,
          message: `unsupported format (${extension}); harness translates ${supported}`,
        });
      }
      return;
    }
    found.set(relative, { absolute, relative });
  };

  for (const input of inputs) {
    const absolute = path.resolve(options.cwd, input);
    const stats = existsSync(absolute) ? statSync(absolute) : undefined;
    if (stats?.isFile()) {
      add(absolute, false);
      continue;
    }
    const isFolder = stats?.isDirectory() === true;
    if (!isFolder && !isDynamicPattern(input)) {
      problems.push({ path: input, message: "does not exist" });
      continue;
    }
    const matches = await glob(isFolder ? "**/*" : input, {
      cwd: isFolder ? absolute : options.cwd,
      absolute: true,
      onlyFiles: true,
      dot: false,
      ignore,
      expandDirectories: false,
    });
    const kept = matches.map((match) => path.resolve(match)).filter((match) => !excluded(match));
    if (kept.length === 0) {
      problems.push({ path: input, message: "matches no file" });
      continue;
    }
    for (const match of kept.sort()) add(match, isFolder);
  }
  // A file also named on its own is reported there, not counted again.
  const skippedInFolders: Record<string, number> = {};
  for (const [relative, extension] of skippedInFolder) {
    if (problems.some((problem) => problem.path === relative)) continue;
    skippedInFolders[extension] = (skippedInFolders[extension] ?? 0) + 1;
  }
  const files = [...found.values()].sort((a, b) =>
    a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0,
  );
  return { files, problems, skippedInFolders };
}

export interface TargetOptions {
  repoRoot: string;
  /** Absolute output folder; undefined writes in place. */
  outDir: string | undefined;
}

/**
 * Where the rendering of `source` with `extension` goes: the mirrored path under the output
 * folder (or the source's own path in place); a different extension is appended to the full
 * name (`guide.pdf` → `guide.pdf.md`).
 */
export function targetPathFor(
  source: SourceFile,
  extension: string,
  options: TargetOptions,
): string {
  const sourceExtension = path.extname(source.relative);
  const name =
    sourceExtension.toLowerCase() === extension.toLowerCase()
      ? path.basename(source.relative)
      : `${path.basename(source.relative)}${extension}`;
  const folder =
    options.outDir === undefined
      ? path.dirname(source.absolute)
      : path.join(options.outDir, path.dirname(source.relative));
  return path.join(folder, name);
}
