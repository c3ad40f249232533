/**
 * `harness daemon`: runs the issue pipeline until Ctrl-C or SIGTERM (see
 * src/workflows/daemon.ts for the rhythm). Logs go to stdout: readable lines when a person
 * watches a terminal, one JSON object per line otherwise (systemd, docker, a pipe) and with
 * `--json`, so a log collector can parse every line. Stopping is the normal end: exit 0.
 */
import { ExitCode } from "../errors.js";
import type { HarnessEvent } from "../events.js";
import type { DaemonLogEntry, DaemonScheduler } from "../workflows/daemon.js";
import type { CycleStages } from "../workflows/run-cycle.js";
import type { CommandContext, CommandResult } from "./context.js";

export interface DaemonCommandOptions {
  config?: string;
}

/** Test seams: fake stages, a hand-ticked scheduler, a short work poll. */
export interface DaemonCommandOverrides {
  stages?: CycleStages;
  scheduler?: DaemonScheduler;
  workPollMs?: number;
}

/** Events worth a line for a person watching; the rest go to the run's events.jsonl. */
function describeEvent(event: HarnessEvent): string | undefined {
  switch (event.type) {
    case "stage-finished":
      return event.stage === "report" ? undefined : `${event.stage}: ${event.summary}`;
    case "issue-planned":
      return `planned #${event.issue}: ${event.items.join(", ")}`;
    case "work-started":
      return `working on ${event.id} (#${event.issue}, attempt ${event.attempt})`;
    case "work-finished":
      return `${event.id}: ${event.outcome}${event.detail ? ` (${event.detail})` : ""}`;
    case "budget-reached":
      return `budget reached: ${event.reason}`;
    default:
      return undefined;
  }
}

export async function runDaemonCommand(
  options: DaemonCommandOptions,
  ctx: CommandContext,
  overrides: DaemonCommandOverrides = {},
): Promise<CommandResult> {
  const { output } = ctx;
  // Not a terminal (or --json): every line is JSON; json mode already prints events itself.
  const jsonLines = !output.interactive;
  const stamp = () => new Date().toISOString();
  const writeLog = (entry: DaemonLogEntry) => {
    if (output.json) output.record({ type: "log", at: stamp(), ...entry });
    else if (jsonLines) output.line(JSON.stringify({ type: "log", at: stamp(), ...entry }));
    else if (entry.level === "error") output.error(entry.message);
    else if (entry.level === "warn") output.warn(entry.message);
    else output.line(`${output.style.dim(stamp().slice(11, 19))} ${entry.message}`);
  };
  const [{ openPipelineSession }, daemon, budgetModule] = await Promise.all([
    import("./pipeline-session.js"),
    import("../workflows/daemon.js"),
    import("../workflows/pipeline-budget.js"),
  ]);
  const session = await openPipelineSession(ctx, {
    config: options.config,
    log: (message) => writeLog({ level: "info", message }),
    onEvent: (event) => {
      if (output.json) return;
      if (jsonLines) {
        output.line(JSON.stringify({ at: stamp(), ...event }));
        return;
      }
      const line = describeEvent(event);
      if (line) output.line(`${output.style.dim(stamp().slice(11, 19))} ${line}`);
    },
  });
  try {
    const { stage } = session;
    const store = budgetModule.createFileDaySpendStore(session.repoRoot);
    const summary = await daemon.runDaemon({
      // Each run gets its own budget (below) and the daemon's signal in place of the session's.
      context: stage,
      triageState: session.triageState,
      createBudget: () =>
        budgetModule.createPipelineBudget({
          config: session.config,
          store,
          ...(stage.now ? { now: stage.now } : {}),
        }),
      signal: ctx.signal,
      log: writeLog,
      ...(overrides.stages ? { stages: overrides.stages } : {}),
      ...(overrides.scheduler ? { scheduler: overrides.scheduler } : {}),
      ...(overrides.workPollMs !== undefined ? { workPollMs: overrides.workPollMs } : {}),
    });
    output.record({ type: "result", command: "daemon", ...summary });
  } finally {
    await session.close();
  }
  return { exitCode: ExitCode.ok, signalIsNormalStop: true };
}
