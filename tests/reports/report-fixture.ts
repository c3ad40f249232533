/**
 * What the report tests share: a scripted cycle (real triage, plan and work on the work
 * fixture's greet project, the fake model answering in order, a reporter in
 * `.claude/agents/reporter.md`), helpers to read a run's events, and small table parsers.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import type { CommandContext } from "../../src/commands/context.js";
import type { HarnessEvent } from "../../src/events.js";
import type { FakeResponse } from "../../src/models/model-script.js";
import type { FactSheet } from "../../src/reports/fact-sheet.js";
import type { ReporterAnswer } from "../../src/reports/reporter.js";
import { captureCommand } from "../support/command-context.js";
import { GOOD_GREET, call, finish, progressEntry, review } from "../workflows/work-fixture.js";

/** Events as events.jsonl holds them. */
export function readEvents(repoRoot: string, runId: string): HarnessEvent[] {
  return readFileSync(path.join(repoRoot, ".harness", "runs", runId, "events.jsonl"), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as HarnessEvent);
}

export function addReporterAgent(repoRoot: string): void {
  mkdirSync(path.join(repoRoot, ".claude", "agents"), { recursive: true });
  writeFileSync(
    path.join(repoRoot, ".claude", "agents", "reporter.md"),
    "---\nname: reporter\ndescription: Writes tech reports.\n---\n\nYou write tech reports.\n",
  );
}

export function triageAnswer(): FakeResponse {
  return {
    json: {
      verdict: "valid",
      reasons: ["greet() in src/greet.js says Hello, world"],
      confidence: 0.8,
      evidence: ["src/greet.js:2"],
    },
    usage: { inputTokens: 400, outputTokens: 30, cachedTokens: 120 },
  };
}

export function planAnswer(): FakeResponse {
  return {
    json: {
      title: "Greet harness instead of the world",
      goal: "greet() returns Hello, harness, so the project's test passes.",
      background: "src/greet.js:2 returns Hello, world; test.js expects Hello, harness.",
      files: [{ path: "src/greet.js", change: "return Hello, harness" }],
      steps: [{ text: "Change the string in src/greet.js.", check: "node test.js passes" }],
      tests: [{ file: "test.js", case: "greet says Hello, harness", failsBefore: true }],
      risks: ["Callers that compare the greeting text."],
      outOfScope: ["Greeting in other languages."],
      size: "s",
    },
    usage: { inputTokens: 900, outputTokens: 210, cachedTokens: 300 },
  };
}

/** A built-in implementer turn with cached tokens, so every column has a figure. */
function turn(name: string, input: unknown, inputTokens: number): FakeResponse {
  return {
    toolCalls: [{ name, input }],
    usage: { inputTokens, outputTokens: 25, cachedTokens: Math.floor(inputTokens / 2) },
  };
}

export function implementerTurns(issue: number): FakeResponse[] {
  return [
    turn("write_file", { path: "src/greet.js", content: GOOD_GREET }, 1_000),
    turn("write_file", { path: "PROGRESS.md", content: progressEntry(issue) }, 1_100),
    turn("run_command", { command: "node test.js" }, 1_200),
    {
      ...finish("greet() now says Hello, harness; node test.js passes."),
      usage: { inputTokens: 1_300, outputTokens: 40, cachedTokens: 650 },
    },
  ];
}

export function reviewAnswer(): FakeResponse {
  return {
    ...review(true, [
      {
        angle: "performance",
        severity: "note",
        file: "src/greet.js",
        message: "A constant would avoid building the string on every call.",
      },
    ]),
    usage: { inputTokens: 700, outputTokens: 60, cachedTokens: 200 },
  };
}

/** The reporter's prose, with figures it must not set (they become [n]). */
export function reporterAnswer(): FakeResponse {
  return {
    json: {
      summary:
        "greet() now says Hello, harness, which is what test.js expects. The suite took 42 ms and 3 files changed.",
      behaviour: "Callers of greet() get Hello, harness.",
      decisions: [
        {
          decision: "Change the literal in place",
          why: "The smallest change that makes the test pass.",
          alternatives: "A configurable greeting, rejected as out of scope.",
        },
      ],
      security: ["No input is read; the change is a string literal."],
      performance: "None worth measuring: 99% of the time is spent in node start-up.",
      risks: ["Callers comparing the old greeting text break."],
      followUps: [
        {
          title: "Translate the greeting",
          why: "Other languages were left out of scope.",
          ownIssue: true,
        },
        { title: "Tidy the test names", why: "Small cleanup.", ownIssue: false },
      ],
      study: [{ topic: "ES modules in Node", why: "The project loads greet.js as a module." }],
    },
    usage: { inputTokens: 2_000, outputTokens: 300, cachedTokens: 800 },
    match: { systemIncludes: "You are the reporter." },
  };
}

export { call };

/** The rows of the Markdown table that follows `heading`, as trimmed cells. */
export function tableAfter(markdown: string, heading: string): string[][] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start < 0) throw new Error(`no ${heading} in the report`);
  const rows: string[][] = [];
  let inTable = false;
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("|")) {
      inTable = true;
      rows.push(
        line
          .slice(1, -1)
          .split(" | ")
          .map((cell) => cell.trim()),
      );
    } else if (inTable) break;
    else if (/^#{1,3} /.test(line)) break;
  }
  return rows.slice(2);
}

export function commandContext(
  cwd: string,
  json: boolean,
): { ctx: CommandContext; stdout: () => string } {
  const { ctx, output } = captureCommand({ cwd, json });
  return { ctx, stdout: output };
}

/** A fact sheet as a worked item would have it (for rendering and publishing tests). */
export function sampleSheet(overrides: Partial<FactSheet> = {}): FactSheet {
  const data = {
    kind: "issue-plan" as const,
    issue: 7,
    issueTitle: "Cart total",
    branch: "harness/7-cart-total",
    baseCommit: "0123456789abcdef0123456789abcdef01234567",
    issueHash: "hash",
    files: ["src/cart.ts"],
    tests: ["tests/cart.test.ts"],
    size: "s" as const,
    dependsOn: [],
  };
  const usage = {
    stage: "implement" as const,
    source: "agent runs",
    inputTokens: 1_000,
    outputTokens: 100,
    cachedTokens: 400,
    modelCalls: 3,
    ms: 2_500,
    costUsd: 0,
    runs: 1,
  };
  return {
    kind: "issue-fact-sheet",
    version: 1,
    generatedAt: "2026-11-22T10:00:00.000Z",
    item: { id: "issue-7", issue: 7, branch: data.branch, baseCommit: data.baseCommit },
    state: { kind: "ready", reasons: [] },
    plan: { title: "Sum every item", body: "# Sum every item\n", data, risks: "- Rounding." },
    changes: {
      files: [
        { path: "src/cart.ts", additions: 3, deletions: 1, binary: false, purpose: "source" },
      ],
      byPurpose: {
        source: { files: 1, additions: 3, deletions: 1 },
        tests: { files: 0, additions: 0, deletions: 0 },
        docs: { files: 0, additions: 0, deletions: 0 },
        config: { files: 0, additions: 0, deletions: 0 },
        dependencies: { files: 0, additions: 0, deletions: 0 },
      },
      totals: { files: 1, additions: 3, deletions: 1 },
      excluded: [],
    },
    tests: {
      command: "npm test",
      verdict: "passed",
      runs: [
        {
          run: 1,
          passed: true,
          exitCode: 0,
          timedOut: false,
          durationMs: 1_234,
          logPath: "x.log",
          tail: "ok",
        },
      ],
    },
    review: { configuredRounds: 1, rounds: [], approved: false },
    secretScan: { clean: true, findings: [] },
    security: { sensitivePaths: [], dependencies: [], dependenciesOmitted: 0 },
    agentRuns: [],
    usage: {
      stages: [usage],
      total: { ...usage, stage: "report", source: "total" },
      itemMs: 5_000,
    },
    ...overrides,
  };
}

export function proseAnswer(
  followUps: { title: string; why: string; ownIssue: boolean }[] = [],
): ReporterAnswer {
  return {
    asked: true,
    removedFigures: 0,
    model: "default",
    prose: {
      summary: "cartTotal sums every item now.",
      behaviour: "",
      decisions: [],
      security: [],
      performance: "",
      risks: [],
      followUps,
      study: [],
    },
  };
}
