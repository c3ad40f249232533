/**
 * `harness report <issue-or-run> [--json]` and `harness report digest [--since 24h]`: prints a
 * report harness already wrote, from this repository's `.harness/runs/`.
 *
 * - An issue (`12`, `#12`, `issue-12`, `issue-12-part-2`): its latest tech report; `--json`
 *   gives its fact sheet (`factSheet`), the measured facts every figure of the report comes from.
 * - A run id (`20261122-100000-abcdef`): the run's digest; `--json` gives the run's summary and
 *   its digest facts.
 * - `digest`: a digest over the runs that started in the last `--since` (default 24h); `--json`
 *   gives its facts. The daemon's daily digest is the same rendering over one UTC day.
 *
 * Reads files only: no router, no model, no tracker. A report that is not there is an input
 * error with a hint, not an empty success.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";

import { requireConfig } from "../config/load-config.js";
import { ExitCode, InputError } from "../errors.js";
import { findRepoRoot } from "../queue/open-queue.js";
import { digestFacts, parseSince, renderDigest } from "../reports/digest.js";
import { findIssueReport } from "../reports/report-files.js";
import { runDigestPath } from "../reports/report-paths.js";
import { renderTechReport } from "../reports/tech-report.js";
import {
  RUNS_DIR,
  RUN_DIGEST_FILE,
  RUN_SUMMARY_FILE,
  listRunSummaries,
  renderRunDigest,
} from "../workflows/run-digest.js";
import type { CycleSummary } from "../workflows/run-cycle.js";
import type { CommandContext, CommandResult } from "./context.js";

export interface ReportCommandOptions {
  /** An issue (`12`, `#12`, `issue-12`), a run id, or `digest`. */
  target: string;
  /** For `digest`: how far back, e.g. 24h, 90m, 7d. Default 24h. */
  since?: string;
  config?: string;
  /** The clock for `--since` (tests). */
  now?: () => Date;
}

const RUN_ID = /^\d{8}-\d{6}-[A-Za-z0-9]+$/;
const ISSUE = /^(?:#|issue-)?(\d+)(?:-part-\d+)?$/;

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch {
    return undefined;
  }
}

function printLines(ctx: CommandContext, text: string): void {
  for (const line of text.replace(/\n+$/, "").split("\n")) ctx.output.line(line);
}

async function reportIssue(
  ctx: CommandContext,
  repoRoot: string,
  target: string,
  issue: number,
): Promise<CommandResult> {
  const stored = await findIssueReport(repoRoot, issue);
  if (!stored) {
    throw new InputError(`no tech report for issue #${issue} in ${path.join(repoRoot, RUNS_DIR)}`, {
      hint: "a report is written when `harness work` publishes the issue's pull request; `harness status` lists recent work",
    });
  }
  ctx.output.record({
    type: "result",
    command: "report",
    target,
    item: stored.itemId,
    factsPath: stored.factsPath,
    reportPath: stored.reportPath,
    factSheet: stored.sheet,
  });
  if (!ctx.output.json) {
    // The stored text is what the PR shows; without it, the facts alone.
    printLines(
      ctx,
      stored.report ?? renderTechReport(stored.sheet, { removedFigures: 0, asked: false }),
    );
  }
  return { exitCode: ExitCode.ok };
}

async function reportRun(
  ctx: CommandContext,
  repoRoot: string,
  reportsDir: string,
  runId: string,
): Promise<CommandResult> {
  const summaryText = await readText(path.join(repoRoot, RUNS_DIR, runId, RUN_SUMMARY_FILE));
  if (summaryText === undefined) {
    throw new InputError(`no pipeline run ${runId} in ${path.join(repoRoot, RUNS_DIR)}`, {
      hint: "`harness status` lists the recent runs; `harness report digest` sums them",
    });
  }
  const summary = JSON.parse(summaryText) as CycleSummary;
  ctx.output.record({
    type: "result",
    command: "report",
    target: runId,
    facts: digestFacts([summary]),
    summary,
  });
  if (!ctx.output.json) {
    const text =
      (await readText(path.join(repoRoot, runDigestPath(reportsDir, runId)))) ??
      (await readText(path.join(repoRoot, RUNS_DIR, runId, RUN_DIGEST_FILE))) ??
      renderRunDigest(summary);
    printLines(ctx, text);
  }
  return { exitCode: ExitCode.ok };
}

async function reportDigest(
  ctx: CommandContext,
  repoRoot: string,
  options: ReportCommandOptions,
): Promise<CommandResult> {
  const since = options.since ?? "24h";
  const ms = parseSince(since);
  if (ms === undefined) {
    throw new InputError(`--since ${JSON.stringify(since)} is not a duration`, {
      hint: "a number and a unit: 90m, 24h, 7d or 2w",
    });
  }
  const now = (options.now ?? (() => new Date()))();
  const from = new Date(now.getTime() - ms).toISOString();
  const runs = await listRunSummaries(repoRoot, {
    filter: (summary) => summary.startedAt >= from,
  });
  const facts = digestFacts(runs);
  ctx.output.record({ type: "result", command: "report", target: "digest", since, ...facts });
  if (!ctx.output.json) {
    printLines(
      ctx,
      renderDigest(facts, {
        title: `harness digest: the last ${since} (since ${from})`,
        runLink: (runId) => path.join(RUNS_DIR, runId, RUN_DIGEST_FILE),
      }),
    );
  }
  return { exitCode: ExitCode.ok };
}

export async function runReportCommand(
  options: ReportCommandOptions,
  ctx: CommandContext,
): Promise<CommandResult> {
  const target = options.target.trim();
  const loaded = await requireConfig({ cwd: ctx.cwd, env: ctx.env, file: options.config });
  const repoRoot = findRepoRoot(ctx.cwd, loaded.path);
  if (target === "digest") return reportDigest(ctx, repoRoot, options);
  if (options.since !== undefined) {
    throw new InputError("--since only applies to `harness report digest`");
  }
  const issue = ISSUE.exec(target);
  if (issue?.[1]) return reportIssue(ctx, repoRoot, target, Number(issue[1]));
  if (RUN_ID.test(target)) return reportRun(ctx, repoRoot, loaded.config.reports.dir, target);
  throw new InputError(`${JSON.stringify(target)} is not an issue, a run id or "digest"`, {
    hint: "e.g. `harness report 12`, `harness report 20261122-100000-abcdef`, `harness report digest --since 24h`",
  });
}
