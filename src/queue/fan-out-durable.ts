/**
 * Durable fan-out: each batch is an item of a queue dedicated to one job, so a run that crashes
 * (or is stopped) can be started again and only the batches that are not done run. Several
 * processes may run the same job against one queue (Redis): each claims what is left and each
 * returns the whole result once every batch is done or failed.
 *
 * The queue's own attempts and backoff apply (not the engine's `retries`). A batch item's data
 * is `{ jobId, index, offset, count }`; its result is the batch's per-item outcomes.
 */
import { hostname } from "node:os";
import { InputError } from "../errors.js";
import { LeaseLostError } from "./errors.js";
import {
  describeError,
  type BatchPlan,
  type BatchRecord,
  type BatchScheduler,
  type BatchSettlement,
  type SchedulerHooks,
  type StoredItemOutcome,
  type TakenBatch,
} from "./fan-out-scheduler.js";
import { isValidItemId, type Claim, type Queue, type QueueItem } from "./types.js";

export interface DurableSchedulerOptions<R> extends SchedulerHooks<R> {
  queue: Queue;
  jobId: string;
  plans: readonly BatchPlan[];
  /** Lease per claim; default the queue's. Renewed every third of it while `run` works. */
  leaseMs?: number;
  /** How long a worker waits before asking again when nothing is claimable. */
  pollMs: number;
  /** Put batches a previous run left `failed` back to pending (fresh attempts). */
  retryFailed: boolean;
  warn(message: string): void;
}

/** How long a batch's queue item must stay missing before the run stops waiting for it. */
const goneAfterMs = 2_000;

/** The queue item id of a batch: `${jobId}-b00003`. Five digits keep `queue ls` sorted. */
export function batchItemId(jobId: string, index: number): string {
  return `${jobId}-b${String(index).padStart(5, "0")}`;
}

/** Throws InputError when `jobId` cannot make valid queue item ids. */
export function assertValidJobId(jobId: string): void {
  if (typeof jobId !== "string" || !isValidItemId(batchItemId(jobId, 0))) {
    throw new InputError(`fan-out job id ${JSON.stringify(jobId)} cannot name queue items`, {
      hint: "use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit",
    });
  }
}

/** Enqueues the job's batches (idempotently) and returns a scheduler claiming from the queue. */
export async function createDurableScheduler<R>(
  options: DurableSchedulerOptions<R>,
): Promise<BatchScheduler<R>> {
  const { queue, jobId, plans, stop } = options;
  const indexById = new Map(plans.map((plan) => [batchItemId(jobId, plan.index), plan.index]));
  const records: (BatchRecord<R> | undefined)[] = plans.map(() => undefined);
  let settledCount = 0;
  const runningHere = new Set<number>();
  const warned = new Set<string>();
  const warnOnce = (key: string, message: string) => {
    if (warned.has(key)) return;
    warned.add(key);
    options.warn(message);
  };

  // Workers that found nothing to claim wait for the next settle (or the poll interval), so
  // the run ends as soon as the last batch does instead of a poll interval later.
  let settledWake = new AbortController();
  const settle = (index: number, record: BatchRecord<R>) => {
    if (records[index]) return;
    records[index] = record;
    settledCount++;
    options.onSettled(index, record);
    settledWake.abort();
    settledWake = new AbortController();
  };

  /** Records a batch that ended outside this worker (pending and running ones stay open). */
  const settleFromItem = (index: number, item: QueueItem): void => {
    if (item.state === "done") {
      const count = plans[index]!.count;
      const outcomes = readStoredOutcomes<R>(item.result, count);
      settle(
        index,
        outcomes
          ? { status: "done", outcomes, attempts: item.attempts }
          : { status: "failed", error: `stored result is not ${count} outcomes`, attempts: 0 },
      );
    } else if (item.state === "failed") {
      settle(index, { status: "failed", error: lastError(item), attempts: item.attempts });
    }
  };

  // Claims cannot be filtered: a foreign pending item would be claimed and given back forever.
  const foreign = (await queue.list()).items.filter(
    (item) => !indexById.has(item.id) || item.data.jobId !== jobId,
  );
  if (foreign.length > 0) {
    throw new InputError(
      `the queue for fan-out job ${jobId} holds ${foreign.length} items of other work ` +
        `(${foreign[0]!.id}${foreign.length > 1 ? ", …" : ""})`,
      {
        hint:
          "a durable fan-out needs a queue of its own (its own directory or Redis queue name); " +
          "if the items or batchSize changed since the last run, use a new job id",
      },
    );
  }

  for (const plan of plans) {
    const id = batchItemId(jobId, plan.index);
    const { item, created } = await queue.enqueue({
      id,
      title: `${jobId} batch ${plan.index + 1}/${plans.length}`,
      body:
        `Batch ${plan.index + 1} of ${plans.length} of fan-out job \`${jobId}\`: input items ` +
        `${plan.offset} to ${plan.offset + plan.count - 1}.\n`,
      data: { jobId, index: plan.index, offset: plan.offset, count: plan.count },
    });
    if (created) continue;
    if (!sameBatch(item, jobId, plan)) {
      throw new InputError(
        `queue item ${id} holds a different batch than this run of job ${jobId} would make`,
        { hint: "the items or batchSize changed since the last run: use a new job id" },
      );
    }
    const usable =
      item.state !== "done" || readStoredOutcomes(item.result, plan.count) !== undefined;
    if ((item.state === "failed" && options.retryFailed) || !usable) {
      await queue.retry(id);
      continue;
    }
    settleFromItem(plan.index, item);
  }

  // Batches run by other processes end there; one shared look at the queue per poll interval.
  const missingSince = new Map<number, number>();
  let refreshing: Promise<void> | undefined;
  let lastRefresh = 0;
  const refresh = (): Promise<void> => {
    if (refreshing) return refreshing;
    if (Date.now() - lastRefresh < options.pollMs) return Promise.resolve();
    refreshing = (async () => {
      for (const plan of plans) {
        if (records[plan.index] || runningHere.has(plan.index)) continue;
        const id = batchItemId(jobId, plan.index);
        const item = await queue.get(id);
        if (item) {
          missingSince.delete(plan.index);
          settleFromItem(plan.index, item);
          continue;
        }
        // An item in the middle of a move (a claim, a retry) can be briefly invisible to `get`.
        const since = missingSince.get(plan.index) ?? Date.now();
        missingSince.set(plan.index, since);
        if (Date.now() - since >= goneAfterMs) {
          options.warn(`queue item ${id} is gone (dropped?); its items count as cancelled`);
          settle(plan.index, { status: "cancelled" });
        }
      }
    })().finally(() => {
      refreshing = undefined;
      lastRefresh = Date.now();
    });
    return refreshing;
  };

  const allSettled = () => settledCount === plans.length;

  const hand = (index: number, claim: Claim): TakenBatch<R> => {
    let current = claim;
    let open = true;
    const leaseMs = options.leaseMs ?? Math.max(3, claim.expiresAt - Date.now());
    const lease = new AbortController();
    let renewing = false;
    const renewTimer = setInterval(
      () => {
        if (renewing || !open) return;
        renewing = true;
        queue
          .renew(current, options.leaseMs)
          .then(
            (renewed) => void (current = renewed),
            (error: unknown) => {
              // Anything but a lost lease (a network blip) is retried at the next tick.
              if (error instanceof LeaseLostError && open) lease.abort(error);
            },
          )
          .finally(() => void (renewing = false));
      },
      Math.max(1, Math.floor(leaseMs / 3)),
    );
    const close = () => {
      if (!open) return false;
      open = false;
      clearInterval(renewTimer);
      runningHere.delete(index);
      return true;
    };
    const lostSettlement = (error: unknown): BatchSettlement => ({
      kind: "lost",
      reason: describeError(error),
    });
    return {
      plan: plans[index]!,
      attempt: claim.attempt,
      signal: AbortSignal.any([stop, lease.signal]),
      async succeed(outcomes) {
        if (!close()) return lostSettlement("the batch was already given back");
        if (lease.signal.aborted) return lostSettlement(lease.signal.reason);
        try {
          await queue.complete(current, outcomes);
        } catch (error) {
          if (error instanceof LeaseLostError) return lostSettlement(error);
          throw error;
        }
        settle(index, { status: "done", outcomes, attempts: current.attempt });
        return { kind: "recorded", willRetry: false };
      },
      async fail(error) {
        if (!close()) return lostSettlement("the batch was already given back");
        if (lease.signal.aborted) return lostSettlement(lease.signal.reason);
        let item: QueueItem;
        try {
          item = await queue.fail(current, error);
        } catch (failError) {
          if (failError instanceof LeaseLostError) return lostSettlement(failError);
          throw failError;
        }
        if (item.state === "pending") {
          const delayMs = item.notBefore ? Math.max(0, Date.parse(item.notBefore) - Date.now()) : 0;
          return { kind: "recorded", willRetry: true, delayMs };
        }
        settle(index, { status: "failed", error: describeError(error), attempts: item.attempts });
        return { kind: "recorded", willRetry: false };
      },
      async release() {
        if (!close()) return;
        try {
          await queue.release(current);
        } catch (error) {
          // The lease runs out on its own; the item then goes back to pending.
          options.warn(`could not give back ${current.item.id}: ${describeError(error)}`);
        }
      },
    };
  };

  return {
    async take(worker) {
      const owner = `${hostname()}:${process.pid}:${worker}`;
      for (;;) {
        if (stop.aborted || allSettled()) return undefined;
        const claim = await queue.claim({
          worker: owner,
          ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
        });
        if (claim && stop.aborted) {
          await queue.release(claim).catch(() => undefined);
          return undefined;
        }
        if (!claim) {
          await refresh();
          if (allSettled()) return undefined;
          await sleep(options.pollMs, AbortSignal.any([stop, settledWake.signal]));
          continue;
        }
        const index = indexById.get(claim.item.id);
        if (index === undefined || !sameBatch(claim.item, jobId, plans[index]!)) {
          await queue.release(claim);
          warnOnce(
            `foreign:${claim.item.id}`,
            `queue item ${claim.item.id} is not a batch of fan-out job ${jobId}; it was left ` +
              "alone, but a durable fan-out needs a queue of its own",
          );
          await sleep(options.pollMs, stop);
          continue;
        }
        runningHere.add(index);
        return hand(index, claim);
      }
    },
    hasWork: () => !stop.aborted && !allSettled(),
    records: () => records,
    dispose: () => undefined,
  };
}

function sameBatch(item: QueueItem, jobId: string, plan: BatchPlan): boolean {
  const data = item.data;
  return (
    data.jobId === jobId &&
    data.index === plan.index &&
    data.offset === plan.offset &&
    data.count === plan.count
  );
}

/** A stored batch result, if it is the list of per-item outcomes this engine writes. */
function readStoredOutcomes<R>(result: unknown, count: number): StoredItemOutcome<R>[] | undefined {
  if (!Array.isArray(result) || result.length !== count) return undefined;
  const valid = result.every(
    (entry: unknown) =>
      typeof entry === "object" &&
      entry !== null &&
      ((entry as { ok?: unknown }).ok === true ||
        ((entry as { ok?: unknown }).ok === false &&
          typeof (entry as { error?: unknown }).error === "string")),
  );
  return valid ? (result as StoredItemOutcome<R>[]) : undefined;
}

function lastError(item: QueueItem): string {
  return item.errors.at(-1)?.message ?? "failed";
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
