/**
 * `harness plan [--issue N]`: stage 2 of the issue pipeline on this repository's tracker. Every
 * valid issue from a trusted author (or the one asked for, which must be valid) gets a ground
 * plan in the work queue, one model call each through the router. Prints one line per issue;
 * `--json` adds the whole summary. The exit code says failed when any issue failed.
 */
import { ExitCode, InputError } from "../errors.js";
import type { PlanSummary, PlannedIssue } from "../workflows/pipeline-contract.js";
import type { CommandContext, CommandResult } from "./context.js";

export interface PlanCommandOptions {
  issue?: number;
  config?: string;
}

export function formatPlannedIssue(planned: PlannedIssue): string {
  return planned.epic
    ? `#${planned.issue} planned as an epic of ${planned.items.length} parts: ${planned.items.join(", ")}`
    : `#${planned.issue} planned: ${planned.items.join(", ")}`;
}

function numbers(list: readonly number[]): string {
  return list.map((number) => `#${number}`).join(", ");
}

/**
 * The lines after the planned issues: what was left alone or deferred, then a total (failures
 * were already reported as warnings when they happened).
 */
export function formatPlanSummary(summary: PlanSummary): string[] {
  const lines: string[] = [];
  if (summary.alreadyPlanned.length > 0) {
    lines.push(`already planned: ${numbers(summary.alreadyPlanned)}`);
  }
  if (summary.untrusted.length > 0) {
    lines.push(`not planned, author not trusted: ${numbers(summary.untrusted)}`);
  }
  if (summary.deferred.length > 0) {
    lines.push(
      `left for the next run: ${numbers(summary.deferred)}${summary.stoppedBy ? ` (${summary.stoppedBy})` : ""}`,
    );
  }
  const parts = [
    `${summary.planned.length} planned`,
    `${summary.alreadyPlanned.length} already planned`,
    ...(summary.untrusted.length > 0 ? [`${summary.untrusted.length} untrusted`] : []),
    ...(summary.deferred.length > 0 ? [`${summary.deferred.length} left for the next run`] : []),
    ...(summary.failures.length > 0 ? [`${summary.failures.length} failed`] : []),
  ];
  lines.push(parts.join(", "));
  return lines;
}

export async function runPlanCommand(
  options: PlanCommandOptions,
  ctx: CommandContext,
): Promise<CommandResult> {
  if (options.issue !== undefined && !(Number.isInteger(options.issue) && options.issue > 0)) {
    throw new InputError(`--issue must be a positive issue number, not ${options.issue}`);
  }
  const { output } = ctx;
  const [{ openPipelineSession }, { planIssues }] = await Promise.all([
    import("./pipeline-session.js"),
    import("../workflows/plan.js"),
  ]);
  const session = await openPipelineSession(ctx, { config: options.config });
  try {
    const summary = await planIssues({
      ...session.stage,
      triageState: session.triageState,
      ...(options.issue !== undefined ? { issue: options.issue } : {}),
    });
    for (const planned of summary.planned) output.line(formatPlannedIssue(planned));
    for (const line of formatPlanSummary(summary)) output.line(line);
    output.record({ type: "result", command: "plan", ...summary });
    return { exitCode: summary.failures.length > 0 ? ExitCode.failed : ExitCode.ok };
  } finally {
    await session.close();
  }
}
