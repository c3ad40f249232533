/**
 * The capped fan-out engine: the one place that splits work into batches and runs them on a
 * pool of workers. Translation, triage and work all call `fanOut`; nothing re-implements
 * batching, concurrency caps, retries or cancellation.
 *
 * Contract in short: at most `batchSize` items per batch, at most `concurrency` batches at once
 * (a pool: a worker takes the next batch as soon as it finishes one), a failed batch does not
 * stop the others and is retried with backoff, results come back in input order, an abort stops
 * new batches and cancels what did not finish. Typed events (`fanout-*`, `batch-*`) report
 * progress; views subscribe (`src/ui/fan-out-reporter.ts`).
 */
import { InputError } from "../errors.js";
import { nullSink, type EventSink, type HarnessEvent } from "../events.js";
import { assertValidJobId, createDurableScheduler } from "./fan-out-durable.js";
import {
  createMemoryScheduler,
  describeError,
  planBatches,
  type BatchRecord,
  type BatchScheduler,
  type StoredItemOutcome,
  type TakenBatch,
} from "./fan-out-scheduler.js";
import type { Queue } from "./types.js";

/**
 * What `run` may return per item instead of a bare value: `{ ok: false, error }` fails that one
 * item (the rest of the batch stands; the item is not retried on its own).
 */
export type ItemOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/** Helpers that build typed outcomes, so `R` infers cleanly from `run`. */
export function itemDone<R>(value: R): ItemOutcome<R> {
  return { ok: true, value };
}

export function itemFailed<R = never>(error: unknown): ItemOutcome<R> {
  return { ok: false, error };
}

/** The batch `run` is given. `offset` is the input index of `items[0]`. */
export interface FanOutBatch<I> {
  /** 0-based batch index; batch `k` holds input items `offset` .. `offset + items.length - 1`. */
  index: number;
  items: readonly I[];
  offset: number;
}

export interface FanOutRunContext {
  /** Aborted when the fan-out is cancelled (or, durable, the lease is lost): stop and throw. */
  signal: AbortSignal;
  /** 1..N: which worker runs the batch (for logs and per-worker resources). */
  worker: number;
  /** 1 for the first attempt of this batch. */
  attempt: number;
}

/** One input item's fate, at `results[index]`. */
export type FanOutItemResult<R> =
  | { index: number; status: "done"; value: R }
  /** `attempts`: how many times its batch ran (per-item failures: the attempt that reported it). */
  | { index: number; status: "failed"; error: string; attempts: number }
  /** Not finished when the run was aborted (or its durable queue item was dropped). */
  | { index: number; status: "cancelled" };

export interface FanOutSummary {
  items: number;
  done: number;
  failed: number;
  cancelled: number;
  batches: number;
  ms: number;
  /** True when the abort signal stopped the run before every batch ended. */
  aborted: boolean;
  /** The most workers that ran at once (auto concurrency may grow during the run). */
  concurrency: number;
  /** Input indexes of the cancelled items, ascending: what is left to do. */
  cancelledIndexes: number[];
}

export interface FanOutResult<R> {
  /** One entry per input item, in input order (`results[i].index === i`). */
  results: FanOutItemResult<R>[];
  summary: FanOutSummary;
}

/**
 * Durable mode: batches become items of `queue`, which must be dedicated to this job: the Queue
 * interface cannot filter claims, so a queue holding other items is refused at the start
 * (InputError), and an item that appears later is given back and warned about. A rerun with
 * the same `jobId`, items and `batchSize` reuses the stored results of done batches, so `run`'s
 * values must be JSON values. The queue's attempts and backoff replace `retries`/`backoffMs`.
 */
export interface FanOutDurableOptions {
  queue: Queue;
  /** Names the batch items `${jobId}-b00000`…: lowercase letters, digits, `.`, `_`, `-`. */
  jobId: string;
  /** Lease per claim (default: the queue's); renewed every third of it while `run` works. */
  leaseMs?: number;
  /** Wait between claims when nothing is claimable yet (backoff, other workers). Default 250. */
  pollMs?: number;
  /** A rerun puts batches an earlier run left `failed` back to pending. Default true. */
  retryFailed?: boolean;
}

export interface FanOutOptions<I, R> {
  items: readonly I[];
  /** At most this many items per batch (the last may be smaller). Whole number >= 1. */
  batchSize: number;
  /** At most this many batches at once, or "auto" to follow `capacity`. */
  concurrency: number | "auto";
  /**
   * For "auto": how many batches the backends can run at once (e.g. `capacityFrom(routerUrl)`).
   * Read at the start and again after batches finish (at most every `capacityRefreshMs`):
   * workers are added when it grows; when it shrinks, workers retire after their batch.
   */
  capacity?: () => Promise<number>;
  /** Cap for "auto". Default 64. */
  maxConcurrency?: number;
  /** Least time between two capacity reads. Default 1000. */
  capacityRefreshMs?: number;
  /**
   * Runs one batch. Return one entry per item, in batch order: a bare value, or an
   * `ItemOutcome` (`itemDone` / `itemFailed`). An element shaped exactly like an outcome (only
   * `ok` and `value`, or `ok` and `error`) is read as one; if your values have that shape, wrap
   * them all with `itemDone`. Throwing fails the whole batch (retried); a wrong number of
   * entries counts as a throw.
   */
  run: (batch: FanOutBatch<I>, context: FanOutRunContext) => Promise<ItemOutcome<R>[] | R[]>;
  /** Extra attempts of a failed batch. Default 2. Ignored in durable mode. */
  retries?: number;
  /** First retry delay; doubles per attempt with ±20 % jitter. Default 1000. */
  backoffMs?: number;
  /** Cap of the retry delay. Default 60000. */
  maxBackoffMs?: number;
  /** Stops the run: no new batch starts, running ones get the signal and `graceMs` to end. */
  signal?: AbortSignal;
  /** How long running batches may take to end after an abort before they are abandoned. */
  graceMs?: number;
  events?: EventSink;
  durable?: FanOutDurableOptions;
}

const defaults = {
  maxConcurrency: 64,
  capacityRefreshMs: 1_000,
  retries: 2,
  backoffMs: 1_000,
  maxBackoffMs: 60_000,
  graceMs: 10_000,
  pollMs: 250,
};

/**
 * Runs `run` over `items` in batches on a capped pool of workers and returns every item's
 * result in input order. Never throws for a failed batch or item (they are results); throws
 * `InputError` for bad options, and rethrows what the capacity function or a durable queue
 * throws outside any batch (the router or Redis being unreachable).
 *
 * @example
 * const { results, summary } = await fanOut({
 *   items: files,
 *   batchSize: 20,
 *   concurrency: "auto",
 *   capacity: capacityFrom(routerUrl),
 *   signal: ctx.signal,
 *   events: reporter,
 *   run: async (batch, { signal }) => translateAll(batch.items, { signal }),
 * });
 */
export async function fanOut<I, R>(options: FanOutOptions<I, R>): Promise<FanOutResult<R>> {
  validateOptions(options);
  const startedAt = Date.now();
  const events = options.events ?? nullSink;
  const emit = (event: HarnessEvent) => events.emit(event);
  const { items, batchSize } = options;
  const plans = planBatches(items.length, batchSize);
  const maxConcurrency = options.maxConcurrency ?? defaults.maxConcurrency;
  const clamp = (value: number) =>
    Number.isFinite(value) ? Math.max(1, Math.min(maxConcurrency, Math.floor(value))) : 1;

  const stopController = new AbortController();
  const stop = stopController.signal;
  const onAbort = () => stopController.abort(options.signal?.reason);
  let fatal: { error: unknown } | undefined;
  const failFatally = (error: unknown) => {
    fatal ??= { error };
    stopController.abort(error);
  };

  const counts = { doneItems: 0, failedItems: 0, settledBatches: 0, attemptMs: 0, attempts: 0 };
  const onSettled = (index: number, record: BatchRecord<R>) => {
    counts.settledBatches++;
    if (record.status === "failed") counts.failedItems += plans[index]!.count;
    if (record.status !== "done") return;
    for (const outcome of record.outcomes) {
      if (outcome.ok) counts.doneItems++;
      else counts.failedItems++;
    }
  };

  const startsAborted = options.signal?.aborted === true || plans.length === 0;
  let target = 0;
  if (!startsAborted) {
    target =
      options.concurrency === "auto" ? clamp(await options.capacity!()) : options.concurrency;
  }
  const warn = (message: string) => emit({ type: "warning-raised", message });
  let scheduler: BatchScheduler<R>;
  if (options.durable && !startsAborted) {
    scheduler = await createDurableScheduler<R>({
      queue: options.durable.queue,
      jobId: options.durable.jobId,
      plans,
      ...(options.durable.leaseMs ? { leaseMs: options.durable.leaseMs } : {}),
      pollMs: options.durable.pollMs ?? defaults.pollMs,
      retryFailed: options.durable.retryFailed ?? true,
      stop,
      onSettled,
      warn,
    });
  } else {
    scheduler = createMemoryScheduler<R>({
      plans,
      retries: options.retries ?? defaults.retries,
      backoffMs: options.backoffMs ?? defaults.backoffMs,
      maxBackoffMs: options.maxBackoffMs ?? defaults.maxBackoffMs,
      stop,
      onSettled,
    });
  }
  if (options.signal?.aborted) stopController.abort(options.signal.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });

  emit({
    type: "fanout-started",
    items: items.length,
    batches: plans.length,
    batchSize,
    concurrency: Math.min(target, plans.length),
  });

  const workers = new Set<number>();
  const inFlight = new Set<TakenBatch<R>>();
  let peakWorkers = 0;
  let finalized = false;

  const emitProgress = () => {
    const remaining = plans.length - counts.settledBatches;
    const meanMs = counts.attempts > 0 ? counts.attemptMs / counts.attempts : undefined;
    const etaMs =
      remaining === 0
        ? 0
        : meanMs === undefined
          ? undefined
          : Math.round(meanMs * Math.ceil(remaining / Math.max(1, workers.size)));
    emit({
      type: "fanout-progress",
      doneItems: counts.doneItems,
      failedItems: counts.failedItems,
      totalItems: items.length,
      runningBatches: inFlight.size,
      ...(etaMs !== undefined ? { etaMs } : {}),
    });
  };
  if (counts.settledBatches > 0) emitProgress();

  const runBatch = async (taken: TakenBatch<R>, worker: number) => {
    const { plan, attempt } = taken;
    inFlight.add(taken);
    emit({ type: "batch-started", batch: plan.index, worker, items: plan.count, attempt });
    const batchStartedAt = Date.now();
    let outcomes: StoredItemOutcome<R>[] | undefined;
    let thrown: unknown;
    try {
      const batchItems = items.slice(plan.offset, plan.offset + plan.count);
      const context = { signal: taken.signal, worker, attempt };
      const returned = await options.run(
        { index: plan.index, items: batchItems, offset: plan.offset },
        context,
      );
      outcomes = normalizeOutcomes<R>(returned, plan.count);
    } catch (error) {
      thrown = error;
    }
    const ms = Date.now() - batchStartedAt;
    inFlight.delete(taken);
    // Abandoned after the grace period: the result is assembled and the batch given back.
    if (finalized) return;
    if (!outcomes && stop.aborted) {
      await taken.release();
      return;
    }
    counts.attempts++;
    counts.attemptMs += ms;
    if (outcomes) {
      const settlement = await taken.succeed(outcomes);
      if (settlement.kind === "lost") {
        warn(`batch ${plan.index + 1}: result not recorded (${settlement.reason})`);
      } else {
        const itemFailures = failuresOf(outcomes, plan.offset);
        emit({
          type: "batch-finished",
          batch: plan.index,
          worker,
          ms,
          failedItems: itemFailures.length,
          ...(itemFailures.length > 0 ? { itemFailures: itemFailures.slice(0, 10) } : {}),
        });
      }
    } else {
      const settlement = await taken.fail(thrown);
      if (settlement.kind === "lost") {
        warn(`batch ${plan.index + 1}: failure not recorded (${settlement.reason})`);
      } else {
        const { willRetry } = settlement;
        const error = describeError(thrown);
        emit({ type: "batch-failed", batch: plan.index, worker, attempt, error, willRetry });
        if (willRetry) {
          const delayMs = settlement.delayMs ?? 0;
          emit({ type: "batch-retried", batch: plan.index, attempt: attempt + 1, delayMs });
        }
      }
    }
    emitProgress();
  };

  let resolvePool!: () => void;
  const poolDone = new Promise<void>((resolve) => (resolvePool = resolve));
  let poolClosed = false;
  const closePool = () => {
    poolClosed = true;
    resolvePool();
  };

  const work = async (worker: number) => {
    try {
      // A worker retires after a batch when capacity shrank below the pool's size.
      while (workers.size <= target) {
        const taken = await scheduler.take(worker);
        if (!taken) break;
        await runBatch(taken, worker);
        refreshCapacity();
      }
    } catch (error) {
      failFatally(error);
    } finally {
      workers.delete(worker);
      if (workers.size === 0) closePool();
    }
  };

  const spawn = () => {
    const open = () => plans.length - counts.settledBatches;
    while (!poolClosed && workers.size < Math.min(target, open()) && scheduler.hasWork()) {
      let worker = 1;
      while (workers.has(worker)) worker++;
      workers.add(worker);
      peakWorkers = Math.max(peakWorkers, workers.size);
      void work(worker);
    }
    if (workers.size === 0) closePool();
  };

  let capacityReading = false;
  let lastCapacityRead = Date.now();
  const refreshCapacity = () => {
    if (options.concurrency !== "auto" || capacityReading || stop.aborted) return;
    const refreshMs = options.capacityRefreshMs ?? defaults.capacityRefreshMs;
    if (Date.now() - lastCapacityRead < refreshMs) return;
    capacityReading = true;
    Promise.resolve()
      .then(() => options.capacity!())
      .then(
        (value) => {
          target = clamp(value);
          spawn();
        },
        (error: unknown) =>
          warn(`capacity unknown, keeping ${target} workers: ${describeError(error)}`),
      )
      .finally(() => {
        capacityReading = false;
        lastCapacityRead = Date.now();
      });
  };

  spawn();

  let graceTimer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    void poolDone.then(resolve);
    const startGrace = () => {
      graceTimer = setTimeout(resolve, options.graceMs ?? defaults.graceMs);
    };
    if (stop.aborted) startGrace();
    else stop.addEventListener("abort", startGrace, { once: true });
  });
  clearTimeout(graceTimer);
  finalized = true;
  poolClosed = true;
  options.signal?.removeEventListener("abort", onAbort);
  const abandoned = [...inFlight];
  inFlight.clear();
  await Promise.allSettled(abandoned.map((taken) => taken.release()));
  scheduler.dispose();

  const { results, summary } = assemble<R>(plans, scheduler.records(), items.length);
  const aborted = (stop.aborted && summary.cancelled > 0) || fatal !== undefined;
  const ms = Date.now() - startedAt;
  emit({
    type: "fanout-finished",
    doneItems: summary.done,
    failedItems: summary.failed,
    cancelledItems: summary.cancelled,
    ms,
    aborted,
  });
  // A queue that stopped working (not a batch failure): the caller decides; done work is kept.
  if (fatal) throw fatal.error;
  return {
    results,
    summary: { ...summary, ms, aborted, batches: plans.length, concurrency: peakWorkers },
  };
}

function validateOptions<I, R>(options: FanOutOptions<I, R>): void {
  const wholeAtLeast = (name: string, value: unknown, min: number, required = false) => {
    if (value === undefined && !required) return;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
      throw new InputError(`fan-out ${name} must be a whole number of at least ${min}`, {
        hint: `got ${JSON.stringify(value)}`,
      });
    }
  };
  if (!Array.isArray(options.items)) throw new InputError("fan-out items must be an array");
  wholeAtLeast("batchSize", options.batchSize, 1, true);
  if (options.concurrency === "auto") {
    if (typeof options.capacity !== "function") {
      throw new InputError('fan-out concurrency "auto" needs a capacity function', {
        hint: "pass capacity: capacityFrom(routerUrl), or a fixed concurrency",
      });
    }
  } else {
    wholeAtLeast("concurrency", options.concurrency, 1, true);
  }
  wholeAtLeast("maxConcurrency", options.maxConcurrency, 1);
  wholeAtLeast("retries", options.retries, 0);
  for (const name of ["backoffMs", "maxBackoffMs", "graceMs", "capacityRefreshMs"] as const) {
    const value = options[name];
    if (value !== undefined && !(typeof value === "number" && value >= 0)) {
      throw new InputError(`fan-out ${name} must be a number of at least 0`, {
        hint: `got ${JSON.stringify(value)}`,
      });
    }
  }
  if (typeof options.run !== "function") throw new InputError("fan-out needs a run function");
  if (options.durable) {
    assertValidJobId(options.durable.jobId);
    wholeAtLeast("durable.leaseMs", options.durable.leaseMs, 3);
    wholeAtLeast("durable.pollMs", options.durable.pollMs, 1);
  }
}

/** Reads what `run` returned as one outcome per item; throws when the count is wrong. */
function normalizeOutcomes<R>(returned: unknown, count: number): StoredItemOutcome<R>[] {
  if (!Array.isArray(returned)) {
    throw new Error(`run returned ${typeof returned} instead of a list of ${count} results`);
  }
  if (returned.length !== count) {
    throw new Error(`run returned ${returned.length} results for ${count} items`);
  }
  return returned.map((entry: unknown): StoredItemOutcome<R> => {
    if (!isItemOutcome(entry)) return { ok: true, value: entry as R };
    return entry.ok
      ? { ok: true, value: entry.value as R }
      : { ok: false, error: describeError(entry.error) };
  });
}

function isItemOutcome(value: unknown): value is ItemOutcome<unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (record.ok === true) return keys.every((key) => key === "ok" || key === "value");
  if (record.ok === false) {
    return "error" in record && keys.every((key) => key === "ok" || key === "error");
  }
  return false;
}

function failuresOf<R>(outcomes: StoredItemOutcome<R>[], offset: number) {
  const failures: { index: number; error: string }[] = [];
  outcomes.forEach((outcome, position) => {
    if (!outcome.ok) failures.push({ index: offset + position, error: outcome.error });
  });
  return failures;
}

function assemble<R>(
  plans: readonly { index: number; offset: number; count: number }[],
  records: readonly (BatchRecord<R> | undefined)[],
  itemCount: number,
) {
  const results: FanOutItemResult<R>[] = new Array(itemCount);
  const cancelledIndexes: number[] = [];
  let done = 0;
  let failed = 0;
  for (const plan of plans) {
    const record = records[plan.index];
    for (let position = 0; position < plan.count; position++) {
      const index = plan.offset + position;
      if (record?.status === "done") {
        const outcome = record.outcomes[position]!;
        if (outcome.ok) {
          results[index] = { index, status: "done", value: outcome.value };
          done++;
        } else {
          results[index] = {
            index,
            status: "failed",
            error: outcome.error,
            attempts: record.attempts,
          };
          failed++;
        }
      } else if (record?.status === "failed") {
        results[index] = {
          index,
          status: "failed",
          error: record.error,
          attempts: record.attempts,
        };
        failed++;
      } else {
        results[index] = { index, status: "cancelled" };
        cancelledIndexes.push(index);
      }
    }
  }
  return {
    results,
    summary: {
      items: itemCount,
      done,
      failed,
      cancelled: cancelledIndexes.length,
      cancelledIndexes,
    },
  };
}
