/**
 * Stage 3 of the issue pipeline: work. Workers take ground plans from the queue and turn each
 * into one pushed branch and one pull request (work-item.ts has the steps), up to `concurrency`
 * at once (default `work.maxConcurrent`).
 *
 * - Caps and claiming are in work-claims.ts: budgets and the open-PR cap are asked before each
 *   claim; items of other kinds are passed over untouched; dependencies delay an item.
 * - Without `untilIdle` each worker takes at most one item (one round of `concurrency` items);
 *   with it, workers keep taking items until the queue has none ready or a cap stops them.
 *   `itemId` works that one item only.
 * - While an item is worked its lease is renewed (work-lease.ts); a lost lease stops the work
 *   and records nothing (another worker has the item). Cancelling (the signal) gives the items
 *   in hand back to the queue untouched.
 * - The queue hears how each item ended: complete (a PR, or a closed issue), fail without retry
 *   (tests that keep failing, a secret, an untrusted author, invalid data, a refused push), or
 *   fail with retry (a tracker 5xx after its own retries, a runner crash) within
 *   `queue.maxAttempts`.
 * - An auth or network error (a refused or under-privileged token, a rate limit, GitHub or the
 *   router out of reach) is not the item's fault and the next item would hit the same wall: the
 *   item goes back to the queue untouched (the attempt does not count), no worker takes another
 *   item, and the stage throws that error once the items in hand are settled, so the cycle
 *   stops with the queue as it was.
 */
import os from "node:os";

import type { AgentDefinition } from "../agents/types.js";
import { AuthError, InputError, NetworkError } from "../errors.js";
import { nullSink } from "../events.js";
import { LeaseLostError } from "../queue/errors.js";
import { errorMessage, type Claim } from "../queue/types.js";
import { recordWorkedItem } from "../reports/progress-log.js";
import type { WorkOptions, WorkStage, WorkSummary, WorkedItem } from "./pipeline-contract.js";
import { createWorkClaimer, type WorkClaimer } from "./work-claims.js";
import {
  createTaskLock,
  isPermanentError,
  workOneItem,
  workedItem,
  type ItemEnding,
} from "./work-item.js";
import { keepLease } from "./work-lease.js";
import { loadImplementer } from "./work-prompt.js";
import { closesIssue, emptyProgress } from "./work-pull-request.js";

export const workItems: WorkStage = async (options) => {
  const concurrency = options.itemId
    ? 1
    : (options.concurrency ?? options.config.work.maxConcurrent);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InputError(`concurrency must be a whole number from 1, not ${concurrency}`);
  }
  // Loaded before anything is claimed: a broken agent file fails the stage, not every item.
  const implementer = await loadImplementer(options.repoRoot);
  const leaseMs = options.config.queue.leaseMs;
  const workerName = `${os.hostname()}:${process.pid}:work`;
  const claimer = createWorkClaimer({ ...options, worker: workerName, leaseMs });
  const summary: WorkSummary = { items: [] };
  const worktreeLock = createTaskLock();
  const halt: StageHalt = {};

  const worker = async () => {
    let taken = 0;
    while (!options.signal?.aborted && summary.stoppedBy === undefined && !halt.error) {
      if (taken > 0 && (!options.untilIdle || options.itemId !== undefined)) return;
      const next = await claimer.next();
      if (next.kind === "idle") return;
      if (next.kind === "stop") {
        summary.stoppedBy ??= next.reason;
        return;
      }
      taken++;
      const worked = await workClaimed(options, {
        implementer,
        claim: next.claim,
        data: next.data,
        leaseMs,
        claimer,
        opensNewPullRequest: next.opensNewPullRequest,
        worktreeLock,
        halt,
      });
      summary.items.push(worked);
    }
  };
  // Settled, not Promise.all: a worker that throws (the tracker refusing the claim checks) must
  // not leave the others working on after the stage has returned.
  const ended = await Promise.allSettled(Array.from({ length: concurrency }, () => worker()));
  const crashed = ended.find((result) => result.status === "rejected");
  if (crashed) throw crashed.reason;
  if (halt.error) throw halt.error;
  return summary;
};

/** The error that stops the stage (see the module comment); set by the first item to meet one. */
interface StageHalt {
  error?: AuthError | NetworkError;
}

function haltsTheStage(error: unknown): error is AuthError | NetworkError {
  return error instanceof AuthError || error instanceof NetworkError;
}

interface ClaimedWork {
  implementer: AgentDefinition;
  claim: Claim;
  data: Parameters<typeof workOneItem>[0]["data"];
  leaseMs: number;
  claimer: WorkClaimer;
  opensNewPullRequest: boolean;
  worktreeLock: ReturnType<typeof createTaskLock>;
  halt: StageHalt;
}

/** Works one claimed item and tells the queue how it ended. */
async function workClaimed(options: WorkOptions, work: ClaimedWork): Promise<WorkedItem> {
  const events = options.events ?? nullSink;
  const { claim, data } = work;
  const id = claim.item.id;
  const started = performance.now();
  const progress = emptyProgress(Date.now());
  const lease = keepLease(options.queue, claim, { leaseMs: work.leaseMs, parent: options.signal });
  let worked: WorkedItem;
  try {
    let ending: ItemEnding | { kind: "release"; error: string };
    try {
      await options.budget.startItem();
      events.emit({
        type: "work-started",
        id,
        issue: data.issue,
        branch: data.branch,
        attempt: claim.attempt,
      });
      ending = await workOneItem({
        options,
        implementer: work.implementer,
        claim,
        data,
        signal: lease.signal,
        progress,
        worktreeLock: work.worktreeLock,
      });
    } catch (error) {
      if (haltsTheStage(error)) {
        work.halt.error ??= error;
        ending = { kind: "release", error: errorMessage(error) };
      } else {
        ending = { kind: "fail", ...failureOf(error, id, data, progress) };
      }
    }
    await lease.stop();
    worked = await settle(options, lease, ending, id, data, progress);
  } finally {
    await lease.stop();
    if (work.opensNewPullRequest) work.claimer.finished(data.branch);
  }
  await recordProgress(options, worked, data);
  events.emit({
    type: "work-finished",
    id,
    outcome: worked.outcome,
    ms: Math.round(performance.now() - started),
    ...(worked.error ? { detail: worked.error } : {}),
  });
  return worked;
}

/** PROGRESS.md and PLAN.md in this checkout (`reports.progress`); a failure is a warning. */
async function recordProgress(
  options: WorkOptions,
  worked: WorkedItem,
  data: ClaimedWork["data"],
): Promise<void> {
  if (!options.config.reports.progress) return;
  try {
    await recordWorkedItem(options.repoRoot, worked, {
      date: (options.now ?? (() => new Date()))().toISOString().slice(0, 10),
      testCommand: options.config.project.testCommand.trim(),
      closesIssue: closesIssue(data),
    });
  } catch (error) {
    (options.events ?? nullSink).emit({
      type: "warning-raised",
      message: `could not record ${worked.id} in PROGRESS.md/PLAN.md: ${errorMessage(error)}`,
    });
  }
}

function failureOf(
  error: unknown,
  id: string,
  data: ClaimedWork["data"],
  progress: ReturnType<typeof emptyProgress>,
): { worked: WorkedItem; retry: boolean; error: string } {
  const message = errorMessage(error);
  return {
    worked: workedItem(id, data, progress, "failed", { error: message }),
    retry: !isPermanentError(error),
    error: message,
  };
}

/** Completes, fails or releases the item in the queue; a lost lease records nothing. */
async function settle(
  options: WorkOptions,
  lease: ReturnType<typeof keepLease>,
  ending: ItemEnding | { kind: "release"; error: string },
  id: string,
  data: ClaimedWork["data"],
  progress: ReturnType<typeof emptyProgress>,
): Promise<WorkedItem> {
  const lost = lease.lost();
  if (lost) {
    return workedItem(id, data, progress, "released", { error: lost.message });
  }
  const claim = lease.current();
  try {
    if (options.signal?.aborted) {
      await options.queue.release(claim);
      return workedItem(id, data, progress, "released", {
        error: "cancelled; the item went back to the queue untouched",
      });
    }
    if (ending.kind === "release") {
      await options.queue.release(claim);
      return workedItem(id, data, progress, "released", {
        error: `${ending.error}; the item went back to the queue untouched`,
      });
    }
    if (ending.kind === "complete") {
      await options.queue.complete(claim, ending.worked);
      return ending.worked;
    }
    await options.queue.fail(claim, ending.error, { retry: ending.retry });
    return ending.worked;
  } catch (error) {
    if (error instanceof LeaseLostError) {
      return workedItem(id, data, progress, "released", { error: error.message });
    }
    // The queue could not be told (unreachable): the lease runs out and the item comes back.
    const message = `could not record how queue item ${id} ended: ${errorMessage(error)}`;
    (options.events ?? nullSink).emit({ type: "warning-raised", message });
    const worked =
      ending.kind === "release"
        ? workedItem(id, data, progress, "released", { error: ending.error })
        : ending.worked;
    return { ...worked, error: worked.error ? `${worked.error}; ${message}` : message };
  }
}
