/**
 * The daemon with fake stages in a real repository: a hand-ticked scheduler runs triage + plan
 * under the cycle lock while the work loop polls, a tick that finds the lock held is skipped,
 * aborting stops everything and releases the lock after the running stages noticed, real
 * node-cron ticks at second resolution, and the daily digest sums the day's runs.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { configSchema, type HarnessConfig } from "../../src/config/schema.js";
import { ConfigError } from "../../src/errors.js";
import { FakeModelClient } from "../../src/models/fake-model-client.js";
import { openQueue } from "../../src/queue/open-queue.js";
import type { Queue } from "../../src/queue/types.js";
import { createLocalTracker } from "../../src/tracker/local-tracker.js";
import { CYCLE_LOCK_FILE } from "../../src/workflows/cycle-lock.js";
import {
  previousUtcDay,
  runDaemon,
  type DaemonLogEntry,
  type DaemonOptions,
  type DaemonScheduler,
} from "../../src/workflows/daemon.js";
import {
  createMemoryDaySpendStore,
  createPipelineBudget,
} from "../../src/workflows/pipeline-budget.js";
import type { PlanSummary, WorkSummary } from "../../src/workflows/pipeline-contract.js";
import { runCycle, type CycleStages } from "../../src/workflows/run-cycle.js";
import { writeDailyDigest } from "../../src/workflows/run-digest.js";
import { createMemoryTriageStateStore } from "../../src/workflows/triage-state.js";
import type { TriageSummary } from "../../src/workflows/triage.js";
import { createTempGitRepo, type TempGitRepo } from "../support/temp-git-repo.js";

let repo: TempGitRepo;
let queue: Queue;

beforeEach(async () => {
  repo = createTempGitRepo({ "README.md": "# shop\n" });
  queue = await openQueue({ config: configSchema.parse({}), root: repo.root });
});

afterEach(async () => {
  await queue.close();
  repo.cleanup();
});

const triageSummary: TriageSummary = {
  seen: 1,
  triaged: 1,
  skippedUnchanged: 0,
  deferred: 0,
  verdicts: {
    valid: 1,
    "needs-info": 0,
    duplicate: 0,
    "already-fixed": 0,
    "out-of-scope": 0,
    unsafe: 0,
  },
  failures: [],
  items: [
    {
      issue: 4,
      verdict: "valid",
      trusted: true,
      confidence: 0.9,
      commentAction: "created",
      labelAdded: true,
    },
  ],
};

const planSummary: PlanSummary = {
  planned: [{ issue: 4, items: ["issue-4"], created: true, epic: false }],
  untrusted: [],
  alreadyPlanned: [],
  deferred: [],
  failures: [],
};

const emptyWork: WorkSummary = { items: [] };

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Ticks only when the test says so. */
function handScheduler() {
  const jobs = new Map<
    string,
    { expression: string; tick: () => Promise<void>; stopped: boolean }
  >();
  const scheduler: DaemonScheduler = {
    schedule(name, expression, tick) {
      const job = { expression, tick, stopped: false };
      jobs.set(name, job);
      return { stop: () => void (job.stopped = true) };
    },
  };
  return { scheduler, jobs, fire: (name: string) => jobs.get(name)!.tick() };
}

function config(schedule: Record<string, unknown> = {}): HarnessConfig {
  return configSchema.parse({ schedule });
}

function daemonOptions(
  signal: AbortSignal,
  stages: CycleStages,
  extra: Partial<DaemonOptions> & { harnessConfig?: HarnessConfig } = {},
): DaemonOptions & { logs: DaemonLogEntry[] } {
  const harnessConfig = extra.harnessConfig ?? config();
  const logs: DaemonLogEntry[] = [];
  const store = createMemoryDaySpendStore();
  return {
    context: {
      repoRoot: repo.root,
      config: harnessConfig,
      tracker: createLocalTracker(repo.root),
      queue,
      client: new FakeModelClient([]),
      routerUrl: "http://127.0.0.1:9",
      env: {},
    },
    triageState: createMemoryTriageStateStore(),
    createBudget: () => createPipelineBudget({ config: harnessConfig, store }),
    signal,
    stages,
    log: (entry) => void logs.push(entry),
    logs,
    workPollMs: 20,
    ...extra,
  };
}

function recordingStages(calls: string[], overrides: CycleStages = {}): CycleStages {
  return {
    triage: async () => {
      calls.push("triage");
      return triageSummary;
    },
    plan: async () => {
      calls.push("plan");
      return planSummary;
    },
    work: async () => {
      calls.push("work");
      return emptyWork;
    },
    ...overrides,
  };
}

describe("runDaemon", () => {
  it("runs triage and plan on each tick and work passes on its own rhythm", async () => {
    const calls: string[] = [];
    const controller = new AbortController();
    const hand = handScheduler();
    const options = daemonOptions(controller.signal, recordingStages(calls), {
      scheduler: hand.scheduler,
      harnessConfig: config({ cron: "*/5 * * * *", digestCron: "0 6 * * *" }),
    });
    const running = runDaemon(options);
    await waitFor(() => calls.filter((call) => call === "work").length >= 2, "work passes");
    expect(hand.jobs.get("harness-cycle")?.expression).toBe("*/5 * * * *");
    expect(hand.jobs.get("harness-digest")?.expression).toBe("0 6 * * *");
    expect(calls).not.toContain("triage");

    await hand.fire("harness-cycle");
    expect(calls.filter((call) => call === "triage")).toHaveLength(1);
    expect(calls.filter((call) => call === "plan")).toHaveLength(1);
    const cycleLog = options.logs.find((entry) => entry.message.startsWith("cycle "));
    expect(cycleLog?.message).toContain("triage: 1 issue(s) seen: 1 triaged");
    const digest = readFileSync(path.join(repo.root, String(cycleLog?.digest)), "utf8");
    expect(digest).toContain("| work | skipped |");
    // The lock is free again after the tick.
    expect(existsSync(path.join(repo.root, CYCLE_LOCK_FILE))).toBe(false);

    controller.abort();
    const summary = await running;
    expect(summary.cycles).toBe(1);
    expect(summary.workPasses).toBeGreaterThanOrEqual(2);
    expect([...hand.jobs.values()].every((job) => job.stopped)).toBe(true);
    expect(options.logs.at(-1)?.message).toBe("daemon stopped");
  });

  it("skips a tick while a cycle holds the lock, here or in another process", async () => {
    const calls: string[] = [];
    const controller = new AbortController();
    const hand = handScheduler();
    const planGate = deferred();
    const planStarted = deferred();
    const options = daemonOptions(
      controller.signal,
      recordingStages(calls, {
        plan: async () => {
          calls.push("plan");
          planStarted.resolve();
          await planGate.promise;
          return planSummary;
        },
      }),
      { scheduler: hand.scheduler },
    );
    const running = runDaemon(options);
    await waitFor(() => hand.jobs.size === 2, "the cron jobs");
    const first = hand.fire("harness-cycle");
    await planStarted.promise;
    await hand.fire("harness-cycle");
    expect(calls.filter((call) => call === "triage")).toHaveLength(1);
    const skipped = options.logs.find((entry) => entry.message.startsWith("cycle skipped"));
    expect(skipped?.message).toContain(`a cycle is already running (pid ${process.pid}`);
    planGate.resolve();
    await first;

    // A live process elsewhere on this machine holds it (cron's `harness run --once`).
    const lockFile = path.join(repo.root, CYCLE_LOCK_FILE);
    mkdirSync(path.dirname(lockFile), { recursive: true });
    writeFileSync(
      lockFile,
      JSON.stringify({ pid: process.ppid, host: os.hostname(), startedAt: "2026", token: "x" }),
    );
    await hand.fire("harness-cycle");
    expect(calls.filter((call) => call === "triage")).toHaveLength(1);

    controller.abort();
    const summary = await running;
    expect(summary).toMatchObject({ cycles: 1, skippedTicks: 2 });
    expect(readFileSync(lockFile, "utf8")).toContain('"token":"x"');
  });

  it("stops on abort: running stages see the signal, the daemon waits for them and frees the lock", async () => {
    const calls: string[] = [];
    const controller = new AbortController();
    const hand = handScheduler();
    let released = false;
    let planSawAbort = false;
    const planStarted = deferred();
    const workHolding = deferred();
    const aborted = (signal: AbortSignal | undefined) =>
      new Promise<void>((resolve) => signal?.addEventListener("abort", () => resolve()));
    const options = daemonOptions(
      controller.signal,
      recordingStages(calls, {
        plan: async (plan) => {
          planStarted.resolve();
          await aborted(plan.signal);
          await new Promise((resolve) => setTimeout(resolve, 30));
          planSawAbort = true;
          plan.signal?.throwIfAborted();
          return planSummary;
        },
        work: async (work) => {
          calls.push("work");
          workHolding.resolve();
          await aborted(work.signal);
          // The real stage gives held items back to the queue here.
          await new Promise((resolve) => setTimeout(resolve, 30));
          released = true;
          return {
            items: [
              {
                id: "issue-4",
                issue: 4,
                outcome: "released",
                branch: "harness/4-x",
                testRuns: 0,
                testsPassed: false,
                reviewRounds: 0,
                tokens: 0,
                costUsd: 0,
              },
            ],
          };
        },
      }),
      { scheduler: hand.scheduler },
    );
    const running = runDaemon(options);
    await workHolding.promise;
    const tick = hand.fire("harness-cycle");
    await planStarted.promise;
    expect(existsSync(path.join(repo.root, CYCLE_LOCK_FILE))).toBe(true);

    controller.abort();
    const summary = await running;
    await tick;
    expect(released).toBe(true);
    expect(planSawAbort).toBe(true);
    expect(calls.filter((call) => call === "work")).toHaveLength(1);
    expect(summary.cycles).toBe(1);
    expect(existsSync(path.join(repo.root, CYCLE_LOCK_FILE))).toBe(false);
    expect([...hand.jobs.values()].every((job) => job.stopped)).toBe(true);
    // A tick that still arrives after the abort starts nothing.
    await hand.fire("harness-cycle");
    expect(calls.filter((call) => call === "triage")).toHaveLength(1);
  });

  it("ticks on real node-cron at second resolution and writes the daily digest", async () => {
    const calls: string[] = [];
    const controller = new AbortController();
    const options = daemonOptions(controller.signal, recordingStages(calls), {
      harnessConfig: config({ cron: "*/1 * * * * *", digestCron: "*/1 * * * * *" }),
      workPollMs: 60_000,
    });
    const running = runDaemon(options);
    const day = previousUtcDay(new Date());
    await waitFor(
      () =>
        calls.includes("plan") &&
        existsSync(path.join(repo.root, ".harness", "runs", `daily-${day}.md`)),
      "a cron cycle and a digest",
    );
    controller.abort();
    const summary = await running;
    expect(summary.cycles).toBeGreaterThanOrEqual(1);
    expect(summary.digests).toBeGreaterThanOrEqual(1);
  });

  it("refuses an invalid cron expression before starting anything", async () => {
    const calls: string[] = [];
    const options = daemonOptions(new AbortController().signal, recordingStages(calls), {
      harnessConfig: config({ cron: "every morning" }),
    });
    await expect(runDaemon(options)).rejects.toBeInstanceOf(ConfigError);
    expect(calls).toEqual([]);
  });
});

describe("writeDailyDigest", () => {
  it("sums the runs that started on the day and links each run", async () => {
    const calls: string[] = [];
    const harnessConfig = config();
    const store = createMemoryDaySpendStore();
    const runAt = async (iso: string, runId: string) =>
      runCycle({
        repoRoot: repo.root,
        config: harnessConfig,
        tracker: createLocalTracker(repo.root),
        queue,
        client: new FakeModelClient([]),
        routerUrl: "http://127.0.0.1:9",
        env: {},
        budget: createPipelineBudget({ config: harnessConfig, store }),
        triageState: createMemoryTriageStateStore(),
        stages: recordingStages(calls, {
          work: async () => ({
            items: [
              {
                id: "issue-4",
                issue: 4,
                outcome: "pr-opened",
                branch: "harness/4-x",
                pullRequest: { number: 9, url: "https://example.test/pull/9" },
                testRuns: 1,
                testsPassed: true,
                reviewRounds: 1,
                tokens: 100,
                costUsd: 0,
              },
            ],
          }),
        }),
        runId,
        now: () => new Date(iso),
      });
    await runAt("2026-11-21T09:00:00Z", "20261121-090000-aaaaaa");
    await runAt("2026-11-21T18:00:00Z", "20261121-180000-bbbbbb");
    await runAt("2026-11-22T01:00:00Z", "20261122-010000-cccccc");

    const written = await writeDailyDigest(repo.root, "2026-11-21");
    expect(written).toEqual({
      path: path.join(".harness", "runs", "daily-2026-11-21.md"),
      runs: 2,
    });
    const text = readFileSync(path.join(repo.root, written.path), "utf8");
    expect(text).toContain("# harness daily digest 2026-11-21 (UTC)");
    expect(text).toContain("2 run(s)");
    expect(text).toContain("- Issues triaged: 2 (2 valid)");
    expect(text).toContain("- Issues planned: 2 (2 queue item(s))");
    expect(text).toContain("outcomes: 2 pr-opened");
    expect(text).toContain("[20261121-090000-aaaaaa](20261121-090000-aaaaaa/digest.md)");
    expect(text).not.toContain("20261122-010000-cccccc");
  });
});
