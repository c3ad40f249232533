/**
 * A scripted cycle end to end (real triage, plan and work on a real git repository with a bare
 * origin, the local tracker, the fake model, a reporter): the issue's tech report and the run's
 * digest are checked figure by figure against the run's events.jsonl (summed here, not by the
 * code under test) and against git; the reporter's prose never sets a figure; the report is
 * committed on the branch and posted once; PROGRESS.md and PLAN.md get their entry and tick;
 * `harness report` prints the report, the run and the fact sheet.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { runReportCommand } from "../../src/commands/report.js";
import type { EventOf, HarnessEvent } from "../../src/events.js";
import { FakeModelClient } from "../../src/models/fake-model-client.js";
import type { FactSheet } from "../../src/reports/fact-sheet.js";
import type { RouterHealth } from "../../src/reports/router-health.js";
import { formatMs, formatUsd } from "../../src/reports/tech-report.js";
import { LOCAL_ISSUES_DIR, createLocalIssue } from "../../src/tracker/local-tracker.js";
import { REPORT_COMMENT_MARKER } from "../../src/workflows/pipeline-contract.js";
import { runCycle } from "../../src/workflows/run-cycle.js";
import { createMemoryTriageStateStore } from "../../src/workflows/triage-state.js";
import {
  budgetFor,
  createWorkFixture,
  git,
  workConfig,
  type WorkFixture,
} from "../workflows/work-fixture.js";
import {
  addReporterAgent,
  commandContext,
  implementerTurns,
  planAnswer,
  readEvents,
  reporterAnswer,
  reviewAnswer,
  tableAfter,
  triageAnswer,
} from "./report-fixture.js";

let fixture: WorkFixture;

beforeEach(async () => {
  fixture = await createWorkFixture();
});

afterEach(async () => {
  await fixture.cleanup();
});

const RUN_ID = "20261122-100000-abcdef";

function health(
  requests: number,
  failures: number,
  errors: number,
  trips: number,
  input: number,
  cached: number,
): RouterHealth {
  return {
    url: "http://router.test",
    at: "2026-11-22T10:00:00.000Z",
    backends: [
      {
        name: "gpu-1",
        requests,
        failures,
        errors,
        breakerTrips: trips,
        inputTokens: input,
        cachedTokens: cached,
        state: "available",
        breaker: "closed",
      },
    ],
  };
}

const count = (value: number) => value.toLocaleString("en-US");

type ModelCall = EventOf<"model-call-finished">;
const isModelCall = (event: HarnessEvent): event is ModelCall =>
  event.type === "model-call-finished";

function sums(
  calls: readonly { inputTokens: number; outputTokens: number; cachedTokens: number; ms: number }[],
) {
  return {
    calls: calls.length,
    input: calls.reduce((sum, call) => sum + call.inputTokens, 0),
    output: calls.reduce((sum, call) => sum + call.outputTokens, 0),
    cached: calls.reduce((sum, call) => sum + call.cachedTokens, 0),
    ms: calls.reduce((sum, call) => sum + call.ms, 0),
  };
}

async function scriptedCycle() {
  const { issue } = await createLocalIssue(fixture.repo.root, {
    title: "Greet harness",
    body: "greet() should say Hello, harness.",
  });
  writeFileSync(
    path.join(fixture.repo.root, "PLAN.md"),
    `# Plan\n\n## Now\n\n- [ ] [I-${issue.number}] Greet harness, not the world.\n- [ ] [I-99] Something else.\n`,
  );
  addReporterAgent(fixture.repo.root);
  const config = workConfig();
  const client = new FakeModelClient([
    triageAnswer(),
    planAnswer(),
    ...implementerTurns(issue.number),
    reviewAnswer(),
    reporterAnswer(),
  ]);
  const snapshots = [health(10, 1, 1, 0, 1_000, 500), health(25, 3, 4, 1, 3_000, 2_000)];
  const summary = await runCycle({
    repoRoot: fixture.repo.root,
    config,
    tracker: fixture.tracker,
    queue: fixture.queue,
    client,
    routerUrl: "http://127.0.0.1:9",
    budget: budgetFor(config),
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    triageState: createMemoryTriageStateStore(),
    runId: RUN_ID,
    now: () => new Date("2026-11-22T10:00:00Z"),
    readRouterHealth: async () => snapshots.shift(),
  });
  client.assertDone();
  return { issue: issue.number, summary, events: readEvents(fixture.repo.root, RUN_ID) };
}

describe("the tech report of a scripted run", () => {
  it("shows only figures that match the run's events and git", async () => {
    const { issue, summary, events } = await scriptedCycle();
    const id = `issue-${issue}`;
    const worked = summary.stages.work.summary?.items[0];
    expect(worked).toMatchObject({
      id,
      outcome: "pr-opened",
      reportFile: `reports/2026-11-22-issue-${issue}.md`,
    });

    const report = readFileSync(
      path.join(fixture.repo.root, ".harness", "runs", id, "report.md"),
      "utf8",
    );
    const calls = events.filter(isModelCall);

    // Cost: each row is what the events say, stage by stage.
    const cost = new Map(tableAfter(report, "### Cost").map((cells) => [cells[0], cells.slice(1)]));
    const expectRow = (stage: string, figures: ReturnType<typeof sums>, costUsd = 0) =>
      expect(cost.get(stage), stage).toEqual([
        count(figures.calls),
        count(figures.input),
        count(figures.output),
        count(figures.cached),
        formatMs(figures.ms),
        formatUsd(costUsd),
      ]);
    const bySession = (sessionId: string) =>
      sums(calls.filter((call) => call.sessionId === sessionId));
    expectRow("triage", bySession(`triage-${issue}`));
    expectRow("plan", bySession(`plan-${issue}`));
    expectRow("review", bySession(`review-${id}`));
    expectRow("report", bySession(`report-${id}`));
    const agentRuns = events.filter(
      (event): event is EventOf<"agent-run-finished"> => event.type === "agent-run-finished",
    );
    expect(agentRuns).toHaveLength(1);
    const implement = agentRuns[0]!;
    expect(cost.get("implement")).toEqual([
      count(implement.turns),
      count(implement.inputTokens),
      count(implement.outputTokens),
      count(implement.cachedTokens),
      formatMs(implement.ms),
      formatUsd(implement.costUsd),
    ]);
    // The agent's turns are the work stage's other model calls: the same tokens twice over.
    const agentCalls = sums(calls.filter((call) => call.sessionId === implement.runId));
    expect([agentCalls.calls, agentCalls.input, agentCalls.cached]).toEqual([
      implement.turns,
      implement.inputTokens,
      implement.cachedTokens,
    ]);
    const testRuns = events.filter(
      (event): event is EventOf<"test-run-finished"> => event.type === "test-run-finished",
    );
    expect(cost.get("tests")).toEqual([
      "0",
      "0",
      "0",
      "0",
      formatMs(testRuns.reduce((sum, run) => sum + run.ms, 0)),
      formatUsd(0),
    ]);
    const rows = [...cost.entries()].filter(([stage]) => stage !== "**total**");
    const total = (column: number) =>
      count(rows.reduce((sum, [, cells]) => sum + Number(cells[column]!.replace(/,/g, "")), 0));
    expect(cost.get("**total**")?.slice(0, 4)).toEqual([total(0), total(1), total(2), total(3)]);

    // Quality: one row per harness test run, as the events recorded it.
    const quality = tableAfter(report, "### Quality");
    expect(quality).toEqual(
      testRuns.map((run) => [
        String(run.run),
        run.passed ? "passed" : "failed",
        String(run.exitCode),
        formatMs(run.ms),
      ]),
    );

    // What changed: git's numstat of the branch, the report file itself not counted.
    const branch = worked!.branch;
    const numstat = git(fixture.origin, "diff", "--numstat", `${fixture.baseCommit}...${branch}`)
      .trim()
      .split("\n")
      .map((line) => line.split("\t"))
      .filter(([, , file]) => !file!.startsWith("reports/"));
    const changed = tableAfter(report, "### What changed");
    expect(
      changed
        .slice(0, -1)
        .map((cells) => [cells[1], cells[2], cells[0]!.replace(/`/g, "")])
        .sort((a, b) => a[2]!.localeCompare(b[2]!)),
    ).toEqual(
      numstat
        .map(([added, deleted, file]) => [added, deleted, file])
        .sort((a, b) => a[2]!.localeCompare(b[2]!)),
    );
    expect(changed.at(-1)?.slice(0, 3)).toEqual([
      `**${numstat.length} file(s)**`,
      `**${numstat.reduce((sum, [added]) => sum + Number(added), 0)}**`,
      `**${numstat.reduce((sum, [, deleted]) => sum + Number(deleted), 0)}**`,
    ]);

    // The reporter's prose is there, its figures are not.
    expect(report).toContain("greet() now says Hello, harness, which is what test.js expects.");
    expect(report).toContain("The suite took [n] and [n] changed.");
    expect(report).toContain("None worth measuring: [n] of the time");
    expect(report).not.toMatch(/42 ms|99%|3 files/);
    expect(report).toContain("1. **ES modules in Node**: The project loads greet.js as a module.");
    expect(report).toContain("Callers that compare the greeting text.");
    expect(report).toContain("A constant would avoid building the string on every call.");
    expect(report).toContain("with 3 figure(s) it wrote replaced by [n]");

    // One text: the PR comment, the .harness copy, and the branch's file with front matter.
    const pulls = JSON.parse(
      readFileSync(path.join(fixture.repo.root, LOCAL_ISSUES_DIR, "pulls.json"), "utf8"),
    ) as {
      pulls: { comments: Record<string, string> }[];
    };
    expect(
      `${pulls.pulls[0]!.comments[REPORT_COMMENT_MARKER]!.replace(/^<!-- harness:tech-report -->\n/, "")}\n`,
    ).toBe(report);
    const onBranch = git(fixture.origin, "show", `${branch}:reports/2026-11-22-issue-${issue}.md`);
    expect(onBranch).toMatch(
      /^---\ntitle: "Greet harness instead of the world"\nid: "issue-\d+"\n/,
    );
    expect(onBranch).toContain("### Cost");
    expect(onBranch).not.toContain("- Push:");

    // The fact sheet holds the same figures.
    const sheet = JSON.parse(
      readFileSync(path.join(fixture.repo.root, ".harness", "runs", id, "facts.json"), "utf8"),
    ) as FactSheet;
    expect(sheet.usage.stages.find((entry) => entry.stage === "review")).toMatchObject({
      inputTokens: bySession(`review-${id}`).input,
      modelCalls: bySession(`review-${id}`).calls,
    });
    expect(sheet.tests.runs.map((run) => run.durationMs)).toEqual(testRuns.map((run) => run.ms));
    expect(sheet.changes.byPurpose.source).toEqual({ files: 1, additions: 1, deletions: 1 });
    expect(sheet.changes.files.map((file) => file.path).sort()).toEqual([
      "PROGRESS.md",
      "src/greet.js",
    ]);
  });

  it("writes a run digest whose per-stage figures and backend health match the events", async () => {
    const { summary, events } = await scriptedCycle();
    expect(summary.reportPath).toBe(path.join("reports", "runs", `${RUN_ID}.md`));
    const digest = readFileSync(
      path.join(fixture.repo.root, "reports", "runs", `${RUN_ID}.md`),
      "utf8",
    );
    expect(readFileSync(path.join(fixture.repo.root, summary.digestPath), "utf8")).toBe(digest);

    const usage = new Map(
      tableAfter(digest, "## Tokens and time per stage").map((cells) => [cells[0], cells.slice(1)]),
    );
    for (const stage of ["triage", "plan", "work"] as const) {
      const calls = sums(events.filter(isModelCall).filter((call) => call.stage === stage));
      const agentRuns = events.filter(
        (event) => event.type === "agent-run-finished" && stage === "work",
      ).length;
      // The cycle's stage-finished is the last one of the stage (plan announces itself too).
      const finished = events.findLast(
        (event): event is EventOf<"stage-finished"> =>
          event.type === "stage-finished" && event.stage === stage,
      );
      expect(usage.get(stage), stage).toEqual([
        count(calls.calls),
        count(calls.input),
        count(calls.output),
        count(calls.cached),
        count(agentRuns),
        formatMs(finished!.ms),
      ]);
    }
    expect(digest).toContain("- Issues triaged: 1 (1 valid)");
    expect(digest).toContain("- Issues planned: 1 (1 queue item(s))");
    expect(digest).toContain("- Pull requests: 1 opened, 0 updated");
    expect(digest).toContain("- Failures: 0");
    expect(tableAfter(digest, "## Backend health")).toEqual([
      ["gpu-1", "15", "2", "3", "1", "75.0%", "available, breaker closed"],
    ]);
  });

  it("appends to PROGRESS.md and ticks PLAN.md in the checkout, and prints through harness report", async () => {
    const { issue } = await scriptedCycle();
    const progress = readFileSync(path.join(fixture.repo.root, "PROGRESS.md"), "utf8");
    expect(progress).toBe(
      [
        "# Progress",
        "",
        `## 2026-11-22: issue #${issue} worked by harness (issue-${issue})`,
        `- Done: pr-opened on branch \`harness/${issue}-greet-harness\`; pull request #1.`,
        "- Verified: `node test.js` passed on the last of 1 run(s) (harness's own run); 1 review round(s).",
        "- Left: a person reviews and merges the pull request.",
        `- Report: \`reports/2026-11-22-issue-${issue}.md\` on the branch and \`.harness/runs/issue-${issue}/report.md\`.`,
        "",
      ].join("\n"),
    );
    expect(readFileSync(path.join(fixture.repo.root, "PLAN.md"), "utf8")).toContain(
      `- [~] [I-${issue}] Greet harness, not the world.\n- [ ] [I-99] Something else.`,
    );

    const text = commandContext(fixture.repo.root, false);
    expect((await runReportCommand({ target: `#${issue}` }, text.ctx)).exitCode).toBe(0);
    expect(`${text.stdout()}`).toBe(
      readFileSync(
        path.join(fixture.repo.root, ".harness", "runs", `issue-${issue}`, "report.md"),
        "utf8",
      ),
    );

    const json = commandContext(fixture.repo.root, true);
    await runReportCommand({ target: String(issue) }, json.ctx);
    const record = JSON.parse(json.stdout().trim().split("\n").at(-1)!) as {
      factSheet: FactSheet;
      item: string;
    };
    expect(record.item).toBe(`issue-${issue}`);
    expect(record.factSheet).toEqual(
      JSON.parse(
        readFileSync(
          path.join(fixture.repo.root, ".harness", "runs", `issue-${issue}`, "facts.json"),
          "utf8",
        ),
      ),
    );

    const run = commandContext(fixture.repo.root, false);
    await runReportCommand({ target: RUN_ID }, run.ctx);
    expect(run.stdout()).toBe(
      readFileSync(path.join(fixture.repo.root, "reports", "runs", `${RUN_ID}.md`), "utf8"),
    );
    const runJson = commandContext(fixture.repo.root, true);
    await runReportCommand({ target: RUN_ID }, runJson.ctx);
    expect(JSON.parse(runJson.stdout().trim())).toMatchObject({
      command: "report",
      target: RUN_ID,
      facts: { issues: { triaged: 1 }, work: { opened: 1 } },
      summary: { runId: RUN_ID },
    });
    expect(existsSync(path.join(fixture.repo.root, "reports", "runs"))).toBe(true);
  });
});
