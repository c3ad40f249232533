/**
 * `harness init`: flags in, a summary out. The work happens in workflows/init-repo.ts; this file
 * asks questions on a TTY and renders the result as text or JSON lines.
 */
import type { HarnessEvent } from "../events.js";
import type { FileAction } from "../events.js";
import type { Output } from "../output.js";
import { harnessVersion } from "../version.js";
import { initRepo, type InitQuestion, type InitRepoResult } from "../workflows/init-repo.js";
import type { CommandContext, CommandResult } from "./context.js";

export interface InitOptions {
  dryRun: boolean;
  force: boolean;
  yes: boolean;
}

export async function runInit(options: InitOptions, ctx: CommandContext): Promise<CommandResult> {
  const { output } = ctx;
  const canAsk = !options.yes && output.interactive && ctx.stdin.isTTY === true;
  const result = await initRepo({
    startDir: ctx.cwd,
    dryRun: options.dryRun,
    force: options.force,
    harnessVersion: harnessVersion(),
    env: ctx.env,
    events: {
      emit: (event: HarnessEvent) => {
        output.event(event);
        if (event.type === "warning-raised") output.warn(event.message);
      },
    },
    ...(canAsk ? { ask: (question: InitQuestion) => askOnTerminal(question, ctx) } : {}),
  });
  const counts = countActions(result);
  output.record({
    type: "result",
    command: "init",
    root: result.root,
    dryRun: result.dryRun,
    ...counts,
  });
  if (!output.json) renderHuman(result, counts, output);
  return { exitCode: 0 };
}

function countActions(result: InitRepoResult): Record<FileAction, number> {
  const counts: Record<FileAction, number> = {
    created: 0,
    updated: 0,
    unchanged: 0,
    kept: 0,
    overwritten: 0,
  };
  for (const change of result.changes) counts[change.action]++;
  return counts;
}

function renderHuman(result: InitRepoResult, counts: Record<FileAction, number>, output: Output) {
  const { style } = output;
  const project = result.project;
  const facts = [
    project.languages.length ? project.languages.join(", ") : "no language detected",
    project.packageManager,
    project.testCommand ? `test: ${project.testCommand}` : "test: not detected (TODO left)",
    project.defaultBranch ? `branch: ${project.defaultBranch}` : undefined,
    project.githubRepo ? `github: ${project.githubRepo}` : "github: none (local tracker)",
  ].filter(Boolean);
  output.line(`${style.bold(project.name)} ${style.dim(`(${result.root})`)}`);
  output.line(`  ${facts.join(" · ")}`);
  output.line();

  const verb = result.dryRun ? "would be " : "";
  const marks: Record<FileAction, (text: string) => string> = {
    created: style.green,
    updated: style.cyan,
    overwritten: style.yellow,
    kept: style.yellow,
    unchanged: style.dim,
  };
  for (const change of result.changes) {
    if (change.action === "unchanged") continue;
    const label = change.action === "kept" ? "kept" : `${verb}${change.action}`;
    const reason = change.reason ? style.dim(` (${change.reason})`) : "";
    output.line(
      `  ${marks[change.action](label.padEnd(result.dryRun ? 16 : 11))} ${change.path}${reason}`,
    );
  }
  const changed = counts.created + counts.updated + counts.overwritten;
  if (changed === 0) {
    output.line(
      `No changes: ${counts.unchanged} file(s) already up to date${counts.kept ? `, ${counts.kept} kept as you edited them` : ""}.`,
    );
  } else {
    output.line();
    output.line(
      `${result.dryRun ? "Would change" : "Changed"} ${changed} file(s); ${counts.unchanged} unchanged; ${counts.kept} kept.`,
    );
  }
  if (result.dryRun) {
    output.line(style.dim("Dry run: nothing was written."));
  } else if (changed > 0) {
    output.line();
    output.line("Next:");
    output.line(
      "  1. Read CLAUDE.md and fill in anything marked TODO(harness); put goals in PLAN.md.",
    );
    output.line("  2. harness doctor            check git, config, GitHub token and agent CLIs");
    output.line(
      "  3. git add -A && git commit -m 'Set up harness'   (or /sync inside Claude Code)",
    );
  }
}

async function askOnTerminal(
  question: InitQuestion,
  ctx: CommandContext,
): Promise<string | undefined> {
  const { createInterface } = await import("node:readline/promises");
  const terminal = createInterface({ input: ctx.stdin, output: process.stderr });
  try {
    for (;;) {
      const answer = (await terminal.question(`${question.question}\n> `)).trim();
      const problem = question.validate?.(answer);
      if (!problem) return answer || undefined;
      ctx.output.warn(problem);
    }
  } finally {
    terminal.close();
  }
}
