/**
 * How the work stage takes its next item from the shared queue, one worker at a time:
 *
 * 1. Caps first: the run and day budgets (`budget.blocked()`), then the open harness pull
 *    requests (label `HARNESS_PR_LABEL`, plus items in flight that will open a new one) against
 *    `work.maxOpenPullRequests`. At the cap only items whose branch already has an open pull
 *    request may proceed (they update it); when the queue holds none, nothing is claimed.
 * 2. Claim. The queue has no claim-by-id or claim-by-kind, so an item this stage must not work
 *    (another kind, such as a translation batch; a plan other than `--item`; a plan without an
 *    open PR while at the cap) is held and the claiming goes on; everything held is released
 *    untouched (the attempt does not count) as soon as this claim ends, which takes
 *    milliseconds, well inside a lease. Bounded by `MAX_SKIPPED_CLAIMS`.
 * 3. A plan item whose data is invalid fails for good; one whose `dependsOn` items are not all
 *    done goes back to pending and is delayed a minute, without counting as started.
 *
 * `--item` checks with `queue.get` first that the item exists and is pending, so a wrong id
 * fails fast instead of walking the queue.
 */
import { InputError } from "../errors.js";
import { nullSink } from "../events.js";
import type { Claim, QueueItem } from "../queue/types.js";
import { errorMessage } from "../queue/types.js";
import {
  HARNESS_PR_LABEL,
  planItemDataSchema,
  type PlanItemData,
  type WorkOptions,
} from "./pipeline-contract.js";
import { createTaskLock } from "./work-item.js";

/** Items held while looking for a workable one, at most; the rest waits for the next claim. */
export const MAX_SKIPPED_CLAIMS = 200;
/** How long an item whose dependencies are not done waits before it is claimable again. */
export const DEPENDENCY_DELAY_MS = 60_000;

export type ClaimDecision =
  | {
      kind: "work";
      claim: Claim;
      data: PlanItemData;
      /** False when the branch already has an open PR that this item updates. */
      opensNewPullRequest: boolean;
    }
  /** Nothing ready now (or `--item` was not workable). */
  | { kind: "idle" }
  /** A cap or budget stops new work; `reason` is for `stoppedBy`. */
  | { kind: "stop"; reason: string };

export interface WorkClaimer {
  next(): Promise<ClaimDecision>;
  /** An item that opened a new PR is finished (its PR now shows in the tracker's list). */
  finished(branch: string): void;
}

export function isPlanItem(item: QueueItem): boolean {
  return item.data["kind"] === "issue-plan";
}

/** The plan data, or the reason it is unusable. */
export function readPlanData(item: QueueItem): { data: PlanItemData } | { problem: string } {
  const checked = planItemDataSchema.safeParse(item.data);
  if (checked.success) return { data: checked.data };
  const problems = checked.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "data"}: ${issue.message}`)
    .join("; ");
  return {
    problem: `queue item ${item.id} is not a valid issue plan (${problems}); fix its data or enqueue it again with harness plan`,
  };
}

export function createWorkClaimer(
  options: WorkOptions & { worker: string; leaseMs: number },
): WorkClaimer {
  const { queue, tracker, budget, config } = options;
  const events = options.events ?? nullSink;
  /** Branches in flight that will open a new PR (not yet in the tracker's list). */
  const newBranches = new Map<string, number>();
  const serial = createTaskLock();
  let itemChecked = false;

  async function checkRequestedItem(id: string): Promise<void> {
    const item = await queue.get(id);
    if (!item) {
      throw new InputError(`no queue item ${id}`, { hint: "list them with harness queue ls" });
    }
    if (item.state !== "pending") {
      throw new InputError(`queue item ${id} is ${item.state}, not pending`, {
        hint:
          item.state === "running"
            ? "another worker has it; wait for it to finish"
            : `run harness queue retry ${id} to work it again`,
      });
    }
    if (!isPlanItem(item)) {
      throw new InputError(
        `queue item ${id} is not an issue plan (kind ${String(item.data["kind"])})`,
      );
    }
    // Queue timestamps are the queue's (wall) clock, not the stage's `now`.
    if (item.notBefore && Date.parse(item.notBefore) > Date.now()) {
      throw new InputError(`queue item ${id} is delayed until ${item.notBefore}`, {
        hint: "it waits for the items it depends on, or for its retry backoff",
      });
    }
  }

  /** Undefined when every dependency is done; else why the item waits (or fails). */
  async function dependencyProblem(
    data: PlanItemData,
  ): Promise<{ wait: string } | { fail: string } | undefined> {
    for (const id of data.dependsOn) {
      const dependency = await queue.get(id);
      if (!dependency) return { fail: `it depends on ${id}, which is not in the queue` };
      if (dependency.state !== "done") return { wait: `${id} is ${dependency.state}` };
    }
    return undefined;
  }

  async function releaseQuietly(claim: Claim): Promise<void> {
    try {
      await queue.release(claim);
    } catch (error) {
      events.emit({
        type: "warning-raised",
        message: `could not give back queue item ${claim.item.id}: ${errorMessage(error)}`,
      });
    }
  }

  async function openPullRequestCap(): Promise<{
    heads: Set<string>;
    reached: string | undefined;
  }> {
    const open = await tracker.listOpenPullRequests({ label: HARNESS_PR_LABEL });
    const heads = new Set(open.map((pull) => pull.head));
    const inFlight = [...newBranches.keys()].filter((branch) => !heads.has(branch)).length;
    const max = config.work.maxOpenPullRequests;
    const count = open.length + inFlight;
    return {
      heads,
      reached:
        count >= max
          ? `open pull request cap reached (${open.length} open${inFlight > 0 ? ` + ${inFlight} in progress` : ""}, work.maxOpenPullRequests ${max})`
          : undefined,
    };
  }

  /** At the cap: whether any pending plan item updates an open PR (else nothing is claimed). */
  async function anyPendingUpdates(heads: Set<string>): Promise<boolean> {
    // An item whose worker died is still "running" until recovered; claiming would recover it.
    await queue.recoverExpired();
    const { items } = await queue.list({ state: "pending" });
    // Delayed ones count too: the claims below simply do not get them yet.
    return items.some(
      (item) =>
        isPlanItem(item) &&
        typeof item.data["branch"] === "string" &&
        heads.has(item.data["branch"]) &&
        (options.itemId === undefined || item.id === options.itemId),
    );
  }

  let stopped: ClaimDecision | undefined;
  /** Said once: the other workers asking after it get the same answer silently. */
  function stop(reason: string): ClaimDecision {
    events.emit({ type: "budget-reached", reason });
    stopped = { kind: "stop", reason };
    return stopped;
  }

  async function next(): Promise<ClaimDecision> {
    if (stopped) return stopped;
    if (options.itemId !== undefined && !itemChecked) {
      itemChecked = true;
      await checkRequestedItem(options.itemId);
    }
    const blocked = await budget.blocked();
    if (blocked) return stop(blocked);
    const cap = await openPullRequestCap();
    if (cap.reached && !(await anyPendingUpdates(cap.heads))) return stop(cap.reached);

    const held: Claim[] = [];
    try {
      for (let count = 0; count < MAX_SKIPPED_CLAIMS; count++) {
        options.signal?.throwIfAborted();
        const claim = await queue.claim({ worker: options.worker, leaseMs: options.leaseMs });
        if (!claim) return { kind: "idle" };
        const item = claim.item;
        if (!isPlanItem(item) || (options.itemId !== undefined && item.id !== options.itemId)) {
          held.push(claim);
          continue;
        }
        const read = readPlanData(item);
        if ("problem" in read) {
          await queue.fail(claim, read.problem, { retry: false });
          events.emit({ type: "warning-raised", message: read.problem });
          if (options.itemId !== undefined) return { kind: "idle" };
          continue;
        }
        const { data } = read;
        if (cap.reached && !cap.heads.has(data.branch)) {
          held.push(claim);
          continue;
        }
        const dependencies = await dependencyProblem(data);
        if (dependencies && "fail" in dependencies) {
          const message = `queue item ${item.id} cannot be worked: ${dependencies.fail}`;
          await queue.fail(claim, message, { retry: false });
          events.emit({ type: "warning-raised", message });
          if (options.itemId !== undefined) return { kind: "idle" };
          continue;
        }
        if (dependencies) {
          await queue.release(claim);
          await queue.delay(item.id, DEPENDENCY_DELAY_MS);
          events.emit({
            type: "warning-raised",
            message: `queue item ${item.id} waits for its dependencies (${dependencies.wait}); delayed ${DEPENDENCY_DELAY_MS / 1000} s`,
          });
          if (options.itemId !== undefined) return { kind: "idle" };
          continue;
        }
        const opensNewPullRequest = !cap.heads.has(data.branch);
        if (opensNewPullRequest)
          newBranches.set(data.branch, (newBranches.get(data.branch) ?? 0) + 1);
        return { kind: "work", claim, data, opensNewPullRequest };
      }
      events.emit({
        type: "warning-raised",
        message: `passed over ${MAX_SKIPPED_CLAIMS} queue items that this stage does not work; the rest waits for the next run`,
      });
      return { kind: "idle" };
    } finally {
      for (const claim of held) await releaseQuietly(claim);
    }
  }

  return {
    next: () => serial(next),
    finished(branch) {
      const left = (newBranches.get(branch) ?? 0) - 1;
      if (left > 0) newBranches.set(branch, left);
      else newBranches.delete(branch);
    },
  };
}
