/**
 * `harness daemon`: the issue pipeline running for good in one process.
 *
 * - Triage + plan run on `schedule.cron`, each tick one cycle (`runCycle` without work) under
 *   the cycle lock, so two never overlap, here or in another process (`harness run --once`
 *   from cron); a tick that finds the lock held is skipped with a log line. A tick that found
 *   nothing to do leaves no run folder (every 15 minutes would bury the runs that did).
 * - Work runs continuously: a pass takes ready items until the queue has none ready or a cap or
 *   budget stops it, then the loop sleeps `schedule.workPollSeconds` (a cycle that planned new
 *   items wakes it early). Work needs no lock: queue leases keep workers apart. Each pass gets a
 *   fresh run budget; the day's budget is shared on disk. Idle passes leave no run folder.
 * - On `schedule.digestCron` the last complete UTC day's runs are summed into
 *   `.harness/runs/daily-<day>.md` and `<reports.dir>/runs/daily-<day>.md` (the digest
 *   `harness report digest` prints).
 *
 * Shutdown on the signal: the cron tasks stop, the running stages see the aborted signal (the
 * work stage releases the items it holds), the daemon waits for them and returns.
 * Cron is injectable (`DaemonScheduler`) so tests tick by hand; node-cron is the default.
 */
import { ConfigError } from "../errors.js";
import type { PipelineBudget } from "./pipeline-budget.js";
import type { StageContext } from "./pipeline-contract.js";
import { acquireCycleLock, describeCycleLockHolder, readCycleLock } from "./cycle-lock.js";
import type { CycleLockOptions } from "./cycle-lock.js";
import { runCycle, type CycleStages, type CycleSummary } from "./run-cycle.js";
import { writeDailyDigest } from "./run-digest.js";
import type { TriageStateStore } from "./triage-state.js";

export interface ScheduledJob {
  stop(): void | Promise<void>;
}

/** Calls `tick` whenever `expression` matches. Ticks may overlap; the daemon guards them. */
export interface DaemonScheduler {
  schedule(name: string, expression: string, tick: () => Promise<void>): ScheduledJob;
}

export interface DaemonLogEntry {
  level: "info" | "warn" | "error";
  message: string;
  /** Machine-readable details (run id, digest path, lock holder). */
  [key: string]: unknown;
}

export interface DaemonOptions {
  /** What every run gets; `budget` and `signal` are the daemon's own, per run. */
  context: Omit<StageContext, "budget" | "signal">;
  triageState: TriageStateStore;
  /** A fresh run budget (the day's figures are shared through its store). */
  createBudget: () => PipelineBudget;
  signal: AbortSignal;
  stages?: CycleStages;
  scheduler?: DaemonScheduler;
  log?: (entry: DaemonLogEntry) => void;
  /** Pause between work passes; default `schedule.workPollSeconds`. */
  workPollMs?: number;
  /** Passed to the cycle lock (tests pose as other processes). */
  lock?: CycleLockOptions;
}

export interface DaemonSummary {
  /** Triage + plan cycles that ran, and ticks skipped because a cycle held the lock. */
  cycles: number;
  skippedTicks: number;
  /** Work passes that ran, recorded or idle. */
  workPasses: number;
  digests: number;
}

/** The default scheduler: node-cron 4 (seconds allowed, `*\/5 * * * * *`), local time. */
export async function createCronScheduler(
  log: (entry: DaemonLogEntry) => void = () => {},
): Promise<DaemonScheduler> {
  const cron = await import("node-cron");
  const logger = {
    info: () => {},
    debug: () => {},
    warn: (message: string) => log({ level: "warn", message: `cron: ${message}` }),
    error: (message: string | Error) =>
      log({
        level: "error",
        message: `cron: ${message instanceof Error ? message.message : message}`,
      }),
  };
  return {
    schedule(name, expression, tick) {
      const task = cron.schedule(expression, () => tick(), { name, logger });
      return { stop: () => task.destroy() };
    },
  };
}

export async function validateDaemonSchedule(context: Pick<StageContext, "config">): Promise<void> {
  const { validate } = await import("node-cron");
  const { cron, digestCron } = context.config.schedule;
  for (const [key, expression] of [
    ["schedule.cron", cron],
    ["schedule.digestCron", digestCron],
  ] as const) {
    if (!validate(expression)) {
      throw new ConfigError(`${key} "${expression}" is not a valid cron expression`, {
        hint: 'five fields (or six, with seconds first), e.g. "*/15 * * * *"',
      });
    }
  }
}

/** `YYYY-MM-DD` of the UTC day before `date`'s: the last day that is over. */
export function previousUtcDay(date: Date): string {
  return new Date(date.getTime() - 86_400_000).toISOString().slice(0, 10);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Resolves after `ms`, on abort, or when `wake` is called, whichever comes first. */
function createSleeper(signal: AbortSignal) {
  let wake: (() => void) | undefined;
  let woken = false;
  return {
    wake() {
      woken = true;
      wake?.();
    },
    sleep(ms: number): Promise<void> {
      if (signal.aborted || woken) {
        woken = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          wake = undefined;
          woken = false;
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener("abort", done, { once: true });
        wake = done;
      });
    },
  };
}

function plannedSomething(summary: CycleSummary): boolean {
  return summary.stages.plan.summary?.planned.some((planned) => planned.created) ?? false;
}

/** Runs until `signal` aborts, then waits for what is running and returns. */
export async function runDaemon(options: DaemonOptions): Promise<DaemonSummary> {
  const { context, signal } = options;
  const log = options.log ?? (() => {});
  const repoRoot = context.repoRoot;
  const schedule = context.config.schedule;
  const workPollMs = options.workPollMs ?? schedule.workPollSeconds * 1_000;
  await validateDaemonSchedule(context);
  const scheduler = options.scheduler ?? (await createCronScheduler(log));
  const summary: DaemonSummary = { cycles: 0, skippedTicks: 0, workPasses: 0, digests: 0 };
  const inflight = new Set<Promise<void>>();
  const track = (task: Promise<void>): Promise<void> => {
    inflight.add(task);
    return task.finally(() => inflight.delete(task));
  };
  const sleeper = createSleeper(signal);
  const cycleOptions = () => ({
    ...context,
    budget: options.createBudget(),
    signal,
    triageState: options.triageState,
    ...(options.stages ? { stages: options.stages } : {}),
  });

  async function cycleTick(): Promise<void> {
    if (signal.aborted) return;
    const lock = await acquireCycleLock(repoRoot, options.lock);
    if (!lock) {
      summary.skippedTicks++;
      const holder = await readCycleLock(repoRoot);
      log({
        level: "info",
        message: `cycle skipped: a cycle is already running (${describeCycleLockHolder(holder)})`,
        ...(holder ? { holderPid: holder.pid, holderSince: holder.startedAt } : {}),
      });
      return;
    }
    try {
      const result = await runCycle({
        ...cycleOptions(),
        skip: { work: true },
        keepIdleRun: false,
      });
      summary.cycles++;
      log({
        level: result.failed ? "warn" : "info",
        message: `cycle ${result.runId}: triage: ${result.stages.triage.line}; plan: ${result.stages.plan.line}`,
        runId: result.runId,
        ...(result.recorded ? { digest: result.digestPath } : {}),
        ...(result.stoppedBy ? { stoppedBy: result.stoppedBy } : {}),
      });
      if (plannedSomething(result)) sleeper.wake();
    } catch (error) {
      // Auth or network: the cycle stopped and the queue is untouched; the next tick retries.
      summary.cycles++;
      log({ level: "error", message: `cycle stopped: ${errorText(error)}` });
    } finally {
      await lock.release();
    }
  }

  async function workLoop(): Promise<void> {
    let lastStop: string | undefined;
    while (!signal.aborted) {
      try {
        const result = await runCycle({
          ...cycleOptions(),
          skip: { triage: true, plan: true },
          keepIdleRun: false,
        });
        summary.workPasses++;
        if (result.recorded) {
          log({
            level: result.failed ? "warn" : "info",
            message: `work ${result.runId}: ${result.stages.work.line}`,
            runId: result.runId,
            digest: result.digestPath,
          });
        }
        const stop = signal.aborted ? undefined : result.stoppedBy;
        if (stop && stop !== lastStop) log({ level: "info", message: `work paused: ${stop}` });
        lastStop = stop;
      } catch (error) {
        summary.workPasses++;
        log({ level: "error", message: `work pass stopped: ${errorText(error)}` });
      }
      await sleeper.sleep(workPollMs);
    }
  }

  async function digestTick(): Promise<void> {
    if (signal.aborted) return;
    const day = previousUtcDay((context.now ?? (() => new Date()))());
    try {
      const written = await writeDailyDigest(repoRoot, day, {
        reportsDir: context.config.reports.dir,
      });
      summary.digests++;
      log({
        level: "info",
        message: `daily digest for ${day}: ${written.runs} run(s) in ${written.path}`,
        digest: written.path,
      });
    } catch (error) {
      log({ level: "error", message: `daily digest for ${day} failed: ${errorText(error)}` });
    }
  }

  if (signal.aborted) return summary;
  const jobs = [
    scheduler.schedule("harness-cycle", schedule.cron, () => track(cycleTick())),
    scheduler.schedule("harness-digest", schedule.digestCron, () => track(digestTick())),
  ];
  log({
    level: "info",
    message: `daemon started: triage and plan on "${schedule.cron}", work every ${Math.round(
      workPollMs / 1_000,
    )} s when idle, daily digest on "${schedule.digestCron}"`,
  });
  const work = workLoop();
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
  log({ level: "info", message: "stopping: waiting for the running stages to finish" });
  await Promise.all(jobs.map((job) => job.stop()));
  await Promise.allSettled([work, ...inflight]);
  log({ level: "info", message: "daemon stopped" });
  return summary;
}
