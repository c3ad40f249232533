/**
 * A work item's tech report, in the two steps of publishing it:
 *
 * 1. `prepareItemReport`, before the push: the fact sheet, the reporter's prose (one model
 *    call, when the repository has a reporter), and the report committed on the branch as
 *    `<reports.dir>/<date>-issue-<n>.md` (an existing one is updated in place), so it is
 *    reviewed and merged with the change it describes.
 * 2. `publishItemReport`, once the pull request exists: the push note and the PR link are
 *    added, follow-ups are filed (when configured), and the report is written to
 *    `.harness/runs/<item-id>/report.md` (with `facts.json`) and upserted as the PR's one
 *    report comment (`REPORT_COMMENT_MARKER`): however often it is regenerated, one comment.
 *
 * Nothing model-written reaches the branch or the tracker without the secret scan passing it.
 */
import { existsSync } from "node:fs";
import path from "node:path";

import { runGitCommand } from "../git/git-command.js";
import type { WorktreeDiff } from "../git/worktrees.js";
import { scanText } from "../safety/secret-scan.js";
import {
  REPORT_COMMENT_MARKER,
  type PlanItemData,
  type WorkOptions,
} from "../workflows/pipeline-contract.js";
import type { WorkProgress } from "../workflows/work-pull-request.js";
import {
  assembleFactSheet,
  withFreshUsage,
  type FactSheet,
  type ReportState,
} from "./fact-sheet.js";
import { fileFollowUps } from "./follow-ups.js";
import { writeFileAtomically, issueReportFile, writeItemReport } from "./report-files.js";
import { askReporter, type ReporterAnswer } from "./reporter.js";
import { renderReportFile, renderTechReport } from "./tech-report.js";
import { FACT_SHEET_FILE, itemFolder } from "./report-paths.js";

export interface PrepareItemReportInput {
  options: WorkOptions;
  itemId: string;
  attempt?: number;
  data: PlanItemData;
  plan: string;
  progress: WorkProgress;
  worktree: string;
  diff: WorktreeDiff;
  state: ReportState;
  /**
   * Commits what is in the worktree as harness's commit of the item (sha, or undefined when
   * nothing changed). Without it the report is not put on the branch: the caller passes it
   * only when this attempt committed a change, so a rerun that changed nothing pushes nothing.
   */
  commit?: (why: string) => Promise<string | undefined>;
}

export interface PreparedItemReport {
  sheet: FactSheet;
  answer: ReporterAnswer;
  /** The report's path on the branch, when it was committed there. */
  reportFile?: string;
}

function today(options: WorkOptions): string {
  return (options.now ?? (() => new Date()))().toISOString().slice(0, 10);
}

async function isTracked(worktree: string, file: string): Promise<boolean> {
  const result = await runGitCommand(worktree, ["ls-files", "--error-unmatch", "--", file]);
  return result.exitCode === 0;
}

export async function prepareItemReport(
  input: PrepareItemReportInput,
): Promise<PreparedItemReport> {
  const { options, data } = input;
  const events = options.events;
  const date = today(options);
  const reportFile = await issueReportFile(
    input.worktree,
    options.config.reports.dir,
    data.issue,
    date,
  );
  let sheet = await assembleFactSheet({
    repoRoot: options.repoRoot,
    worktree: input.worktree,
    itemId: input.itemId,
    ...(input.attempt !== undefined ? { attempt: input.attempt } : {}),
    data,
    plan: input.plan,
    config: options.config,
    progress: input.progress,
    diff: input.diff,
    state: input.state,
    secretFindings: [],
    excludePaths: [reportFile],
    now: (options.now ?? (() => new Date()))(),
    itemMs: Date.now() - input.progress.startedAt,
  });
  let reporterTokens = 0;
  const answer = await askReporter({
    client: options.client,
    config: options.config,
    repoRoot: options.repoRoot,
    sheet,
    diff: input.diff,
    ...(options.signal ? { signal: options.signal } : {}),
    onTokens: (tokens) => {
      reporterTokens += tokens;
    },
  });
  options.signal?.throwIfAborted();
  if (reporterTokens > 0) {
    input.progress.tokens += reporterTokens;
    await options.budget.spend({ tokens: reporterTokens, costUsd: 0 });
  }
  if (answer.asked) {
    sheet = await withFreshUsage(sheet, {
      repoRoot: options.repoRoot,
      progress: input.progress,
      itemMs: Date.now() - input.progress.startedAt,
    });
  }
  if (answer.note) {
    events?.emit({
      type: "warning-raised",
      message: `tech report of ${input.itemId}: ${answer.note}`,
    });
  }

  const body = renderTechReport(sheet, answer, {
    factsPath: path.join(itemFolder(input.itemId), FACT_SHEET_FILE),
  });
  if (!input.commit) return { sheet, answer };
  const fileText = renderReportFile(sheet, body, date);
  if (scanText(reportFile, fileText).length > 0) {
    events?.emit({
      type: "warning-raised",
      message: `the tech report of ${input.itemId} looks like it holds a secret; it was not committed`,
    });
    return { sheet, answer };
  }
  await writeFileAtomically(path.join(input.worktree, reportFile), fileText);
  await input.commit(`Tech report: ${reportFile}.`);
  const committed = existsSync(path.join(input.worktree, reportFile))
    ? await isTracked(input.worktree, reportFile)
    : false;
  return { sheet, answer, ...(committed ? { reportFile } : {}) };
}

export interface PublishItemReportInput {
  options: WorkOptions;
  prepared: PreparedItemReport;
  outcome: string;
  pushNote?: string;
  pullRequest: { number: number; url: string };
}

export interface PublishedItemReport {
  sheet: FactSheet;
  report: string;
  /** `.harness/runs/<item-id>/report.md` */
  reportPath: string;
  factsPath: string;
  posted: boolean;
  /** Follow-up issues filed (or found filed), by follow-up title. */
  followUps: Map<string, number>;
}

export async function publishItemReport(
  input: PublishItemReportInput,
): Promise<PublishedItemReport> {
  const { options, prepared } = input;
  const sheet: FactSheet = {
    ...prepared.sheet,
    state: { ...prepared.sheet.state, outcome: input.outcome },
    publication: {
      ...(input.pushNote ? { pushNote: input.pushNote } : {}),
      pullRequest: input.pullRequest,
      ...(prepared.reportFile ? { reportFile: prepared.reportFile } : {}),
    },
  };
  const followUps =
    options.config.reports.fileFollowUps && prepared.answer.prose
      ? await fileFollowUps({
          tracker: options.tracker,
          issue: sheet.item.issue,
          pullRequest: input.pullRequest.number,
          followUps: prepared.answer.prose.followUps.filter((followUp) => followUp.ownIssue),
          ...(options.events ? { events: options.events } : {}),
        })
      : new Map<string, number>();
  const factsPath = path.join(itemFolder(sheet.item.id), FACT_SHEET_FILE);
  const report = renderTechReport(sheet, prepared.answer, { filed: followUps, factsPath });
  const written = await writeItemReport(options.repoRoot, sheet, report);
  let posted = false;
  if (scanText("report.md", report).length === 0) {
    await options.tracker.upsertPullRequestComment(
      input.pullRequest.number,
      REPORT_COMMENT_MARKER,
      report,
    );
    posted = true;
  } else {
    options.events?.emit({
      type: "warning-raised",
      message: `the tech report of ${sheet.item.id} looks like it holds a secret; it was written to ${written.reportPath} but not posted`,
    });
  }
  return { sheet, report, ...written, posted, followUps };
}
