/**
 * Stage 2 of the issue pipeline: plan. Every issue triage judged valid (or the one asked for)
 * whose author is trusted gets a ground plan from one model call, written into the work queue as
 * `issue-<n>` (or the parts `issue-<n>-part-<k>` of an epic), mirrored on the issue by one plan
 * comment and the `harness:planned` label.
 *
 * Safety: the issue text reaches the model only inside an untrusted-data block (plan-prompt.ts);
 * the comment never echoes it, and the comment and every plan body are secret-scanned before
 * anything is written. An issue edited since its verdict waits for triage to judge the new text.
 *
 * Idempotent: the queue is the record. An issue whose items exist with the hash of its current
 * title and body is left alone (no model call, no write). An edited issue whose items are all
 * still pending (or failed) is planned again in their place; once work has started it is left
 * as it is. Side effects run in an order a crash can resume from: old items dropped, comment
 * and label set, items enqueued last, so an interrupted issue is simply planned again.
 *
 * Issues are planned one at a time, lowest number first, each after asking the budget.
 */
import { InputError, ModelRequestError } from "../errors.js";
import { nullSink, type EventSink } from "../events.js";
import { git, runGitCommand } from "../git/git-command.js";
import { workBranchName } from "../git/branch-names.js";
import type { QueueItem } from "../queue/types.js";
import { scanText } from "../safety/secret-scan.js";
import type { TrackedIssue } from "../tracker/types.js";
import {
  PLAN_COMMENT_MARKER,
  PLAN_TASK,
  issueProgressLabels,
  planItemDataSchema,
  planItemId,
  type PlanItemData,
  type PlanOptions,
  type PlanStage,
  type PlanSummary,
  type PlannedIssue,
} from "./pipeline-contract.js";
import { renderEpicComment, renderPlanBody, renderPlanComment } from "./plan-document.js";
import { keepRepositoryFiles, splitPlan } from "./plan-parts.js";
import { PLAN_SYSTEM_PROMPT, buildPlanUserMessage, readProjectNotes } from "./plan-prompt.js";
import {
  planAnswerSchema,
  planResponseSchema,
  shortenTitle,
  type PlanAnswer,
} from "./plan-schema.js";
import { askForStructuredAnswer } from "./structured-answer.js";
import { isTrustedIssue } from "./triage-comment.js";
import {
  gatherTriageContext,
  indexOpenWork,
  readRepositorySnapshot,
  type RepositorySnapshot,
} from "./triage-context.js";
import { hashIssueText, type TriageState } from "./triage-state.js";

/** The progress label a planned issue carries. */
export const PLANNED_LABEL = "harness:planned";

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Failures that belong to one issue; anything else (auth, network, a bug) stops the stage. */
function isIssueFailure(error: unknown): boolean {
  return error instanceof ModelRequestError || error instanceof InputError;
}

interface Shared {
  snapshot: () => Promise<RepositorySnapshot>;
  notes: () => Promise<string>;
  baseCommit: () => Promise<string>;
  events: EventSink;
}

/** The commit of the default branch, or of HEAD when that branch does not exist here. */
async function resolveBaseCommit(options: PlanOptions): Promise<string> {
  const branch = options.config.project.defaultBranch;
  const found = await runGitCommand(options.repoRoot, [
    "rev-parse",
    "--verify",
    "--quiet",
    `refs/heads/${branch}^{commit}`,
  ]);
  if (found.exitCode === 0 && found.stdout.trim() !== "") return found.stdout.trim();
  return (await git(options.repoRoot, ["rev-parse", "--verify", "HEAD^{commit}"])).trim();
}

/** Valid issues by number: all of them, or the one asked for (which must be valid). */
function selectCandidates(options: PlanOptions, state: TriageState): number[] {
  if (options.issue !== undefined) {
    const record = state.issues[String(options.issue)];
    if (!record) {
      throw new InputError(
        `issue #${options.issue} was never triaged; only valid issues are planned`,
        {
          hint: `run harness triage --issue ${options.issue} first`,
        },
      );
    }
    if (record.verdict !== "valid") {
      throw new InputError(
        `issue #${options.issue} has the triage verdict ${record.verdict}; only valid issues are planned`,
        { hint: "edit the issue and triage it again, or pick a valid one" },
      );
    }
    return [options.issue];
  }
  return Object.entries(state.issues)
    .filter(([, record]) => record.verdict === "valid")
    .map(([number]) => Number(number))
    .sort((a, b) => a - b);
}

/** The open issue, or undefined when it is closed or gone (an error when it was asked for). */
async function readOpenIssue(
  options: PlanOptions,
  number: number,
): Promise<TrackedIssue | undefined> {
  let issue: TrackedIssue;
  try {
    issue = await options.tracker.getIssue(number);
  } catch (error) {
    // Deleted, transferred or turned into a pull request: nothing to plan.
    if (options.issue === undefined && error instanceof InputError) return undefined;
    throw error;
  }
  if (issue.state === "open") return issue;
  if (options.issue !== undefined) {
    throw new InputError(`issue #${number} is closed; only open issues are planned`);
  }
  return undefined;
}

interface ExistingPlan {
  items: QueueItem[];
  /** Every part the items announce is there (a crash can leave an epic half enqueued). */
  complete: boolean;
  /** The issue hash every item shares, or undefined when they disagree or cannot be read. */
  issueHash: string | undefined;
}

function readPlanData(item: QueueItem): PlanItemData | undefined {
  const checked = planItemDataSchema.safeParse(item.data);
  return checked.success ? checked.data : undefined;
}

async function findExistingPlan(options: PlanOptions, issue: number): Promise<ExistingPlan> {
  const { queue } = options;
  const whole = await queue.get(planItemId(issue));
  const first = await queue.get(planItemId(issue, 1));
  const items = [whole, first].filter((item): item is QueueItem => item !== undefined);
  let complete = items.length === 1;
  if (first) {
    const parts = readPlanData(first)?.epic?.parts ?? 1;
    for (let part = 2; part <= parts; part++) {
      const item = await queue.get(planItemId(issue, part));
      if (item) items.push(item);
      else complete = false;
    }
  }
  const hashes = new Set(items.map((item) => readPlanData(item)?.issueHash));
  const [only] = hashes;
  return { items, complete, issueHash: hashes.size === 1 ? only : undefined };
}

interface ItemToWrite {
  id: string;
  title: string;
  body: string;
  data: PlanItemData;
}

function assertNoSecret(name: string, text: string): void {
  const findings = scanText(name, text);
  if (findings.length === 0) return;
  const rules = [...new Set(findings.map((finding) => finding.rule))].join(", ");
  throw new ModelRequestError(
    `the plan's ${name} looks like it holds a secret (${rules}); nothing was written`,
  );
}

/** One model call, the plan checked and rendered, then the writes (see the module comment). */
async function planOne(
  options: PlanOptions,
  issue: TrackedIssue,
  issueHash: string,
  replace: readonly QueueItem[],
  shared: Shared,
): Promise<PlannedIssue> {
  const { config } = options;
  const snapshot = await shared.snapshot();
  const context = await gatherTriageContext({
    root: options.repoRoot,
    issue,
    snapshot,
    // Similar issues and open pull requests help a verdict, not a plan.
    openWork: indexOpenWork([], []),
  });
  const userMessage = buildPlanUserMessage(issue, {
    notes: await shared.notes(),
    trackedFiles: snapshot.files,
    context,
  });
  let tokens = 0;
  let raw: PlanAnswer;
  try {
    raw = await askForStructuredAnswer({
      client: options.client,
      config,
      task: PLAN_TASK,
      system: PLAN_SYSTEM_PROMPT,
      userMessage,
      responseSchema: planResponseSchema,
      schema: planAnswerSchema,
      sessionId: `plan-${issue.number}`,
      ...(options.signal ? { signal: options.signal } : {}),
      what: "ground plan",
      hint: "try a stronger model for planning (models.tasks.plan) or raise models.thinking.plan",
      onTokens: (count) => {
        tokens += count;
      },
    });
  } finally {
    if (tokens > 0) await options.budget.spend({ tokens, costUsd: 0 });
  }
  const kept = keepRepositoryFiles(raw, new Set(snapshot.files));
  if (kept.dropped.length > 0) {
    const list = kept.dropped.map((drop) => `${drop.path} (${drop.reason})`).join(", ");
    shared.events.emit({
      type: "warning-raised",
      message: `the plan for #${issue.number} named files that were left out: ${list}`,
    });
  }
  if (kept.answer.files.length === 0) {
    throw new ModelRequestError(
      `the plan for #${issue.number} names no file of the repository; nothing was written`,
      { hint: "try a stronger model for planning (models.tasks.plan)" },
    );
  }
  const answer = { ...kept.answer, title: shortenTitle(kept.answer.title) };
  const branch = workBranchName(issue.number, issue.title);
  const baseCommit = await shared.baseCommit();
  const parts = splitPlan(answer, config.plan.splitAboveFiles);
  const epic = parts.length > 1;
  const items: ItemToWrite[] = parts.map((part) => {
    const id = epic ? planItemId(issue.number, part.part) : planItemId(issue.number);
    const title = epic ? `${answer.title} (part ${part.part}/${part.parts})` : answer.title;
    const checked = planItemDataSchema.safeParse({
      kind: "issue-plan",
      issue: issue.number,
      issueTitle: issue.title,
      branch,
      baseCommit,
      issueHash,
      files: part.files.map((file) => file.path),
      tests: [...new Set(part.tests.map((test) => test.file))],
      size: answer.size,
      ...(epic ? { epic: { part: part.part, parts: part.parts } } : {}),
      dependsOn: part.part > 1 ? [planItemId(issue.number, part.part - 1)] : [],
    });
    if (!checked.success) {
      throw new ModelRequestError(`the plan data of ${id} is invalid: ${checked.error.message}`);
    }
    const body = renderPlanBody({
      issue: issue.number,
      title,
      answer,
      part,
      allParts: parts,
      branch,
      testCommand: config.project.testCommand,
    });
    return { id, title, body, data: checked.data };
  });
  const comment = epic
    ? renderEpicComment({ issue, answer, parts, branch })
    : renderPlanComment({ issue, answer, itemId: items[0]!.id, branch });
  for (const item of items) assertNoSecret(`${item.id}.md`, `${item.title}\n${item.body}`);
  assertNoSecret("plan-comment.md", comment);

  // Items of an earlier plan under the new ids (its first item gone, say) are replaced too,
  // unless a worker has them: checked before anything is written.
  const stale = new Set(replace.map((item) => item.id));
  for (const item of items) {
    const leftover = await options.queue.get(item.id);
    if (!leftover || stale.has(item.id)) continue;
    if (leftover.state === "running" || leftover.state === "done") {
      throw new InputError(
        `queue item ${item.id} of an earlier plan is ${leftover.state}; nothing was written`,
        { hint: `let it finish, or cancel it (harness queue cancel ${item.id}) and plan again` },
      );
    }
    stale.add(item.id);
  }

  for (const id of stale) await options.queue.drop(id);
  await options.tracker.upsertComment(issue.number, PLAN_COMMENT_MARKER, comment);
  await options.tracker.setLabel(issue.number, PLANNED_LABEL, {
    exclusiveGroup: issueProgressLabels,
    color: "1d76db",
    description: "harness: a ground plan is in the work queue",
  });
  let created = false;
  for (const item of items) created = (await options.queue.enqueue(item)).created || created;
  return { issue: issue.number, items: items.map((item) => item.id), created, epic };
}

function describeSummary(summary: PlanSummary): string {
  const parts = [
    `${summary.planned.length} planned`,
    `${summary.alreadyPlanned.length} already planned`,
    ...(summary.untrusted.length > 0 ? [`${summary.untrusted.length} untrusted`] : []),
    ...(summary.deferred.length > 0 ? [`${summary.deferred.length} deferred`] : []),
    ...(summary.failures.length > 0 ? [`${summary.failures.length} failed`] : []),
  ];
  return parts.join(", ") + (summary.stoppedBy ? ` (stopped: ${summary.stoppedBy})` : "");
}

export const planIssues: PlanStage = async (options) => {
  const events = options.events ?? nullSink;
  const now = options.now ?? (() => new Date());
  const startedAt = now().getTime();
  events.emit({ type: "stage-started", stage: "plan" });
  const summary: PlanSummary = {
    planned: [],
    untrusted: [],
    alreadyPlanned: [],
    deferred: [],
    failures: [],
  };
  const shared: Shared = {
    snapshot: once(() => readRepositorySnapshot(options.repoRoot)),
    notes: once(() => readProjectNotes(options.repoRoot)),
    baseCommit: once(() => resolveBaseCommit(options)),
    events,
  };
  const stop = (reason: string) => {
    summary.stoppedBy = reason;
    events.emit({ type: "budget-reached", reason });
  };
  try {
    const state = await options.triageState.load();
    let attempted = 0;
    for (const number of selectCandidates(options, state)) {
      options.signal?.throwIfAborted();
      // Outside the per-issue catch: when one issue was asked for, these stop the stage.
      const issue = await readOpenIssue(options, number);
      if (!issue) continue;
      const issueHash = hashIssueText(issue.title, issue.body);
      if (state.issues[String(number)]?.hash !== issueHash) {
        if (options.issue !== undefined) {
          throw new InputError(`issue #${number} changed since it was triaged`, {
            hint: `run harness triage --issue ${number} first`,
          });
        }
        events.emit({
          type: "warning-raised",
          message: `#${number} changed since it was triaged; it is planned once triage has judged the new text`,
        });
        continue;
      }
      try {
        if (!isTrustedIssue(issue, options.config.trust)) {
          summary.untrusted.push(number);
          continue;
        }
        const existing = await findExistingPlan(options, number);
        if (existing.items.length > 0) {
          const started = existing.items.some(
            (item) => item.state === "running" || item.state === "done",
          );
          if (started || (existing.complete && existing.issueHash === issueHash)) {
            if (existing.issueHash !== issueHash) {
              events.emit({
                type: "warning-raised",
                message: `#${number} changed since it was planned, but work on it has started; its plan is left as it is`,
              });
            }
            summary.alreadyPlanned.push(number);
            continue;
          }
        }
        if (summary.stoppedBy === undefined) {
          const maxIssues = options.config.schedule.maxIssuesPerRun;
          if (attempted >= maxIssues) {
            stop(`per-run issue cap reached (schedule.maxIssuesPerRun: ${maxIssues})`);
          } else {
            const reason = await options.budget.blocked();
            if (reason !== undefined) stop(reason);
          }
        }
        if (summary.stoppedBy !== undefined) {
          summary.deferred.push(number);
          continue;
        }
        attempted++;
        const planned = await planOne(options, issue, issueHash, existing.items, shared);
        summary.planned.push(planned);
        events.emit({ type: "issue-planned", ...planned });
      } catch (error) {
        if (!isIssueFailure(error)) throw error;
        summary.failures.push({ issue: number, error: errorMessage(error) });
        events.emit({
          type: "warning-raised",
          message: `planning #${number} failed: ${errorMessage(error)}`,
        });
      }
    }
  } catch (error) {
    events.emit({
      type: "stage-finished",
      stage: "plan",
      summary: `stopped by an error: ${errorMessage(error)}`,
      ms: now().getTime() - startedAt,
    });
    throw error;
  }
  events.emit({
    type: "stage-finished",
    stage: "plan",
    summary: describeSummary(summary),
    ms: now().getTime() - startedAt,
  });
  return summary;
};
