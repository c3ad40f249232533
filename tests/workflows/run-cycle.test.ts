/**
 * One pipeline cycle in a real git repository with the local tracker and the file queue: the
 * stages run in order with the shared budget, every event lands in the run's events.jsonl, the
 * digest and summary are written, an auth error stops the cycle without touching the queue,
 * another failure is recorded while the next stage still runs, a budget stop and a
 * cancellation are recorded, and the real triage stage runs on the scripted fake model.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { configSchema, type HarnessConfig } from "../../src/config/schema.js";
import { AuthError } from "../../src/errors.js";
import { createCollectingSink, type HarnessEvent } from "../../src/events.js";
import { FakeModelClient } from "../../src/models/fake-model-client.js";
import { openQueue } from "../../src/queue/open-queue.js";
import type { Queue } from "../../src/queue/types.js";
import { createLocalIssue, createLocalTracker } from "../../src/tracker/local-tracker.js";
import {
  createMemoryDaySpendStore,
  createPipelineBudget,
} from "../../src/workflows/pipeline-budget.js";
import type {
  PlanOptions,
  PlanSummary,
  WorkOptions,
  WorkSummary,
} from "../../src/workflows/pipeline-contract.js";
import { runCycle, type RunCycleOptions } from "../../src/workflows/run-cycle.js";
import { createMemoryTriageStateStore } from "../../src/workflows/triage-state.js";
import type { TriageOptions, TriageSummary } from "../../src/workflows/triage.js";
import { createTempGitRepo, type TempGitRepo } from "../support/temp-git-repo.js";

let repo: TempGitRepo;
let queue: Queue;

beforeEach(async () => {
  repo = createTempGitRepo({
    "src/cart.ts": "export function cartTotal(items: number[]): number {\n  return items[0];\n}\n",
  });
  queue = await openQueue({ config: config(), root: repo.root });
});

afterEach(async () => {
  await queue.close();
  repo.cleanup();
});

function config(budgets: Record<string, unknown> = {}): HarnessConfig {
  return configSchema.parse({ budgets });
}

const emptyTriage: TriageSummary = {
  seen: 0,
  triaged: 0,
  skippedUnchanged: 0,
  deferred: 0,
  verdicts: {
    valid: 0,
    "needs-info": 0,
    duplicate: 0,
    "already-fixed": 0,
    "out-of-scope": 0,
    unsafe: 0,
  },
  failures: [],
  items: [],
};

const triageOfOne: TriageSummary = {
  ...emptyTriage,
  seen: 1,
  triaged: 1,
  verdicts: { ...emptyTriage.verdicts, valid: 1 },
  items: [
    {
      issue: 7,
      verdict: "valid",
      trusted: true,
      confidence: 0.9,
      commentAction: "created",
      labelAdded: true,
    },
  ],
};

const planOfOne: PlanSummary = {
  planned: [{ issue: 7, items: ["issue-7"], created: true, epic: false }],
  untrusted: [3],
  alreadyPlanned: [],
  deferred: [],
  failures: [],
};

const workOfOne: WorkSummary = {
  items: [
    {
      id: "issue-7",
      issue: 7,
      outcome: "pr-opened",
      branch: "harness/7-cart-total",
      pullRequest: { number: 12, url: "https://example.test/pulls/12" },
      testRuns: 2,
      testsPassed: true,
      reviewRounds: 1,
      tokens: 1234,
      costUsd: 0,
    },
  ],
};

interface Recorded {
  calls: string[];
  plan?: PlanOptions;
  work?: WorkOptions;
}

function cycleOptions(
  recorded: Recorded,
  overrides: Partial<RunCycleOptions> & { harnessConfig?: HarnessConfig } = {},
): RunCycleOptions & { sink: ReturnType<typeof createCollectingSink> } {
  const sink = createCollectingSink();
  const harnessConfig = overrides.harnessConfig ?? config();
  return {
    repoRoot: repo.root,
    config: harnessConfig,
    tracker: createLocalTracker(repo.root),
    queue,
    client: new FakeModelClient([]),
    routerUrl: "http://127.0.0.1:9",
    budget: createPipelineBudget({ config: harnessConfig, store: createMemoryDaySpendStore() }),
    env: {},
    events: sink,
    sink,
    triageState: createMemoryTriageStateStore(),
    runId: "20261122-100000-abcdef",
    stages: {
      triage: async (_options: TriageOptions) => {
        recorded.calls.push("triage");
        return triageOfOne;
      },
      plan: async (options) => {
        recorded.calls.push("plan");
        recorded.plan = options;
        options.events?.emit({
          type: "issue-planned",
          issue: 7,
          items: ["issue-7"],
          epic: false,
          created: true,
        });
        return planOfOne;
      },
      work: async (options) => {
        recorded.calls.push("work");
        recorded.work = options;
        return workOfOne;
      },
    },
    ...overrides,
  };
}

function readRunFile(runId: string, name: string): string {
  return readFileSync(path.join(repo.root, ".harness", "runs", runId, name), "utf8");
}

function stageEvents(events: HarnessEvent[]): string[] {
  return events.flatMap((event) =>
    event.type === "stage-started" || event.type === "stage-finished"
      ? [`${event.type === "stage-started" ? "start" : "end"} ${event.stage}`]
      : [],
  );
}

describe("runCycle", () => {
  it("runs triage, plan and work in order and writes events.jsonl, summary.json and digest.md", async () => {
    const recorded: Recorded = { calls: [] };
    const options = cycleOptions(recorded);
    const summary = await runCycle(options);

    expect(recorded.calls).toEqual(["triage", "plan", "work"]);
    expect(recorded.work?.untilIdle).toBe(true);
    expect(recorded.plan?.triageState).toBe(options.triageState);
    expect(recorded.plan?.budget).toBe(options.budget);
    expect(recorded.work?.budget).toBe(options.budget);
    expect(stageEvents(options.sink.events)).toEqual([
      "start triage",
      "end triage",
      "start plan",
      "end plan",
      "start work",
      "end work",
      "start report",
      "end report",
    ]);
    expect(summary).toMatchObject({
      runId: "20261122-100000-abcdef",
      failed: false,
      recorded: true,
      digestPath: path.join(".harness", "runs", "20261122-100000-abcdef", "digest.md"),
      stages: {
        triage: { status: "done", line: "1 issue(s) seen: 1 triaged, 0 unchanged" },
        plan: { status: "done", line: "1 planned (1 item(s)), 1 untrusted" },
        work: { status: "done", line: "1 item(s) worked: 1 pr-opened" },
      },
    });
    expect(summary.stoppedBy).toBeUndefined();

    const logged = readRunFile(summary.runId, "events.jsonl")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as HarnessEvent & { at: string });
    expect(logged.map((event) => event.type)).toEqual(
      options.sink.events.map((event) => event.type),
    );
    expect(logged.find((event) => event.type === "issue-planned")).toMatchObject({ issue: 7 });
    expect(logged.every((event) => !Number.isNaN(Date.parse(event.at)))).toBe(true);

    expect(JSON.parse(readRunFile(summary.runId, "summary.json"))).toEqual(summary);
    const digest = readRunFile(summary.runId, "digest.md");
    expect(digest).toContain("# harness run 20261122-100000-abcdef");
    expect(digest).toContain("| triage | done | 1 issue(s) seen: 1 triaged, 0 unchanged |");
    expect(digest).toContain("- #7: **valid** (confidence 0.90, trusted)");
    expect(digest).toContain("- #7 → `issue-7`");
    expect(digest).toContain("- Not planned, author not trusted: #3");
    expect(digest).toContain("[PR #12](https://example.test/pulls/12)");
    expect(digest).toContain("tests passed (2 run(s))");
    expect(digest).toMatch(/\| Items started \| 0 \| 5 \| 0 \| 20 \|/);
  });

  it("stops on an auth error: later stages do not run, the queue stays as it is", async () => {
    await queue.enqueue({ id: "issue-3", title: "an earlier plan" });
    const recorded: Recorded = { calls: [] };
    const base = cycleOptions(recorded);
    const options = cycleOptions(recorded, {
      stages: {
        ...base.stages,
        plan: async () => {
          recorded.calls.push("plan");
          throw new AuthError("the GitHub token was refused (401)");
        },
      },
    });
    await expect(runCycle(options)).rejects.toBeInstanceOf(AuthError);
    expect(recorded.calls).toEqual(["triage", "plan"]);
    expect((await queue.get("issue-3"))?.state).toBe("pending");
    expect((await queue.stats()).pending).toBe(1);
    const summary = JSON.parse(readRunFile("20261122-100000-abcdef", "summary.json"));
    expect(summary).toMatchObject({
      failed: true,
      error: { name: "AuthError", message: "the GitHub token was refused (401)" },
      stages: { plan: { status: "failed" }, work: { status: "skipped" } },
    });
    expect(readRunFile("20261122-100000-abcdef", "digest.md")).toContain(
      "The cycle stopped on an error: the GitHub token was refused (401)",
    );
  });

  it("records another stage failure and still runs the next stage", async () => {
    const recorded: Recorded = { calls: [] };
    const base = cycleOptions(recorded);
    const options = cycleOptions(recorded, {
      stages: {
        ...base.stages,
        triage: async () => {
          recorded.calls.push("triage");
          throw new Error("the model answered nonsense");
        },
      },
    });
    const summary = await runCycle(options);
    expect(recorded.calls).toEqual(["triage", "plan", "work"]);
    expect(summary.failed).toBe(true);
    expect(summary.stages.triage).toMatchObject({
      status: "failed",
      error: "the model answered nonsense",
    });
    expect(summary.stages.work.status).toBe("done");
    expect(options.sink.events).toContainEqual(
      expect.objectContaining({
        type: "stage-finished",
        stage: "triage",
        summary: "failed: the model answered nonsense",
      }),
    );
    expect(readRunFile(summary.runId, "digest.md")).toContain(
      "- triage: the model answered nonsense",
    );
  });

  it("shares the budget among the stages and records the budget that stopped the run", async () => {
    const recorded: Recorded = { calls: [] };
    const harnessConfig = config({ maxItemsPerRun: 1 });
    const base = cycleOptions(recorded, { harnessConfig });
    const options = cycleOptions(recorded, {
      harnessConfig,
      stages: {
        ...base.stages,
        work: async (work) => {
          recorded.calls.push("work");
          await work.budget.startItem();
          await work.budget.spend({ tokens: 500, costUsd: 0 });
          const stoppedBy = await work.budget.blocked();
          return { ...workOfOne, ...(stoppedBy ? { stoppedBy } : {}) };
        },
      },
    });
    const summary = await runCycle(options);
    expect(summary.stoppedBy).toBe("run item budget reached (1 items)");
    expect(summary.stages.work.stoppedBy).toBe("run item budget reached (1 items)");
    expect(summary.stages.work.line).toContain("stopped: run item budget reached");
    expect(summary.budget.run).toMatchObject({ items: 1, tokens: 500 });
    expect(summary.budget.blockedBy).toBe("run item budget reached (1 items)");
    const digest = readRunFile(summary.runId, "digest.md");
    expect(digest).toContain("Stopped by: run item budget reached (1 items).");
    expect(digest).toMatch(/\| Items started \| 1 \| 1 \| 1 \| 20 \|/);
  });

  it("skips what is left when cancelled and records the run as cancelled", async () => {
    const recorded: Recorded = { calls: [] };
    const controller = new AbortController();
    const base = cycleOptions(recorded);
    const options = cycleOptions(recorded, {
      signal: controller.signal,
      stages: {
        ...base.stages,
        plan: async (plan) => {
          recorded.calls.push("plan");
          controller.abort();
          plan.signal?.throwIfAborted();
          return planOfOne;
        },
      },
    });
    const summary = await runCycle(options);
    expect(recorded.calls).toEqual(["triage", "plan"]);
    expect(summary.stoppedBy).toBe("cancelled");
    expect(summary.failed).toBe(false);
    expect(summary.stages.plan.status).toBe("cancelled");
    expect(summary.stages.work.status).toBe("cancelled");
    expect(existsSync(path.join(repo.root, summary.digestPath))).toBe(true);
  });

  it("leaves no folder for an idle run when asked, and skips the stages it is told to", async () => {
    const recorded: Recorded = { calls: [] };
    const base = cycleOptions(recorded);
    const options = cycleOptions(recorded, {
      runId: undefined,
      skip: { triage: true, plan: true },
      keepIdleRun: false,
      stages: {
        ...base.stages,
        work: async () => {
          recorded.calls.push("work");
          return { items: [] };
        },
      },
    });
    const summary = await runCycle(options);
    expect(recorded.calls).toEqual(["work"]);
    expect(summary.recorded).toBe(false);
    expect(summary.runId).toMatch(/^\d{8}-\d{6}-[0-9a-f]{6}$/);
    expect(summary.stages.triage.status).toBe("skipped");
    expect(existsSync(path.join(repo.root, ".harness", "runs"))).toBe(true);
    expect(readdirSync(path.join(repo.root, ".harness", "runs"))).toEqual([]);
  });

  it("runs the real triage stage on the local tracker with the fake model", async () => {
    await createLocalIssue(repo.root, {
      title: "Cart total is wrong",
      body: "cartTotal(items) returns the first price only",
    });
    const client = new FakeModelClient([
      {
        json: {
          verdict: "valid",
          reasons: ["the total reads only the first item"],
          confidence: 0.8,
          evidence: ["src/cart.ts:2"],
        },
      },
    ]);
    const recorded: Recorded = { calls: [] };
    const base = cycleOptions(recorded);
    const options = cycleOptions(recorded, {
      client,
      stages: { plan: base.stages!.plan!, work: base.stages!.work! },
    });
    const summary = await runCycle(options);
    client.assertDone();
    expect(summary.stages.triage).toMatchObject({
      status: "done",
      summary: { triaged: 1, items: [{ issue: 1, verdict: "valid" }] },
    });
    expect((await createLocalTracker(repo.root).getIssue(1)).labels).toContain("harness:valid");
    expect((await options.triageState.load()).issues["1"]?.verdict).toBe("valid");
    expect(readRunFile(summary.runId, "digest.md")).toContain("- #1: **valid**");
    // The triage stage's own events went through the run's log too.
    expect(readRunFile(summary.runId, "events.jsonl")).toContain('"type":"fanout-started"');
  });
});
