/**
 * `harness issue new "title"` and `harness issue ls`: the local tracker under
 * `.harness/issues/<n>.md`, the embedded default when a repository has no GitHub remote, so the
 * whole loop runs offline. Each issue is a Markdown file a person can read and edit.
 */
import { readFileSync } from "node:fs";

import { requireConfig } from "../config/load-config.js";
import { formatDiagnostic } from "../diagnostics.js";
import { ExitCode, InputError } from "../errors.js";
import { findRepoRoot } from "../queue/open-queue.js";
import type { CommandContext, CommandResult } from "./context.js";

async function repoRootOf(ctx: CommandContext, config?: string): Promise<string> {
  const loaded = await requireConfig({ cwd: ctx.cwd, env: ctx.env, file: config });
  return findRepoRoot(ctx.cwd, loaded.path);
}

export async function runIssueNew(
  options: { title: string; body?: string; bodyFile?: string; label?: string[]; config?: string },
  ctx: CommandContext,
): Promise<CommandResult> {
  if (options.title.trim() === "") {
    throw new InputError("the title is empty", {
      hint: 'harness issue new "Reject empty config files" --body "..."',
    });
  }
  let body = options.body ?? "";
  if (options.bodyFile) {
    try {
      // "-": the text comes on stdin (file descriptor 0).
      body = readFileSync(options.bodyFile === "-" ? 0 : options.bodyFile, "utf8");
    } catch (error) {
      throw new InputError(`cannot read ${options.bodyFile}: ${(error as Error).message}`);
    }
  }
  const root = await repoRootOf(ctx, options.config);
  const { createLocalIssue } = await import("../tracker/local-tracker.js");
  const { issue, file } = await createLocalIssue(root, {
    title: options.title,
    body,
    labels: options.label ?? [],
    author: ctx.env.USER ?? "local",
  });
  ctx.output.line(`#${issue.number} ${issue.title} (${file})`);
  ctx.output.record({ type: "result", command: "issue new", file, ...issue });
  return { exitCode: ExitCode.ok };
}

export async function runIssueList(
  options: { state?: string; config?: string },
  ctx: CommandContext,
): Promise<CommandResult> {
  const state = options.state ?? "open";
  if (!["open", "closed", "all"].includes(state)) {
    throw new InputError(`unknown state "${state}"`, { hint: "use open, closed or all" });
  }
  const root = await repoRootOf(ctx, options.config);
  const { listLocalIssues } = await import("../tracker/local-tracker.js");
  const listed = await listLocalIssues(root, { state: state as "open" | "closed" | "all" });
  const { output } = ctx;
  for (const diagnostic of listed.diagnostics) output.warn(formatDiagnostic(diagnostic));
  for (const issue of listed.items) {
    output.record({ type: "issue", ...issue });
    const labels = issue.labels.length > 0 ? ` [${issue.labels.join(", ")}]` : "";
    output.line(
      `#${String(issue.number).padEnd(4)} ${issue.state.padEnd(6)} ${issue.title}${labels}`,
    );
  }
  if (listed.items.length === 0)
    output.line(`no ${state === "all" ? "" : `${state} `}local issues`);
  output.record({
    type: "result",
    command: "issue ls",
    issues: listed.items.length,
    problems: listed.diagnostics.length,
  });
  return { exitCode: ExitCode.ok };
}
