/**
 * What a pipeline run leaves for people and for `harness status`: `summary.json` (the
 * CycleSummary as JSON) and `digest.md` (Markdown a person reads: what each stage did, the
 * issues triaged with their verdicts, the items planned, the outcome of each work item with its
 * pull request, the budget figures and what stopped the run, the at-a-glance counts, tokens and
 * time per stage and backend health from src/reports/digest.ts), plus the daily digest the
 * daemon writes from the day's summaries (the same rendering as `harness report digest`). The
 * run's digest is also written to `<reports.dir>/runs/<run-id>.md` for people.
 *
 * Issue titles and bodies never appear here (they are untrusted text); only numbers, verdicts,
 * item ids and harness's own messages, kept to one line each.
 */
import { randomUUID } from "node:crypto";
import { mkdir, readFile, readdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";

import {
  digestFacts,
  glanceLines,
  healthLines,
  renderDigest,
  usageLines,
} from "../reports/digest.js";
import { dailyDigestReportPath } from "../reports/report-paths.js";
import type { BudgetSnapshot } from "./pipeline-budget.js";
import type { WorkedItem } from "./pipeline-contract.js";
import type { CycleSummary, StageResult } from "./run-cycle.js";

/** Where pipeline runs (and agent runs) keep their files, relative to the repository. */
export const RUNS_DIR = path.join(".harness", "runs");
export const RUN_SUMMARY_FILE = "summary.json";
export const RUN_DIGEST_FILE = "digest.md";

async function writeAtomically(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, file);
}

/** One line, no table breakers, at most `max` characters. */
function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, " ").replace(/\|/g, "\\|").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function formatMs(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1_000);
  return seconds > 0 ? `${minutes} min ${seconds} s` : `${minutes} min`;
}

function formatCount(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

function formatUsd(value: number): string {
  return `$${value.toFixed(2)}`;
}

function stageRow(name: string, result: StageResult<unknown>): string {
  return `| ${name} | ${result.status} | ${oneLine(result.line)} | ${
    result.status === "skipped" ? "-" : formatMs(result.ms)
  } |`;
}

function budgetTable(budget: BudgetSnapshot): string[] {
  const { run, day, limits } = budget;
  return [
    "| Budget | This run | Run limit | Today (UTC) | Day limit |",
    "| --- | --- | --- | --- | --- |",
    `| Items started | ${run.items} | ${limits.run.items} | ${day.items} | ${limits.day.items} |`,
    `| Tokens | ${formatCount(run.tokens)} | ${formatCount(limits.run.tokens)} | ${formatCount(
      day.tokens,
    )} | ${formatCount(limits.day.tokens)} |`,
    `| Cost | ${formatUsd(run.costUsd)} | ${formatUsd(limits.run.costUsd)} | ${formatUsd(
      day.costUsd,
    )} | ${formatUsd(limits.day.costUsd)} |`,
    `| Wall time | ${formatMs(run.elapsedMs)} | ${formatMs(limits.run.wallMs)} | - | - |`,
  ];
}

function workLine(item: WorkedItem): string {
  const pull = item.pullRequest
    ? `[PR #${item.pullRequest.number}](${item.pullRequest.url})`
    : "no pull request";
  const tests =
    item.testRuns === 0
      ? "tests not run"
      : `tests ${item.testsPassed ? "passed" : "failed"} (${item.testRuns} run(s))`;
  const details = [
    pull,
    tests,
    `${item.reviewRounds} review round(s)`,
    `${formatCount(item.tokens)} tokens`,
    formatUsd(item.costUsd),
    `branch \`${item.branch}\``,
  ];
  const lines = [`- \`${item.id}\` (#${item.issue}): **${item.outcome}**, ${details.join(", ")}`];
  if (item.reportPath) lines.push(`  - tech report: ${item.reportPath}`);
  if (item.error) lines.push(`  - error: ${oneLine(item.error)}`);
  return lines.join("\n");
}

function issueList(numbers: readonly number[]): string {
  return numbers.map((number) => `#${number}`).join(", ");
}

export function renderRunDigest(summary: CycleSummary): string {
  const { triage, plan, work } = summary.stages;
  const lines: string[] = [
    `# harness run ${summary.runId}`,
    "",
    `Started ${summary.startedAt}, finished ${summary.finishedAt} (${formatMs(summary.ms)}).`,
  ];
  if (summary.stoppedBy) lines.push(`Stopped by: ${oneLine(summary.stoppedBy)}.`);
  if (summary.error) lines.push(`The cycle stopped on an error: ${oneLine(summary.error.message)}`);
  lines.push(
    "",
    "| Stage | Status | Result | Time |",
    "| --- | --- | --- | --- |",
    stageRow("triage", triage),
    stageRow("plan", plan),
    stageRow("work", work),
    "",
    ...glanceLines(digestFacts([summary])),
  );

  if (triage.summary) {
    lines.push("", "## Triage", "");
    if (triage.summary.items.length === 0) lines.push("No issue needed a verdict.");
    for (const item of triage.summary.items) {
      const verdict =
        item.verdict === "duplicate" && item.duplicateOf !== undefined
          ? `duplicate of #${item.duplicateOf}`
          : item.verdict;
      lines.push(
        `- #${item.issue}: **${verdict}** (confidence ${item.confidence.toFixed(2)}, ${
          item.trusted ? "trusted" : "untrusted"
        })`,
      );
    }
    for (const failure of triage.summary.failures) {
      lines.push(`- #${failure.issue}: failed: ${oneLine(failure.error)}`);
    }
    if (triage.summary.deferred > 0) {
      lines.push(`- ${triage.summary.deferred} issue(s) left for the next run`);
    }
  }

  if (plan.summary) {
    lines.push("", "## Plan", "");
    if (plan.summary.planned.length === 0) lines.push("No new plan.");
    for (const planned of plan.summary.planned) {
      const items = planned.items.map((id) => `\`${id}\``).join(", ");
      lines.push(
        `- #${planned.issue} → ${items}${planned.epic ? " (epic)" : ""}${
          planned.created ? "" : " (already in the queue)"
        }`,
      );
    }
    if (plan.summary.alreadyPlanned.length > 0) {
      lines.push(`- Already planned: ${issueList(plan.summary.alreadyPlanned)}`);
    }
    if (plan.summary.untrusted.length > 0) {
      lines.push(`- Not planned, author not trusted: ${issueList(plan.summary.untrusted)}`);
    }
    if (plan.summary.deferred.length > 0) {
      lines.push(`- Deferred by a budget: ${issueList(plan.summary.deferred)}`);
    }
    for (const failure of plan.summary.failures) {
      lines.push(`- #${failure.issue}: failed: ${oneLine(failure.error)}`);
    }
  }

  if (work.summary) {
    lines.push("", "## Work", "");
    if (work.summary.items.length === 0) lines.push("No item was ready.");
    for (const item of work.summary.items) lines.push(workLine(item));
  }

  const failed = (["triage", "plan", "work"] as const).filter(
    (name) => summary.stages[name].error !== undefined,
  );
  if (failed.length > 0) {
    lines.push("", "## Stage errors", "");
    for (const name of failed) lines.push(`- ${name}: ${oneLine(summary.stages[name].error!)}`);
  }

  lines.push("", "## Budget", "", ...budgetTable(summary.budget));
  if (summary.budget.blockedBy) {
    lines.push("", `New work is refused now: ${oneLine(summary.budget.blockedBy)}.`);
  }
  // Issue 8: the figures of src/reports/digest.ts, for this one run.
  const facts = digestFacts([summary]);
  if (summary.usage)
    lines.push("", "## Tokens and time per stage", "", ...usageLines(summary.usage));
  if (summary.routerHealth) lines.push("", "## Backend health", "", ...healthLines(facts.health));
  lines.push("", `Every event of the run: \`${summary.eventsPath}\`.`, "");
  return lines.join("\n");
}

/** Writes `summary.json` and `digest.md` into the run's folder (atomically, each). */
export async function writeRunDigest(repoRoot: string, summary: CycleSummary): Promise<void> {
  const dir = path.join(repoRoot, summary.runDir);
  await writeAtomically(path.join(dir, RUN_SUMMARY_FILE), `${JSON.stringify(summary, null, 2)}\n`);
  const digest = renderRunDigest(summary);
  await writeAtomically(path.join(dir, RUN_DIGEST_FILE), digest);
  // The copy a person reads in the reports folder (`reports/runs/<run-id>.md`).
  if (summary.reportPath) await writeAtomically(path.join(repoRoot, summary.reportPath), digest);
}

function isCycleSummary(value: unknown): value is CycleSummary {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    record.kind === "pipeline-run" &&
    typeof record.runId === "string" &&
    typeof record.startedAt === "string" &&
    typeof record.stages === "object" &&
    record.stages !== null
  );
}

/**
 * Pipeline runs recorded under `.harness/runs`, newest first (run ids sort by time). Folders
 * without a readable summary (agent runs, a run still going) are passed over.
 */
export async function listRunSummaries(
  repoRoot: string,
  options: { limit?: number; filter?: (summary: CycleSummary) => boolean } = {},
): Promise<CycleSummary[]> {
  let names: string[];
  try {
    const entries = await readdir(path.join(repoRoot, RUNS_DIR), { withFileTypes: true });
    names = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch {
    return [];
  }
  names.sort().reverse();
  const summaries: CycleSummary[] = [];
  for (const name of names) {
    if (options.limit !== undefined && summaries.length >= options.limit) break;
    let parsed: unknown;
    try {
      parsed = JSON.parse(
        await readFile(path.join(repoRoot, RUNS_DIR, name, RUN_SUMMARY_FILE), "utf8"),
      );
    } catch {
      continue;
    }
    if (!isCycleSummary(parsed)) continue;
    if (options.filter && !options.filter(parsed)) continue;
    summaries.push(parsed);
  }
  return summaries;
}

export function dailyDigestPath(day: string): string {
  return path.join(RUNS_DIR, `daily-${day}.md`);
}

export function renderDailyDigest(day: string, runs: readonly CycleSummary[]): string {
  return renderDigest(digestFacts(runs), {
    title: `harness daily digest ${day} (UTC)`,
    runLink: (runId) => `${runId}/${RUN_DIGEST_FILE}`,
  });
}

/**
 * Sums the runs that started on `day` (UTC, `YYYY-MM-DD`) into `.harness/runs/daily-<day>.md`,
 * and, given `reportsDir`, a copy in `<reportsDir>/runs/daily-<day>.md` (the same digest as
 * `harness report digest`). Returns the repository-relative path and how many runs it covers.
 */
export async function writeDailyDigest(
  repoRoot: string,
  day: string,
  options: { reportsDir?: string } = {},
): Promise<{ path: string; runs: number; reportPath?: string }> {
  const runs = await listRunSummaries(repoRoot, {
    filter: (summary) => summary.startedAt.slice(0, 10) === day,
  });
  const relative = dailyDigestPath(day);
  await writeAtomically(path.join(repoRoot, relative), renderDailyDigest(day, runs));
  if (!options.reportsDir) return { path: relative, runs: runs.length };
  const reportPath = dailyDigestReportPath(options.reportsDir, day);
  const copy = renderDigest(digestFacts(runs), {
    title: `harness daily digest ${day} (UTC)`,
    runLink: (runId) => `${runId}.md`,
  });
  await writeAtomically(path.join(repoRoot, reportPath), copy);
  return { path: relative, runs: runs.length, reportPath };
}
