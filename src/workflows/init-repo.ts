/**
 * `harness init` as a workflow: detect the project, fill gaps (ask, or leave TODOs), render the
 * templates, decide per file, and write (unless dry-run). Collaborators are injected so tests can
 * drive it without a terminal.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { CONFIG_FILE_NAME, loadConfig } from "../config/load-config.js";
import { defaultConfig, type HarnessConfig } from "../config/schema.js";
import type { EventSink } from "../events.js";
import { detectProject } from "../project/detect-project.js";
import type { ProjectInfo } from "../project/project-info.js";
import { withHarnessIgnored } from "../scaffold/gitignore.js";
import { readManifest } from "../scaffold/manifest.js";
import { planScaffold, type FileChange, type RenderedFile } from "../scaffold/plan-scaffold.js";
import { renderTemplate } from "../scaffold/render-template.js";
import { loadTemplateFiles } from "../scaffold/template-files.js";
import { buildTemplateValues } from "../scaffold/template-values.js";
import { writeScaffold } from "../scaffold/write-scaffold.js";

/** A value init could not detect and may ask the user for. */
export interface InitQuestion {
  key: "testCommand" | "githubRepo";
  question: string;
  /** Checks an answer; returns an error message, or undefined when it is acceptable. */
  validate?: (answer: string) => string | undefined;
}

export interface InitRepoOptions {
  startDir: string;
  dryRun: boolean;
  force: boolean;
  harnessVersion: string;
  events: EventSink;
  env?: NodeJS.ProcessEnv;
  clock?: () => Date;
  /** Asks the user; absent (--yes, no TTY) means leave a TODO. Empty answer means skip. */
  ask?: (question: InitQuestion) => Promise<string | undefined>;
  templatesDir?: string;
}

export interface InitRepoResult {
  root: string;
  project: ProjectInfo;
  changes: FileChange[];
  dryRun: boolean;
  /** Files written, including the manifest (empty on a dry run). */
  written: string[];
}

/** Top-level paths init writes or owns; left out of the layout so a rerun renders the same. */
const GENERATED_TOP_LEVEL = [
  "CLAUDE.md",
  "AGENTS.md",
  "PLAN.md",
  "PROGRESS.md",
  "harness.config.yaml",
  ".gitignore",
  "reference/",
  "reports/",
  "plans/",
  ".claude/",
  ".harness/",
];

export async function initRepo(options: InitRepoOptions): Promise<InitRepoResult> {
  const clock = options.clock ?? (() => new Date());
  const detected = await detectProject(options.startDir, { exclude: GENERATED_TOP_LEVEL });
  const root = detected.root;
  const existingConfig = await readExistingConfig(root, options);
  const project = await fillGaps(detected, existingConfig, options.ask);
  options.events.emit({ type: "project-detected", summary: summarize(project) });

  const previous = await readManifest(root);
  const createdOn = previous?.createdOn || clock().toISOString().slice(0, 10);
  const values = buildTemplateValues({
    project,
    config: existingConfig ?? defaultConfig(),
    initDate: createdOn,
  });
  const templates = await loadTemplateFiles(options.templatesDir);
  const files: RenderedFile[] = templates.map((template) => ({
    path: template.target,
    content: renderTemplate(template.text, values, `templates/${template.target}`),
    tracked: true,
  }));
  files.push(await renderGitignore(root));

  const plan = await planScaffold({
    root,
    files,
    previous,
    force: options.force,
    harnessVersion: options.harnessVersion,
    createdOn,
  });
  for (const change of plan.changes) {
    options.events.emit({
      type: "file-planned",
      path: change.path,
      action: change.action,
      ...(change.reason ? { reason: change.reason } : {}),
    });
  }
  const written = options.dryRun ? [] : await writeScaffold(root, plan);
  return { root, project, changes: plan.changes, dryRun: options.dryRun, written };
}

/** Values the user already set (a test command, fan-out caps) win over detection on reruns. */
async function readExistingConfig(
  root: string,
  options: Pick<InitRepoOptions, "env" | "events">,
): Promise<HarnessConfig | undefined> {
  if (!existsSync(path.join(root, CONFIG_FILE_NAME))) return undefined;
  const result = await loadConfig({ cwd: root, file: CONFIG_FILE_NAME, env: options.env });
  if (!result.config) {
    options.events.emit({
      type: "warning-raised",
      message: `${CONFIG_FILE_NAME} has errors, so its values are not used; run \`harness doctor\` to see them`,
    });
  }
  return result.config;
}

async function fillGaps(
  detected: ProjectInfo,
  config: HarnessConfig | undefined,
  ask: InitRepoOptions["ask"],
): Promise<ProjectInfo> {
  const project: ProjectInfo = { ...detected };
  if (!project.testCommand && config?.project.testCommand) {
    project.testCommand = config.project.testCommand;
  }
  if (!project.githubRepo && config?.github.repo) project.githubRepo = config.github.repo;
  if (!ask) return project;
  if (!project.testCommand) {
    const answer = await ask({
      key: "testCommand",
      question: "No test command was detected. Which command runs the tests? (empty: leave a TODO)",
    });
    if (answer?.trim()) project.testCommand = answer.trim();
  }
  if (!project.githubRepo) {
    const answer = await ask({
      key: "githubRepo",
      question:
        "No GitHub remote was found. GitHub repository as owner/name? (empty: local tracker)",
      validate: (value) =>
        value === "" || /^[\w.-]+\/[\w.-]+$/.test(value) ? undefined : "use the form owner/name",
    });
    if (answer?.trim()) project.githubRepo = answer.trim();
  }
  return project;
}

async function renderGitignore(root: string): Promise<RenderedFile> {
  let current: string | undefined;
  try {
    current = await readFile(path.join(root, ".gitignore"), "utf8");
  } catch {
    current = undefined;
  }
  return {
    path: ".gitignore",
    content: withHarnessIgnored(current) ?? current ?? "",
    tracked: false,
  };
}

function summarize(project: ProjectInfo): Record<string, unknown> {
  return {
    root: project.root,
    name: project.name,
    languages: project.languages,
    packageManager: project.packageManager ?? null,
    testCommand: project.testCommand ?? null,
    defaultBranch: project.defaultBranch ?? null,
    githubRepo: project.githubRepo ?? null,
    files: project.fileCount,
  };
}
