/**
 * `harness run --once`: one full cycle of the issue pipeline (triage → plan → work → report)
 * under the cycle lock, for cron and CI. Prints one line per stage as it ends and the digest's
 * path; `--json` adds the run summary. A cycle already running (the daemon, an earlier cron
 * start) is normal under cron: the command says so and exits 0 (`skipped: true` in JSON).
 * Exit 1 when a stage failed; an auth or network error stops the cycle with its own exit code.
 * Without `--once` it points at `harness daemon`, which runs the loop on a schedule.
 */
import path from "node:path";

import { requireConfig } from "../config/load-config.js";
import { ExitCode, InputError } from "../errors.js";
import type { HarnessEvent } from "../events.js";
import { findRepoRoot } from "../queue/open-queue.js";
import type { CycleStages } from "../workflows/run-cycle.js";
import type { CommandContext, CommandResult } from "./context.js";

export interface RunCommandOptions {
  once?: boolean;
  config?: string;
}

/** Test seams: stages replaced by fakes. */
export interface RunCommandOverrides {
  stages?: CycleStages;
}

export async function runRunCommand(
  options: RunCommandOptions,
  ctx: CommandContext,
  overrides: RunCommandOverrides = {},
): Promise<CommandResult> {
  if (!options.once) {
    throw new InputError("`harness run` runs one cycle and needs --once", {
      hint: "run `harness run --once` from cron, or `harness daemon` to run the loop on a schedule",
    });
  }
  const { output } = ctx;
  const loaded = await requireConfig({ cwd: ctx.cwd, env: ctx.env, file: options.config });
  const repoRoot = findRepoRoot(ctx.cwd, loaded.path);
  const [{ acquireCycleLock, describeCycleLockHolder, readCycleLock }, { runCycle }, session] =
    await Promise.all([
      import("../workflows/cycle-lock.js"),
      import("../workflows/run-cycle.js"),
      import("./pipeline-session.js"),
    ]);

  // The lock before the session: a skipped run must not start a router.
  const lock = await acquireCycleLock(repoRoot);
  if (!lock) {
    const holder = await readCycleLock(repoRoot);
    output.line(
      `a cycle is already running (${describeCycleLockHolder(holder)}); nothing to do this time`,
    );
    output.record({
      type: "result",
      command: "run",
      skipped: true,
      ...(holder
        ? { holder: { pid: holder.pid, host: holder.host, since: holder.startedAt } }
        : {}),
    });
    return { exitCode: ExitCode.ok };
  }
  try {
    const opened = await session.openPipelineSession(ctx, {
      config: options.config,
      onEvent: (event: HarnessEvent) => {
        if (event.type === "stage-finished" && event.stage !== "report") {
          output.line(`${event.stage}: ${event.summary}`);
        }
      },
    });
    try {
      const summary = await runCycle({
        ...opened.stage,
        triageState: opened.triageState,
        ...(overrides.stages ? { stages: overrides.stages } : {}),
      });
      if (summary.stoppedBy) output.line(`stopped by: ${summary.stoppedBy}`);
      output.line(`digest: ${path.join(opened.repoRoot, summary.digestPath)}`);
      output.record({ type: "result", command: "run", skipped: false, ...summary });
      return { exitCode: summary.failed ? ExitCode.failed : ExitCode.ok };
    } finally {
      await opened.close();
    }
  } finally {
    await lock.release();
  }
}
