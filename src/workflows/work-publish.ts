/**
 * The last steps of a work item, once the branch is committed and its diff is clean: render and
 * secret-scan the PR body, push, open or update the one pull request of the issue's branch,
 * write and post the tech report, label the issue `harness:pr-open`, and merge when everything
 * allows it (work-merge.ts). Each is an upsert, so a rerun updates instead of duplicating.
 *
 * Drafts: a PR is opened as a draft when no test command ran, when the reviewer still had
 * blocking findings after the last round (outcome `review-blocked`: the findings are in the
 * body, for a person to weigh), and for every part of an epic but the last. `draft` only
 * applies when the PR is created; the tracker never flips an existing PR's draft state.
 */
import type { WorkStep } from "../events.js";
import { InputError } from "../errors.js";
import type { WorktreeDiff } from "../git/worktrees.js";
import { scanText, type SecretFinding } from "../safety/secret-scan.js";
import { prepareItemReport, publishItemReport } from "../reports/item-report.js";
import {
  HARNESS_PR_LABEL,
  issueProgressLabels,
  type PlanItemData,
  type WorkOptions,
  type WorkOutcome,
} from "./pipeline-contract.js";
import { mergeBlockers } from "./work-merge.js";
import { pushBranch } from "./work-push.js";
import {
  closesIssue,
  pullRequestTitle,
  renderPullRequestBody,
  type WorkProgress,
} from "./work-pull-request.js";

export interface PublishInput {
  options: WorkOptions;
  itemId: string;
  data: PlanItemData;
  plan: string;
  progress: WorkProgress;
  worktree: string;
  diff: WorktreeDiff;
  testsRan: boolean;
  approved: boolean;
  reviewBlocked: boolean;
  step: (step: WorkStep, detail?: string) => void;
  /**
   * Commits what is in the worktree as harness's commit of the item; the tech report is
   * committed on the branch with it before the push. Without it (the attempt committed nothing
   * new) the report stays off the branch, in the PR comment and `.harness/` only.
   */
  commit?: (why: string) => Promise<string | undefined>;
  attempt?: number;
}

export type Published =
  | {
      outcome: WorkOutcome;
      pullRequest: { number: number; url: string };
      reportPath: string;
      merged: boolean;
      /** The tech report's path on the branch, when it was committed there. */
      reportFile?: string;
    }
  /** The PR's title or body would carry a secret: nothing was pushed or posted. */
  | { secrets: SecretFinding[] };

export async function publishWork(input: PublishInput): Promise<Published> {
  const { options, data, progress } = input;
  const { config, tracker } = options;
  const events = options.events;
  const testCommand = config.project.testCommand.trim();
  const draft = !input.testsRan || input.reviewBlocked || !closesIssue(data);
  const title = pullRequestTitle(data, input.plan);
  const bodyInput = {
    itemId: input.itemId,
    data,
    plan: input.plan,
    testCommand,
    progress,
    reviewRounds: config.work.reviewRounds,
    reviewBlocked: input.reviewBlocked,
  };
  const body = renderPullRequestBody(bodyInput);
  const secrets = [...scanText("pull-request-title", title), ...scanText("pull-request.md", body)];
  if (secrets.length > 0) return { secrets };

  const reasons = [
    ...(!input.testsRan ? ["no test command ran"] : []),
    ...(input.reviewBlocked ? ["the reviewer still had blocking findings"] : []),
  ];
  const prepared = await prepareItemReport({
    options,
    itemId: input.itemId,
    ...(input.attempt !== undefined ? { attempt: input.attempt } : {}),
    data,
    plan: input.plan,
    progress,
    worktree: input.worktree,
    diff: input.diff,
    state: {
      kind: !closesIssue(data) ? "part" : draft ? "draft" : "ready",
      reasons,
    },
    ...(input.commit ? { commit: input.commit } : {}),
  });

  const push = await pushBranch({
    worktree: input.worktree,
    remote: config.work.remote,
    branch: data.branch,
  });
  const pushNote = push.pushed ? `pushed to ${push.remote}` : push.note;
  input.step("push", pushNote);

  input.step("pull-request");
  const pull = await tracker.upsertPullRequest({
    head: data.branch,
    base: config.project.defaultBranch,
    title,
    body,
    labels: [HARNESS_PR_LABEL],
    draft,
  });
  const outcome: WorkOutcome = !closesIssue(data)
    ? "part-done"
    : input.reviewBlocked
      ? "review-blocked"
      : pull.action === "created"
        ? "pr-opened"
        : "pr-updated";

  const report = await publishItemReport({
    options,
    prepared,
    outcome,
    ...(pushNote ? { pushNote } : {}),
    pullRequest: { number: pull.number, url: pull.url },
  });
  const reportPath = report.reportPath;
  await tracker.setLabel(data.issue, "harness:pr-open", { exclusiveGroup: issueProgressLabels });

  let merged = false;
  if (config.work.merge) {
    const blockers = mergeBlockers(config, {
      testsRan: input.testsRan,
      testsPassed: progress.testRuns.at(-1)?.passed ?? false,
      reviewApproved: input.approved,
      draft,
      changedPaths: input.diff.files.map((file) => file.path),
    });
    input.step("merge", blockers.length > 0 ? `not merged: ${blockers.join("; ")}` : "merging");
    if (blockers.length === 0) {
      try {
        // "unchanged": a person (or an earlier attempt) merged it already.
        await tracker.mergePullRequest(pull.number, { method: "squash" });
        merged = true;
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        events?.emit({
          type: "warning-raised",
          message: `pull request #${pull.number} was left open: ${error.message}`,
        });
      }
    }
  }
  return {
    outcome,
    pullRequest: { number: pull.number, url: pull.url },
    reportPath,
    merged,
    ...(prepared.reportFile ? { reportFile: prepared.reportFile } : {}),
  };
}
