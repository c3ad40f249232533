/**
 * Turns what was detected into the values the templates use. What could not be detected becomes a
 * visible `TODO(harness)` marker, never a guess.
 */
import type { HarnessConfig } from "../config/schema.js";
import type { LayoutEntry, ProjectInfo } from "../project/project-info.js";
import type { TemplateValues } from "./render-template.js";

export const TODO_MARK = "TODO(harness)";

/** What init knows: detection, plus answers the user gave to its questions. */
export interface ScaffoldFacts {
  project: ProjectInfo;
  config: Pick<HarnessConfig, "fanOut">;
  /** The day of the first init, YYYY-MM-DD. */
  initDate: string;
}

export function buildTemplateValues(facts: ScaffoldFacts): TemplateValues {
  const { project, config } = facts;
  const code = (command: string | undefined, missing: string) =>
    command ? `\`${command}\`` : missing;
  const testTodo = `${TODO_MARK}: not detected; write the command here and in harness.config.yaml (project.testCommand)`;
  const left = [
    "Fill in PLAN.md with the first real goals.",
    ...(project.description ? [] : ["Describe the project at the top of CLAUDE.md."]),
    ...(project.testCommand ? [] : ["Set the test command in CLAUDE.md and harness.config.yaml."]),
    ...(project.githubRepo
      ? []
      : ["Set github.repo in harness.config.yaml, or use the local tracker."]),
  ];

  return {
    projectName: project.name,
    projectDescription:
      project.description ??
      `${TODO_MARK}: say in one or two sentences what this project is for and who uses it.`,
    languages: project.languages.length > 0 ? project.languages.join(", ") : "none detected",
    packageManager: project.packageManager ?? "none detected",
    defaultBranch: project.defaultBranch ?? "main",
    githubRepo: project.githubRepo
      ? `[${project.githubRepo}](https://github.com/${project.githubRepo})`
      : `none detected (${TODO_MARK}: set github.repo in harness.config.yaml, or keep issues in the local tracker, .harness/issues/)`,
    testCommand:
      project.testCommand ??
      `the test command given in CLAUDE.md (${TODO_MARK}: it was not detected; ask the human if CLAUDE.md still lacks it)`,
    testCommandCell: code(project.testCommand, testTodo),
    buildCommandCell: code(project.buildCommand, "none detected"),
    lintCommandCell: code(project.lintCommand, "none detected"),
    layout: renderLayout(project.layout, project.layoutOmitted ?? 0),
    maxWorkers: String(config.fanOut.maxWorkers),
    maxItemsPerWorker: String(config.fanOut.maxItemsPerWorker),
    initDate: facts.initDate,
    initLeft: left.join(" "),
    yamlProjectName: JSON.stringify(project.name),
    yamlDefaultBranch: JSON.stringify(project.defaultBranch ?? "main"),
    yamlTestCommand: JSON.stringify(project.testCommand ?? ""),
    testCommandTodo: project.testCommand
      ? ""
      : `\n  # ${TODO_MARK}: no test command was detected; set one so workers can prove their changes.`,
    yamlGithubRepo: JSON.stringify(project.githubRepo ?? ""),
  };
}

/** Folder names and purposes only: counts would change with every commit and churn CLAUDE.md. */
function renderLayout(layout: readonly LayoutEntry[], omitted: number): string {
  if (layout.length === 0) return "The repository has no files yet.";
  const lines = layout.map(
    (entry) => `- \`${entry.path}\`${entry.purpose ? `: ${entry.purpose}` : ""}`,
  );
  if (omitted > 0) lines.push(`- … and ${omitted} more top-level entries`);
  return lines.join("\n");
}
