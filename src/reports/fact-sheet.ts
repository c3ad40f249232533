/**
 * The fact sheet of a work item: everything a tech report states as a fact, assembled by
 * harness from what it measured, never from what a model said. The plan (the queue item's body
 * and data), the diff's numstat grouped by purpose, the harness's own test runs (command, exit,
 * time, the end of the output, coverage when the output reports it), the review rounds, the
 * secret scan, the dependencies the change adds with their licences, and the usage per stage
 * (tokens in/out/cached, model calls, time, cost) from the item's own records and, for its
 * triage and plan, from the runs' events.
 *
 * It is saved as `.harness/runs/<item-id>/facts.json` (`harness report <issue> --json` prints
 * it); the report renders every number from it, and the reporter model gets it to write prose.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";

import type { HarnessConfig } from "../config/schema.js";
import type { WorktreeDiff } from "../git/worktrees.js";
import type { SecretFinding } from "../safety/secret-scan.js";
import type { PlanItemData } from "../workflows/pipeline-contract.js";
import { sensitivePathsIn } from "../workflows/work-merge.js";
import { planRisks, planTitle, type WorkProgress } from "../workflows/work-pull-request.js";
import type { ReviewFinding } from "../workflows/work-review.js";
import {
  classifyFiles,
  totalsByPurpose,
  type ChangedFile,
  type DiffPurpose,
  type PurposeTotals,
} from "./diff-purpose.js";
import { MAX_TRANSITIVE, findNewDependencies, type NewDependency } from "./new-dependencies.js";
import { findModelCalls, type ModelCallEvent } from "./run-events.js";
import { sumUsage, usageWithTime, type MeteredCall, type Usage } from "./usage.js";

export const FACT_SHEET_VERSION = 1;

/** Characters kept from the end of each test run's output. */
export const TEST_TAIL_CHARS = 2_000;
const TEST_TAIL_LINES = 30;

/** Where the item stands when its report is written. */
export interface ReportState {
  /** ready: a PR for a person to review; draft: a PR that needs a person first; part: one part of an epic; stopped: no PR. */
  kind: "ready" | "draft" | "part" | "stopped";
  /** Why it is a draft or stopped, in harness's words. */
  reasons: string[];
  /** The work outcome, once known (pr-opened, tests-failed, ...). */
  outcome?: string;
}

export interface TestRunFact {
  run: number;
  passed: boolean;
  exitCode?: number;
  timedOut: boolean;
  durationMs: number;
  logPath: string;
  /** The end of the output (ANSI colours removed). */
  tail: string;
}

export interface ReviewRoundFact {
  round: number;
  approve: boolean;
  blocking: number;
  notes: number;
  findings: ReviewFinding[];
}

/** The stages of one item's cost table. */
export const usageStages = [
  "triage",
  "plan",
  "implement",
  "fix-tests",
  "fix-review",
  "tests",
  "review",
  "report",
] as const;
export type UsageStage = (typeof usageStages)[number];

export interface UsageRow extends Usage {
  stage: UsageStage;
  /** Wall time of the stage's runs or calls. */
  ms: number;
  costUsd: number;
  /** Agent runs, test runs, review rounds or calls counted in the row. */
  runs: number;
  /** Where the figures come from. */
  source: string;
}

export interface FactSheet {
  kind: "issue-fact-sheet";
  version: typeof FACT_SHEET_VERSION;
  generatedAt: string;
  item: {
    id: string;
    issue: number;
    branch: string;
    baseCommit: string;
    attempt?: number;
    part?: { part: number; parts: number };
  };
  state: ReportState;
  plan: {
    /** The plan's `# Title` (written by the planner), if any. */
    title?: string;
    /** The queue item's body as it was worked. */
    body: string;
    data: PlanItemData;
    risks?: string;
  };
  changes: {
    files: ChangedFile[];
    byPurpose: Record<DiffPurpose, PurposeTotals>;
    totals: PurposeTotals;
    /** Harness's own files on the branch, left out of the figures (the report itself). */
    excluded: string[];
  };
  tests: {
    command: string;
    verdict: "passed" | "failed" | "timed-out" | "not-run";
    runs: TestRunFact[];
    /** A coverage figure the last run's output printed, with the line it came from. */
    coverage?: { percent: number; line: string };
  };
  review: {
    configuredRounds: number;
    rounds: ReviewRoundFact[];
    approved: boolean;
  };
  secretScan: {
    clean: boolean;
    /** Rule and place, never the value. */
    findings: Array<{ rule: string; file: string; line?: number }>;
  };
  security: {
    /** Changed paths matching `work.sensitivePaths` (a person merges those). */
    sensitivePaths: string[];
    dependencies: NewDependency[];
    /** Transitive packages a lockfile adds beyond those listed. */
    dependenciesOmitted: number;
  };
  agentRuns: Array<{
    purpose: string;
    runner?: string;
    runId?: string;
    status: string;
    turns: number;
    inputTokens: number;
    outputTokens: number;
    cachedTokens: number;
    costUsd: number;
    durationMs: number;
    /** The agent's own summary (model text). */
    summary: string;
  }>;
  usage: {
    stages: UsageRow[];
    total: UsageRow;
    /** From the item's start to the report. */
    itemMs: number;
  };
  /** Filled in after the push and the pull request. */
  publication?: {
    pushNote?: string;
    pullRequest?: { number: number; url: string };
    /** The report's path on the branch, when it was committed there. */
    reportFile?: string;
  };
}

export interface FactSheetInput {
  repoRoot: string;
  worktree: string;
  itemId: string;
  attempt?: number;
  data: PlanItemData;
  plan: string;
  config: HarnessConfig;
  progress: WorkProgress;
  diff: WorktreeDiff;
  state: ReportState;
  secretFindings: readonly SecretFinding[];
  /** Paths left out of the change's figures (harness's own report on the branch). */
  excludePaths?: readonly string[];
  /** The report's date and time (the stage's clock). */
  now: Date;
  /** Wall time from the item's start until now (a real clock). */
  itemMs: number;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

export function outputTail(output: string): string {
  const lines = output.replace(ANSI, "").replace(/\r\n?/g, "\n").trimEnd().split("\n");
  const tail = lines.slice(-TEST_TAIL_LINES).join("\n");
  return tail.length > TEST_TAIL_CHARS ? tail.slice(tail.length - TEST_TAIL_CHARS) : tail;
}

/**
 * A coverage total the test output printed: istanbul/vitest/jest text tables ("All files |
 * 85.3 |"), jest's "Statements : 85.3%", coverage.py's "TOTAL ... 85%", Go's "coverage: 85.3%".
 */
export function coverageIn(output: string): { percent: number; line: string } | undefined {
  const text = output.replace(ANSI, "");
  const patterns = [
    /^.*All files\s*\|\s*([\d.]+)\s*\|.*$/m,
    /^\s*Statements\s*:\s*([\d.]+)%.*$/m,
    /^TOTAL\s+(?:\d+\s+)+([\d.]+)%\s*$/m,
    /^.*coverage:\s*([\d.]+)% of statements.*$/m,
  ];
  let found: { percent: number; line: string } | undefined;
  for (const pattern of patterns) {
    for (const match of text.matchAll(new RegExp(pattern.source, "gm"))) {
      const percent = Number(match[1]);
      if (Number.isFinite(percent) && percent >= 0 && percent <= 100) {
        found = { percent, line: match[0].trim().slice(0, 200) };
      }
    }
    if (found) return found;
  }
  return undefined;
}

async function readLog(repoRoot: string, logPath: string): Promise<string> {
  try {
    return await readFile(path.join(repoRoot, logPath), "utf8");
  } catch {
    return "";
  }
}

function testVerdict(command: string, runs: readonly TestRunFact[]): FactSheet["tests"]["verdict"] {
  const last = runs.at(-1);
  if (command === "" || !last) return "not-run";
  if (last.passed) return "passed";
  return last.timedOut ? "timed-out" : "failed";
}

function row(stage: UsageStage, source: string, values: Partial<UsageRow>): UsageRow {
  return {
    stage,
    source,
    inputTokens: values.inputTokens ?? 0,
    outputTokens: values.outputTokens ?? 0,
    cachedTokens: values.cachedTokens ?? 0,
    modelCalls: values.modelCalls ?? 0,
    ms: values.ms ?? 0,
    costUsd: values.costUsd ?? 0,
    runs: values.runs ?? 0,
  };
}

function callsRow(stage: UsageStage, calls: readonly ModelCallEvent[]): UsageRow {
  return row(stage, "model calls recorded in the runs' events", {
    ...sumUsage(calls.map((call) => ({ ...call, modelCalls: 1 }))),
    ms: calls.reduce((sum, call) => sum + call.ms, 0),
    runs: calls.length,
  });
}

function meteredRow(stage: UsageStage, calls: readonly MeteredCall[], runs: number): UsageRow {
  return row(stage, "the item's metered model calls", { ...usageWithTime(calls), runs });
}

/** The usage rows of an item; a stage with nothing in it is left out. */
export async function usageRows(input: {
  repoRoot: string;
  itemId: string;
  issue: number;
  progress: WorkProgress;
}): Promise<UsageRow[]> {
  const { progress } = input;
  const calls = await findModelCalls(input.repoRoot, [
    `triage-${input.issue}`,
    `plan-${input.issue}`,
  ]);
  const rows: UsageRow[] = [
    callsRow(
      "triage",
      calls.filter((call) => call.sessionId === `triage-${input.issue}`),
    ),
    callsRow(
      "plan",
      calls.filter((call) => call.sessionId === `plan-${input.issue}`),
    ),
  ];
  for (const purpose of ["implement", "fix-tests", "fix-review"] as const) {
    const runs = progress.agentRuns.filter((run) => run.purpose === purpose);
    rows.push(
      row(purpose, "agent runs (as their runner reported them)", {
        inputTokens: runs.reduce((sum, run) => sum + (run.inputTokens ?? run.tokens), 0),
        outputTokens: runs.reduce((sum, run) => sum + (run.outputTokens ?? 0), 0),
        cachedTokens: runs.reduce((sum, run) => sum + (run.cachedTokens ?? 0), 0),
        modelCalls: runs.reduce((sum, run) => sum + run.turns, 0),
        ms: runs.reduce((sum, run) => sum + run.durationMs, 0),
        costUsd: runs.reduce((sum, run) => sum + run.costUsd, 0),
        runs: runs.length,
      }),
    );
  }
  rows.push(
    row("tests", "harness's own test runs", {
      ms: progress.testRuns.reduce((sum, run) => sum + run.durationMs, 0),
      runs: progress.testRuns.length,
    }),
  );
  const metered = progress.calls ?? [];
  rows.push(
    meteredRow(
      "review",
      metered.filter((call) => call.sessionId === `review-${input.itemId}`),
      progress.reviews.length,
    ),
  );
  const reporter = metered.filter((call) => call.sessionId === `report-${input.itemId}`);
  rows.push(meteredRow("report", reporter, reporter.length));
  return rows.filter((entry) => entry.runs > 0 || entry.modelCalls > 0);
}

export function totalRow(rows: readonly UsageRow[]): UsageRow {
  return row("report", "total", {
    ...sumUsage(rows),
    ms: rows.reduce((sum, entry) => sum + entry.ms, 0),
    costUsd: rows.reduce((sum, entry) => sum + entry.costUsd, 0),
    runs: rows.reduce((sum, entry) => sum + entry.runs, 0),
  });
}

/** The sheet with its usage counted again (after the reporter's call, say). */
export async function withFreshUsage(
  sheet: FactSheet,
  input: { repoRoot: string; progress: WorkProgress; itemMs: number },
): Promise<FactSheet> {
  const stages = await usageRows({
    repoRoot: input.repoRoot,
    itemId: sheet.item.id,
    issue: sheet.item.issue,
    progress: input.progress,
  });
  return { ...sheet, usage: { stages, total: totalRow(stages), itemMs: input.itemMs } };
}

export async function assembleFactSheet(input: FactSheetInput): Promise<FactSheet> {
  const { data, progress, config } = input;
  const excluded = new Set(input.excludePaths ?? []);
  const files = classifyFiles(input.diff.files.filter((file) => !excluded.has(file.path)));
  const byPurpose = totalsByPurpose(files);
  const command = config.project.testCommand.trim();
  const lastRun = progress.testRuns.at(-1);
  const runs: TestRunFact[] = [];
  let coverage: FactSheet["tests"]["coverage"];
  for (const run of progress.testRuns) {
    const log = await readLog(input.repoRoot, run.logPath);
    runs.push({
      run: run.run,
      passed: run.passed,
      ...(run.exitCode !== undefined ? { exitCode: run.exitCode } : {}),
      timedOut: run.timedOut,
      durationMs: run.durationMs,
      logPath: run.logPath,
      tail: outputTail(log),
    });
    if (run === lastRun) coverage = coverageIn(log);
  }
  const dependencies = await findNewDependencies({
    worktree: input.worktree,
    repoRoot: input.repoRoot,
    base: data.baseCommit,
    files: files.map((file) => file.path),
  });
  const direct = dependencies.filter((dependency) => !dependency.transitive);
  const transitive = dependencies.filter((dependency) => dependency.transitive);
  const stages = await usageRows({
    repoRoot: input.repoRoot,
    itemId: input.itemId,
    issue: data.issue,
    progress,
  });
  const title = planTitle(input.plan);
  const risks = planRisks(input.plan);
  return {
    kind: "issue-fact-sheet",
    version: FACT_SHEET_VERSION,
    generatedAt: input.now.toISOString(),
    item: {
      id: input.itemId,
      issue: data.issue,
      branch: data.branch,
      baseCommit: data.baseCommit,
      ...(input.attempt !== undefined ? { attempt: input.attempt } : {}),
      ...(data.epic ? { part: { ...data.epic } } : {}),
    },
    state: input.state,
    plan: {
      ...(title ? { title } : {}),
      body: input.plan,
      data,
      ...(risks ? { risks } : {}),
    },
    changes: {
      files,
      byPurpose,
      totals: {
        files: files.length,
        additions: files.reduce((sum, file) => sum + file.additions, 0),
        deletions: files.reduce((sum, file) => sum + file.deletions, 0),
      },
      excluded: input.diff.files.filter((file) => excluded.has(file.path)).map((file) => file.path),
    },
    tests: {
      command,
      verdict: testVerdict(command, runs),
      runs,
      ...(coverage ? { coverage } : {}),
    },
    review: {
      configuredRounds: config.work.reviewRounds,
      rounds: progress.reviews.map((review) => ({
        round: review.round,
        approve: review.approve,
        blocking: review.findings.filter((finding) => finding.severity === "blocking").length,
        notes: review.findings.filter((finding) => finding.severity === "note").length,
        findings: review.findings,
      })),
      approved:
        progress.reviews.at(-1)?.approve === true &&
        (progress.reviews.at(-1)?.findings.every((finding) => finding.severity !== "blocking") ??
          false),
    },
    secretScan: {
      clean: input.secretFindings.length === 0,
      findings: input.secretFindings.map((finding) => ({
        rule: finding.rule,
        file: finding.file,
        ...(finding.line !== undefined ? { line: finding.line } : {}),
      })),
    },
    security: {
      sensitivePaths: sensitivePathsIn(
        files.map((file) => file.path),
        config.work.sensitivePaths,
      ),
      dependencies: [...direct, ...transitive.slice(0, MAX_TRANSITIVE)],
      dependenciesOmitted: Math.max(0, transitive.length - MAX_TRANSITIVE),
    },
    agentRuns: progress.agentRuns.map((run) => ({
      purpose: run.purpose,
      ...(run.runner ? { runner: run.runner } : {}),
      ...(run.runId ? { runId: run.runId } : {}),
      status: run.status,
      turns: run.turns,
      inputTokens: run.inputTokens ?? run.tokens,
      outputTokens: run.outputTokens ?? 0,
      cachedTokens: run.cachedTokens ?? 0,
      costUsd: run.costUsd,
      durationMs: run.durationMs,
      summary: run.summary,
    })),
    usage: {
      stages,
      total: totalRow(stages),
      itemMs: input.itemMs,
    },
  };
}

/** A parsed facts.json, or undefined when it is not one. */
export function asFactSheet(value: unknown): FactSheet | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  return record.kind === "issue-fact-sheet" && record.version === FACT_SHEET_VERSION
    ? (value as FactSheet)
    : undefined;
}
