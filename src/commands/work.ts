/**
 * `harness work [--concurrency N] [--item ID]`: stage 3 of the issue pipeline on its own. Takes
 * ground plans from the queue (one round of `--concurrency` items, default
 * `work.maxConcurrent`; `--item` just that one) and turns each into a pushed branch with one
 * pull request. Prints one line per item; `--json` adds the whole summary as the result record.
 * Exit code 0 when every item taken ended without an error, 1 otherwise.
 */
import { ExitCode, InputError } from "../errors.js";
import type { WorkSummary, WorkedItem } from "../workflows/pipeline-contract.js";
import type { CommandContext, CommandResult } from "./context.js";
import { openPipelineSession } from "./pipeline-session.js";

export interface WorkCommandOptions {
  concurrency?: number;
  item?: string;
  config?: string;
}

/** Outcomes that need a person or a retry. */
const troubleOutcomes = new Set(["tests-failed", "secret-found", "agent-failed", "failed"]);

export function formatWorkItem(item: WorkedItem): string {
  const pull = item.pullRequest ? ` PR #${item.pullRequest.number}` : "";
  const tests =
    item.testRuns > 0
      ? `, tests ${item.testsPassed ? "passed" : "failed"} (${item.testRuns} run(s))`
      : "";
  const merged = item.merged ? ", merged" : "";
  const error = item.error ? `: ${item.error}` : "";
  return `${item.id} (#${item.issue}) ${item.outcome}${pull}${tests}${merged}${error}`;
}

export function formatWorkSummary(summary: WorkSummary): string {
  const counts = new Map<string, number>();
  for (const item of summary.items) counts.set(item.outcome, (counts.get(item.outcome) ?? 0) + 1);
  const parts = [...counts].map(([outcome, count]) => `${count} ${outcome}`);
  const stopped = summary.stoppedBy ? `; stopped: ${summary.stoppedBy}` : "";
  return `${summary.items.length} item(s) worked${parts.length > 0 ? `: ${parts.join(", ")}` : ""}${stopped}`;
}

export async function runWorkCommand(
  options: WorkCommandOptions,
  ctx: CommandContext,
): Promise<CommandResult> {
  const { concurrency, item } = options;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
    throw new InputError(`--concurrency must be a whole number from 1, not ${concurrency}`);
  }
  if (item !== undefined && item.trim() === "") {
    throw new InputError("--item needs a queue item id, e.g. issue-12", {
      hint: "list the items with harness queue ls",
    });
  }
  const { output } = ctx;
  const session = await openPipelineSession(ctx, { config: options.config });
  try {
    const { workItems } = await import("../workflows/work.js");
    const summary = await workItems({
      ...session.stage,
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(item !== undefined ? { itemId: item.trim() } : {}),
    });
    for (const worked of summary.items) output.line(formatWorkItem(worked));
    output.line(formatWorkSummary(summary));
    output.record({ type: "result", command: "work", ...summary });
    const trouble = summary.items.some((worked) => troubleOutcomes.has(worked.outcome));
    return { exitCode: trouble ? ExitCode.failed : ExitCode.ok };
  } finally {
    await session.close();
  }
}
