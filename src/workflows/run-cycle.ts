/**
 * One cycle of the issue pipeline: triage → plan → work (until the queue has nothing ready) →
 * report. `harness run --once` runs all of it; the daemon runs triage + plan on its cron and
 * work passes on its own rhythm, each through here, so every run leaves the same record:
 *
 *   .harness/runs/<run-id>/events.jsonl   every event of the run, one JSON object per line
 *   .harness/runs/<run-id>/summary.json   the CycleSummary below (status and digests read it)
 *   .harness/runs/<run-id>/digest.md      the same for a person (run-digest.ts)
 *
 * Failure policy: an AuthError or NetworkError from a stage stops the cycle (the next stage
 * would hit the same wall); the report is still written, then the error is thrown and the queue
 * is left as it is. Any other failure of a stage is recorded and the next stage runs. A
 * cancelled run (the signal) skips what is left and is recorded as stopped by "cancelled".
 * The budget is the caller's and is shared by every stage; stages ask it before new work.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";

import { createRunId } from "../agents/run-log.js";
import { AuthError, BudgetError, NetworkError } from "../errors.js";
import type { EventSink, HarnessEvent } from "../events.js";
import type { BudgetSnapshot } from "./pipeline-budget.js";
import type {
  PlanStage,
  PlanSummary,
  StageContext,
  WorkStage,
  WorkSummary,
} from "./pipeline-contract.js";
import { runDigestPath } from "../reports/report-paths.js";
import {
  healthBetween,
  readRouterHealth,
  type RouterHealth,
  type RunRouterHealth,
} from "../reports/router-health.js";
import { createUsageCollector, meterModelClient, type UsageByStage } from "../reports/usage.js";
import { RUNS_DIR, RUN_DIGEST_FILE, RUN_SUMMARY_FILE, writeRunDigest } from "./run-digest.js";
import type { TriageStateStore } from "./triage-state.js";
import type { TriageOptions, TriageSummary } from "./triage.js";

export type TriageStage = (options: TriageOptions) => Promise<TriageSummary>;

/** The stages a cycle runs; each one left out is the real one, imported when first needed. */
export interface CycleStages {
  triage?: TriageStage;
  plan?: PlanStage;
  work?: WorkStage;
}

export type CycleStageName = "triage" | "plan" | "work";

export const RUN_EVENTS_FILE = "events.jsonl";

export interface RunCycleOptions extends StageContext {
  triageState: TriageStateStore;
  stages?: CycleStages;
  /** Default: a new sortable id (`createRunId`). */
  runId?: string;
  /** Stages this cycle leaves out (the daemon: work on one rhythm, triage + plan on another). */
  skip?: Partial<Record<CycleStageName, boolean>>;
  /**
   * Reads the router's health (`/status`, `/metrics`) before and after the run; default: the
   * router at `routerUrl`. Tests pass a fake; undefined means it did not answer.
   */
  readRouterHealth?: () => Promise<RouterHealth | undefined>;
  /**
   * false: a run in which no stage did anything (nothing triaged, planned or worked, no
   * failure) leaves no folder behind; the daemon's idle work polls would bury the real runs.
   * Default true.
   */
  keepIdleRun?: boolean;
}

/**
 * done: the stage ran (its summary may list item failures); failed: it threw; stopped: it threw
 * a BudgetError; skipped: left out; cancelled: the signal stopped it or it never started.
 */
export type StageStatus = "done" | "failed" | "stopped" | "skipped" | "cancelled";

export interface StageResult<T> {
  status: StageStatus;
  /** One line for a person; also the `stage-finished` event's summary. */
  line: string;
  ms: number;
  summary?: T;
  error?: string;
  /** The budget (or cap) that stopped the stage taking more work. */
  stoppedBy?: string;
}

export interface CycleSummary {
  kind: "pipeline-run";
  runId: string;
  startedAt: string;
  finishedAt: string;
  ms: number;
  stages: {
    triage: StageResult<TriageSummary>;
    plan: StageResult<PlanSummary>;
    work: StageResult<WorkSummary>;
  };
  /** A stage threw (other than a budget stop or cancellation). */
  failed: boolean;
  /** What stopped the run early: "cancelled", the fatal error, or the first budget a stage hit. */
  stoppedBy?: string;
  /** The auth or network error that stopped the cycle (it is thrown after the report). */
  error?: { name: string; message: string };
  budget: BudgetSnapshot;
  /** Repository-relative paths of the run's files. */
  runDir: string;
  digestPath: string;
  summaryPath: string;
  eventsPath: string;
  /** False when an idle run's folder was removed (`keepIdleRun: false`). */
  recorded: boolean;
  /** Tokens, model calls and time per stage, summed from the run's events. */
  usage?: UsageByStage;
  /** The router's backends over the run (errors, breaker trips, cache hit ratio). */
  routerHealth?: RunRouterHealth;
  /** The digest's copy in the reports folder (`<reports.dir>/runs/<run-id>.md`). */
  reportPath?: string;
}

/** Appends every event, stamped with `at`, to the run's events.jsonl; close() flushes it. */
export interface RunEventLog extends EventSink {
  close(): Promise<void>;
}

export async function openRunEventLog(file: string, now: () => Date): Promise<RunEventLog> {
  await mkdir(path.dirname(file), { recursive: true });
  const stream: WriteStream = createWriteStream(file, { flags: "a" });
  let firstError: Error | undefined;
  stream.on("error", (error) => void (firstError ??= error));
  let closing: Promise<void> | undefined;
  return {
    emit(event) {
      if (closing) return;
      stream.write(`${JSON.stringify({ at: now().toISOString(), ...event })}\n`);
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        if (stream.closed || stream.destroyed) return resolve();
        stream.once("close", () => resolve());
        stream.end();
      }).then(() => {
        if (firstError) throw firstError;
      });
      return closing;
    },
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isFatal(error: unknown): error is AuthError | NetworkError {
  return error instanceof AuthError || error instanceof NetworkError;
}

function withStop(line: string, stoppedBy: string | undefined): string {
  return stoppedBy ? `${line}; stopped: ${stoppedBy}` : line;
}

export function describeTriage(summary: TriageSummary): string {
  const parts = [
    `${summary.triaged} triaged`,
    `${summary.skippedUnchanged} unchanged`,
    ...(summary.deferred > 0 ? [`${summary.deferred} left for the next run`] : []),
    ...(summary.failures.length > 0 ? [`${summary.failures.length} failed`] : []),
  ];
  return `${summary.seen} issue(s) seen: ${parts.join(", ")}`;
}

export function describePlan(summary: PlanSummary): string {
  const created = summary.planned.filter((planned) => planned.created);
  const items = created.reduce((sum, planned) => sum + planned.items.length, 0);
  const parts = [
    `${created.length} planned (${items} item(s))`,
    ...(summary.alreadyPlanned.length > 0
      ? [`${summary.alreadyPlanned.length} already planned`]
      : []),
    ...(summary.untrusted.length > 0 ? [`${summary.untrusted.length} untrusted`] : []),
    ...(summary.deferred.length > 0 ? [`${summary.deferred.length} deferred`] : []),
    ...(summary.failures.length > 0 ? [`${summary.failures.length} failed`] : []),
  ];
  return withStop(parts.join(", "), summary.stoppedBy);
}

export function describeWork(summary: WorkSummary): string {
  if (summary.items.length === 0) return withStop("no item worked", summary.stoppedBy);
  const outcomes = new Map<string, number>();
  for (const item of summary.items) {
    outcomes.set(item.outcome, (outcomes.get(item.outcome) ?? 0) + 1);
  }
  const counts = [...outcomes].map(([outcome, count]) => `${count} ${outcome}`).join(", ");
  return withStop(`${summary.items.length} item(s) worked: ${counts}`, summary.stoppedBy);
}

function skipped<T>(status: "skipped" | "cancelled"): StageResult<T> {
  return { status, line: status, ms: 0 };
}

/** Nothing happened: no stage did work or failed. */
function isIdleRun(stages: CycleSummary["stages"]): boolean {
  const { triage, plan, work } = stages;
  const quiet = (result: StageResult<unknown>) =>
    result.status === "skipped" || result.status === "done" || result.status === "stopped";
  if (!quiet(triage) || !quiet(plan) || !quiet(work)) return false;
  const triageIdle =
    !triage.summary ||
    (triage.summary.triaged === 0 &&
      triage.summary.failures.length === 0 &&
      triage.summary.deferred === 0);
  const planIdle =
    !plan.summary || (plan.summary.planned.length === 0 && plan.summary.failures.length === 0);
  const workIdle = !work.summary || work.summary.items.length === 0;
  return triageIdle && planIdle && workIdle;
}

export async function runCycle(options: RunCycleOptions): Promise<CycleSummary> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const started = performance.now();
  const runId = options.runId ?? createRunId(startedAt.getTime());
  const runDir = path.join(RUNS_DIR, runId);
  const absoluteRunDir = path.join(options.repoRoot, runDir);
  const log = await openRunEventLog(path.join(absoluteRunDir, RUN_EVENTS_FILE), now);
  const usage = createUsageCollector();
  const events: EventSink = {
    emit(event: HarnessEvent) {
      log.emit(event);
      usage.emit(event);
      options.events?.emit(event);
    },
  };
  const readHealth =
    options.readRouterHealth ??
    (() =>
      readRouterHealth(options.routerUrl, {
        ...(options.config.router.token ? { token: options.config.router.token } : {}),
        now,
      }));
  const healthBefore = readHealth().catch(() => undefined);
  // Every triage and plan model call is a model-call-finished event; the work stage meters
  // each item's calls itself (work-item.ts), so its reports use the same measurements.
  const meterFor = (stage: CycleStageName) =>
    meterModelClient(options.client, (call) =>
      events.emit({ type: "model-call-finished", stage, ...call }),
    );
  const meters = {
    triage: meterFor("triage"),
    plan: meterFor("plan"),
    work: { client: options.client, settled: async () => {} },
  };
  const context: StageContext = { ...options, events };
  const skip = options.skip ?? {};
  let fatal: AuthError | NetworkError | undefined;

  async function runStage<T>(
    stage: CycleStageName,
    task: () => Promise<T>,
    describe: (summary: T) => string,
    stoppedByOf: (summary: T) => string | undefined,
  ): Promise<StageResult<T>> {
    if (skip[stage]) return skipped("skipped");
    if (fatal || options.signal?.aborted) return skipped(fatal ? "skipped" : "cancelled");
    events.emit({ type: "stage-started", stage });
    const stageStarted = performance.now();
    let result: StageResult<T>;
    try {
      const summary = await task().finally(() => meters[stage].settled());
      const stoppedBy = stoppedByOf(summary);
      result = {
        status: "done",
        line: describe(summary),
        ms: 0,
        summary,
        ...(stoppedBy ? { stoppedBy } : {}),
      };
    } catch (error) {
      const message = errorText(error);
      if (options.signal?.aborted) {
        result = { status: "cancelled", line: "cancelled", ms: 0 };
      } else if (error instanceof BudgetError) {
        result = { status: "stopped", line: `stopped: ${message}`, ms: 0, stoppedBy: message };
      } else {
        if (isFatal(error)) fatal = error;
        result = {
          status: "failed",
          line: `failed: ${message}${fatal ? " (cycle stopped)" : ""}`,
          ms: 0,
          error: message,
        };
      }
    }
    result.ms = Math.round(performance.now() - stageStarted);
    events.emit({ type: "stage-finished", stage, summary: result.line, ms: result.ms });
    return result;
  }

  let stages: CycleSummary["stages"];
  try {
    const stageImplementations = options.stages ?? {};
    const triage = await runStage(
      "triage",
      async () => {
        const triageStage =
          stageImplementations.triage ?? (await import("./triage.js")).triageIssues;
        return triageStage({
          tracker: options.tracker,
          client: meters.triage.client,
          repoRoot: options.repoRoot,
          config: options.config,
          cursorStore: options.triageState,
          events,
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.now ? { now: options.now } : {}),
        });
      },
      describeTriage,
      () => undefined,
    );
    const plan = await runStage(
      "plan",
      async () => {
        const planStage: PlanStage =
          stageImplementations.plan ?? (await import("./plan.js")).planIssues;
        return planStage({
          ...context,
          client: meters.plan.client,
          triageState: options.triageState,
        });
      },
      describePlan,
      (summary) => summary.stoppedBy,
    );
    const work = await runStage(
      "work",
      async () => {
        const workStage: WorkStage =
          stageImplementations.work ?? (await import("./work.js")).workItems;
        return workStage({ ...context, untilIdle: true });
      },
      describeWork,
      (summary) => summary.stoppedBy,
    );
    stages = { triage, plan, work };
  } catch (error) {
    // runStage catches what stages throw; this is a bug in the cycle itself.
    await log.close().catch(() => undefined);
    throw error;
  }

  events.emit({ type: "stage-started", stage: "report" });
  const reportStarted = performance.now();
  const cancelled = options.signal?.aborted === true;
  const firstStop = [stages.plan, stages.work].find((stage) => stage.stoppedBy)?.stoppedBy;
  const stoppedBy = cancelled ? "cancelled" : fatal ? fatal.message : firstStop;
  const summary: CycleSummary = {
    kind: "pipeline-run",
    runId,
    startedAt: startedAt.toISOString(),
    finishedAt: now().toISOString(),
    ms: Math.round(performance.now() - started),
    stages,
    failed: Object.values(stages).some((stage) => stage.status === "failed"),
    ...(stoppedBy ? { stoppedBy } : {}),
    ...(fatal ? { error: { name: fatal.name, message: fatal.message } } : {}),
    budget: await options.budget.snapshot(),
    runDir,
    digestPath: path.join(runDir, RUN_DIGEST_FILE),
    summaryPath: path.join(runDir, RUN_SUMMARY_FILE),
    eventsPath: path.join(runDir, RUN_EVENTS_FILE),
    recorded: true,
    usage: usage.usage(),
  };
  const idle = options.keepIdleRun === false && !fatal && isIdleRun(stages);
  try {
    if (!idle) {
      const [before, after] = await Promise.all([
        healthBefore,
        readHealth().catch(() => undefined),
      ]);
      summary.routerHealth = healthBetween(before, after);
      summary.reportPath = runDigestPath(options.config.reports.dir, runId);
      await writeRunDigest(options.repoRoot, summary);
    }
    events.emit({
      type: "stage-finished",
      stage: "report",
      summary: idle ? "idle run, nothing recorded" : `digest written to ${summary.digestPath}`,
      ms: Math.round(performance.now() - reportStarted),
    });
  } finally {
    await log.close();
  }
  if (idle) {
    await rm(absoluteRunDir, { recursive: true, force: true });
    summary.recorded = false;
  }
  if (fatal) throw fatal;
  return summary;
}
