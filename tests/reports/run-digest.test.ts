/**
 * Digests over synthetic runs with failures and skipped items: what is counted (issues seen and
 * by verdict, skipped as unchanged or deferred, planned and not, worked with outcomes, pull
 * requests opened or updated, failures with their reasons, budgets and stops, tokens and time
 * per stage, backend health summed over runs), what the text says, `harness report digest
 * --since` (only recent runs; --json gives the facts) and the daily digest's copy in reports/.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { runReportCommand } from "../../src/commands/report.js";
import { InputError } from "../../src/errors.js";
import { digestFacts, parseSince, renderDigest } from "../../src/reports/digest.js";
import { RUNS_FOLDER } from "../../src/reports/report-paths.js";
import { usageByStage } from "../../src/reports/usage.js";
import type { BudgetSnapshot } from "../../src/workflows/pipeline-budget.js";
import type { CycleSummary } from "../../src/workflows/run-cycle.js";
import { RUNS_DIR, writeDailyDigest, writeRunDigest } from "../../src/workflows/run-digest.js";
import type { TriageSummary } from "../../src/workflows/triage.js";
import { createTempGitRepo, type TempGitRepo } from "../support/temp-git-repo.js";
import { commandContext } from "./report-fixture.js";

let repo: TempGitRepo;

beforeEach(() => {
  repo = createTempGitRepo({ "README.md": "# shop\n" });
});

afterEach(() => {
  repo.cleanup();
});

const verdicts = {
  valid: 0,
  "needs-info": 0,
  duplicate: 0,
  "already-fixed": 0,
  "out-of-scope": 0,
  unsafe: 0,
};

function budget(items: number, tokens: number, blockedBy?: string): BudgetSnapshot {
  return {
    run: { items, tokens, costUsd: 0.5, elapsedMs: 1_000 },
    day: { day: "2026-11-21", items: 3, tokens: 9_000, costUsd: 1.25 },
    limits: {
      run: { items: 5, tokens: 2_000_000, costUsd: 5, wallMs: 7_200_000 },
      day: { items: 20, tokens: 10_000_000, costUsd: 20 },
    },
    ...(blockedBy ? { blockedBy } : {}),
  };
}

function summary(runId: string, startedAt: string, parts: Partial<CycleSummary>): CycleSummary {
  const runDir = path.join(RUNS_DIR, runId);
  return {
    kind: "pipeline-run",
    runId,
    startedAt,
    finishedAt: startedAt.replace(/:00\.000Z$/, ":30.000Z"),
    ms: 30_000,
    stages: {
      triage: { status: "skipped", line: "skipped", ms: 0 },
      plan: { status: "skipped", line: "skipped", ms: 0 },
      work: { status: "skipped", line: "skipped", ms: 0 },
    },
    failed: false,
    budget: budget(0, 0),
    runDir,
    digestPath: path.join(runDir, "digest.md"),
    summaryPath: path.join(runDir, "summary.json"),
    eventsPath: path.join(runDir, "events.jsonl"),
    recorded: true,
    ...parts,
  };
}

const triage: TriageSummary = {
  seen: 6,
  triaged: 3,
  skippedUnchanged: 2,
  deferred: 1,
  verdicts: { ...verdicts, valid: 1, "needs-info": 1, duplicate: 1 },
  failures: [{ issue: 9, error: "the model's triage verdict was invalid twice" }],
  items: [
    {
      issue: 4,
      verdict: "valid",
      trusted: true,
      confidence: 0.9,
      commentAction: "created",
      labelAdded: true,
    },
    {
      issue: 5,
      verdict: "needs-info",
      trusted: true,
      confidence: 0.7,
      commentAction: "created",
      labelAdded: true,
    },
    {
      issue: 6,
      verdict: "duplicate",
      duplicateOf: 4,
      trusted: false,
      confidence: 0.8,
      commentAction: "created",
      labelAdded: true,
    },
  ],
};

/** A run that triaged, planned and worked, with failures and skipped items in each stage. */
function busyRun(): CycleSummary {
  return summary("20261121-090000-aaaaaa", "2026-11-21T09:00:00.000Z", {
    stages: {
      triage: { status: "done", line: "6 issue(s) seen", ms: 2_000, summary: triage },
      plan: {
        status: "done",
        line: "1 planned",
        ms: 3_000,
        summary: {
          planned: [
            { issue: 4, items: ["issue-4"], created: true, epic: false },
            { issue: 2, items: ["issue-2"], created: false, epic: false },
          ],
          untrusted: [6],
          alreadyPlanned: [2],
          deferred: [8],
          failures: [{ issue: 10, error: "the planner crashed" }],
          stoppedBy: "run token budget reached",
        },
      },
      work: {
        status: "done",
        line: "3 item(s) worked",
        ms: 60_000,
        summary: {
          items: [
            {
              id: "issue-4",
              issue: 4,
              outcome: "pr-opened",
              branch: "harness/4-x",
              pullRequest: { number: 12, url: "https://example.test/pull/12" },
              testRuns: 1,
              testsPassed: true,
              reviewRounds: 1,
              tokens: 5_000,
              costUsd: 0,
            },
            {
              id: "issue-3",
              issue: 3,
              outcome: "tests-failed",
              branch: "harness/3-y",
              testRuns: 3,
              testsPassed: false,
              reviewRounds: 0,
              tokens: 9_000,
              costUsd: 0,
              error: "the tests still failed after 3 run(s)",
            },
            {
              id: "issue-1",
              issue: 1,
              outcome: "released",
              branch: "harness/1-z",
              testRuns: 0,
              testsPassed: false,
              reviewRounds: 0,
              tokens: 0,
              costUsd: 0,
              error: "cancelled; the item went back to the queue untouched",
            },
          ],
        },
      },
    },
    stoppedBy: "run token budget reached",
    budget: budget(3, 14_000),
    usage: usageByStage([
      {
        type: "model-call-finished",
        stage: "triage",
        model: "m",
        inputTokens: 300,
        outputTokens: 30,
        cachedTokens: 100,
        ms: 40,
        ok: true,
      },
      {
        type: "model-call-finished",
        stage: "triage",
        model: "m",
        inputTokens: 0,
        outputTokens: 0,
        cachedTokens: 0,
        ms: 5,
        ok: false,
      },
      {
        type: "model-call-finished",
        stage: "plan",
        model: "m",
        inputTokens: 900,
        outputTokens: 200,
        cachedTokens: 0,
        ms: 90,
        ok: true,
      },
      {
        type: "agent-run-finished",
        id: "issue-4",
        purpose: "implement",
        runner: "claude",
        runId: "r",
        status: "done",
        inputTokens: 4_000,
        outputTokens: 500,
        cachedTokens: 3_000,
        turns: 7,
        costUsd: 0,
        ms: 50_000,
      },
      { type: "stage-finished", stage: "triage", summary: "", ms: 2_000 },
      { type: "stage-finished", stage: "plan", summary: "", ms: 3_000 },
      { type: "stage-finished", stage: "work", summary: "", ms: 60_000 },
    ]),
    routerHealth: {
      backends: [
        {
          name: "gpu-1",
          requests: 10,
          failures: 1,
          errors: 2,
          breakerTrips: 1,
          inputTokens: 1_000,
          cachedTokens: 250,
          state: "available",
          breaker: "closed",
        },
      ],
    },
  });
}

/** A later run whose work stage failed, and another the router did not answer for. */
function failedRun(): CycleSummary {
  return summary("20261121-180000-bbbbbb", "2026-11-21T18:00:00.000Z", {
    stages: {
      triage: { status: "skipped", line: "skipped", ms: 0 },
      plan: { status: "skipped", line: "skipped", ms: 0 },
      work: {
        status: "done",
        line: "1 item(s) worked",
        ms: 9_000,
        summary: {
          items: [
            {
              id: "issue-4",
              issue: 4,
              outcome: "pr-updated",
              branch: "harness/4-x",
              pullRequest: { number: 12, url: "https://example.test/pull/12" },
              testRuns: 1,
              testsPassed: true,
              reviewRounds: 1,
              tokens: 1_000,
              costUsd: 0,
            },
          ],
        },
      },
    },
    failed: true,
    budget: budget(1, 1_000),
    usage: usageByStage([
      {
        type: "model-call-finished",
        stage: "work",
        model: "m",
        inputTokens: 600,
        outputTokens: 60,
        cachedTokens: 300,
        ms: 70,
        ok: true,
      },
      { type: "stage-finished", stage: "work", summary: "", ms: 9_000 },
    ]),
    routerHealth: {
      backends: [
        {
          name: "gpu-1",
          requests: 5,
          failures: 0,
          errors: 0,
          breakerTrips: 0,
          inputTokens: 1_000,
          cachedTokens: 750,
          state: "busy",
          breaker: "closed",
        },
      ],
    },
  });
}

function quietRun(): CycleSummary {
  const run = summary("20261121-200000-cccccc", "2026-11-21T20:00:00.000Z", {
    routerHealth: { unavailable: "the router did not answer /status after the run" },
  });
  run.stages.plan = {
    status: "failed",
    line: "failed: boom",
    ms: 10,
    error: "the tracker answered 502",
  };
  run.failed = true;
  return run;
}

describe("digestFacts", () => {
  it("counts issues, plans, work, failures, skips, budgets, usage and health over runs", () => {
    const facts = digestFacts([quietRun(), failedRun(), busyRun()]);
    expect(facts.runs.map((run) => run.runId)).toEqual([
      "20261121-090000-aaaaaa",
      "20261121-180000-bbbbbb",
      "20261121-200000-cccccc",
    ]);
    expect(facts.issues).toEqual({
      seen: 6,
      triaged: 3,
      unchanged: 2,
      deferred: 1,
      verdicts: { valid: 1, "needs-info": 1, duplicate: 1 },
    });
    expect(facts.plan).toEqual({
      issues: 1,
      items: 1,
      alreadyPlanned: 1,
      untrusted: 1,
      deferred: 1,
    });
    expect(facts.work).toMatchObject({
      items: 4,
      outcomes: { "pr-opened": 1, "tests-failed": 1, released: 1, "pr-updated": 1 },
      opened: 1,
      updated: 1,
    });
    expect(facts.failures).toEqual([
      {
        runId: "20261121-090000-aaaaaa",
        where: "triage #9",
        reason: "the model's triage verdict was invalid twice",
      },
      { runId: "20261121-090000-aaaaaa", where: "plan #10", reason: "the planner crashed" },
      {
        runId: "20261121-090000-aaaaaa",
        where: "work issue-3 (#3)",
        reason: "tests-failed: the tests still failed after 3 run(s)",
      },
      { runId: "20261121-200000-cccccc", where: "plan stage", reason: "the tracker answered 502" },
    ]);
    expect(facts.budget).toMatchObject({
      itemsStarted: 4,
      tokens: 15_000,
      costUsd: 1.5,
      stops: { "run token budget reached": 1 },
    });
    expect(facts.usage.triage).toMatchObject({
      modelCalls: 2,
      inputTokens: 300,
      failedCalls: 1,
      ms: 2_000,
    });
    // The Claude Code run talks to the router itself: its usage counts in the work stage.
    expect(facts.usage.work).toMatchObject({
      modelCalls: 8,
      inputTokens: 4_600,
      outputTokens: 560,
      cachedTokens: 3_300,
      agentRuns: 1,
      ms: 69_000,
    });
    expect(facts.health.backends).toEqual([
      {
        name: "gpu-1",
        requests: 15,
        failures: 1,
        errors: 2,
        breakerTrips: 1,
        inputTokens: 2_000,
        cachedTokens: 1_000,
        cacheHitRatio: 0.5,
        state: "busy",
        breaker: "closed",
      },
    ]);
    expect(facts.health).toMatchObject({ unavailableRuns: 1 });
  });

  it("renders a short digest with the failures and what was skipped", () => {
    const text = renderDigest(digestFacts([busyRun(), failedRun(), quietRun()]), {
      title: "harness digest",
      runLink: (runId) => `${runId}.md`,
    });
    expect(text).toContain(
      "3 run(s) from 2026-11-21T09:00:00.000Z to 2026-11-21T20:00:30.000Z; 2 with a failed stage; 1 stopped early.",
    );
    expect(text).toContain(
      "- Issues seen: 6 (2 unchanged since their verdict, 1 left for a later run)",
    );
    expect(text).toContain("- Issues triaged: 3 (1 valid, 1 needs-info, 1 duplicate)");
    expect(text).toContain(
      "- Issues planned: 1 (1 queue item(s)); 1 already planned, 1 not planned, author not trusted, 1 deferred by a budget",
    );
    expect(text).toContain(
      "- Work items started: 4; outcomes: 1 pr-opened, 1 tests-failed, 1 released, 1 pr-updated",
    );
    expect(text).toContain("- Pull requests: 1 opened, 1 updated");
    expect(text).toContain("- Failures: 4");
    expect(text).toContain(
      "- work issue-3 (#3) (run 20261121-090000-aaaaaa): tests-failed: the tests still failed after 3 run(s)",
    );
    expect(text).toContain("- plan stage (run 20261121-200000-cccccc): the tracker answered 502");
    expect(text).toContain("- Stopped 1 run(s): run token budget reached");
    expect(text).toContain(
      "- Today (UTC) at the last run: 3 of 20 items, 9,000 of 10,000,000 tokens, $1.25 of $20.00.",
    );
    expect(text).toContain("| work | 8 | 4,600 | 560 | 3,300 | 1 | 1 min 9 s |");
    expect(text).toContain("| gpu-1 | 15 | 1 | 2 | 1 | 50.0% | busy, breaker closed |");
    expect(text).toContain(
      "No figures from the router for 1 run(s): the router did not answer /status after the run.",
    );
    expect(text).toContain(
      "| [20261121-180000-bbbbbb](20261121-180000-bbbbbb.md) (failed stage) | 30.0 s | - |",
    );
    expect(text.split("\n").length).toBeLessThan(60);
  });
});

describe("harness report digest", () => {
  async function record(runs: CycleSummary[]) {
    for (const run of runs) await writeRunDigest(repo.root, run);
  }

  it("sums the runs of the last --since and gives the facts as JSON", async () => {
    await record([busyRun(), failedRun(), quietRun()]);
    const now = () => new Date("2026-11-21T21:00:00.000Z");
    const text = commandContext(repo.root, false);
    await runReportCommand({ target: "digest", since: "6h", now }, text.ctx);
    expect(text.stdout()).toContain(
      "# harness digest: the last 6h (since 2026-11-21T15:00:00.000Z)",
    );
    expect(text.stdout()).toContain("2 run(s) from 2026-11-21T18:00:00.000Z");
    expect(text.stdout()).not.toContain("20261121-090000-aaaaaa");
    expect(text.stdout()).toContain(
      `(${path.join(RUNS_DIR, "20261121-180000-bbbbbb", "digest.md")})`,
    );

    const json = commandContext(repo.root, true);
    await runReportCommand({ target: "digest", now }, json.ctx);
    expect(JSON.parse(json.stdout().trim())).toMatchObject({
      type: "result",
      command: "report",
      target: "digest",
      since: "24h",
      kind: "run-digest",
      issues: { seen: 6, triaged: 3 },
      work: { opened: 1, updated: 1 },
    });

    const bad = commandContext(repo.root, false);
    await expect(
      runReportCommand({ target: "digest", since: "yesterday" }, bad.ctx),
    ).rejects.toBeInstanceOf(InputError);
    await expect(runReportCommand({ target: "99" }, bad.ctx)).rejects.toThrow(
      "no tech report for issue #99",
    );
    await expect(runReportCommand({ target: "nonsense" }, bad.ctx)).rejects.toBeInstanceOf(
      InputError,
    );
  });

  it("writes the daemon's daily digest into reports/ with the same rendering", async () => {
    await record([busyRun(), failedRun()]);
    const written = await writeDailyDigest(repo.root, "2026-11-21", { reportsDir: "reports" });
    expect(written).toEqual({
      path: path.join(".harness", "runs", "daily-2026-11-21.md"),
      runs: 2,
      reportPath: path.join("reports", "runs", "daily-2026-11-21.md"),
    });
    const copy = readFileSync(
      path.join(repo.root, "reports", "runs", "daily-2026-11-21.md"),
      "utf8",
    );
    const original = readFileSync(path.join(repo.root, written.path), "utf8");
    expect(copy).toBe(original.replace(/\((\d{8}-\d{6}-\w+)\/digest\.md\)/g, "($1.md)"));
    expect(copy).toContain("# harness daily digest 2026-11-21 (UTC)");
    expect(copy).toContain("[20261121-090000-aaaaaa](20261121-090000-aaaaaa.md)");
  });

  it("reads durations and keeps the runs folder in one place", () => {
    expect([parseSince("24h"), parseSince("90m"), parseSince("7d"), parseSince("2w")]).toEqual([
      86_400_000, 5_400_000, 604_800_000, 1_209_600_000,
    ]);
    expect(parseSince("0h")).toBeUndefined();
    expect(parseSince("soon")).toBeUndefined();
    expect(RUNS_FOLDER).toBe(RUNS_DIR);
  });
});
