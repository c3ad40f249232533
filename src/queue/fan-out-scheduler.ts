/**
 * Where the fan-out engine gets its next batch and records how each attempt ended. Two
 * schedulers: this in-memory one (retries with backoff inside the process) and the durable one
 * (`fan-out-durable.ts`, batches as queue items). The engine (`fan-out.ts`) owns workers,
 * concurrency, events and results; a scheduler owns only the order and the bookkeeping.
 */
import { retryDelayMs } from "./types.js";

/** One slice of the input: items `offset` .. `offset + count - 1`. */
export interface BatchPlan {
  index: number;
  offset: number;
  count: number;
}

/** A per-item outcome as stored (JSON-compatible: the durable queue keeps it as the result). */
export type StoredItemOutcome<R> = { ok: true; value: R } | { ok: false; error: string };

/** How a batch ended for good. `attempts`: the attempt that produced it. */
export type BatchRecord<R> =
  | { status: "done"; outcomes: StoredItemOutcome<R>[]; attempts: number }
  | { status: "failed"; error: string; attempts: number }
  /** The batch's queue item vanished (a person dropped it): its items count as cancelled. */
  | { status: "cancelled" };

/** What recording an attempt's end did. `lost`: the batch is no longer ours (lease lost). */
export type BatchSettlement =
  { kind: "recorded"; willRetry: boolean; delayMs?: number } | { kind: "lost"; reason: string };

/** A batch a worker holds. After one of succeed / fail / release the others do nothing. */
export interface TakenBatch<R> {
  plan: BatchPlan;
  /** 1 for the first attempt. */
  attempt: number;
  /** Aborted when the run stops, or (durable) when the lease is lost. Passed to `run`. */
  signal: AbortSignal;
  succeed(outcomes: StoredItemOutcome<R>[]): Promise<BatchSettlement>;
  fail(error: unknown): Promise<BatchSettlement>;
  /** Gives the batch back without counting the attempt (abort, shutdown). */
  release(): Promise<void>;
}

export interface BatchScheduler<R> {
  /**
   * The next batch for this worker; waits while batches are delayed (backoff) or still running
   * elsewhere. Undefined when nothing is left for it or the run stopped.
   */
  take(worker: number): Promise<TakenBatch<R> | undefined>;
  /** Whether a new worker could still find something to do. */
  hasWork(): boolean;
  /** Final records by batch index; undefined means the batch never ended (cancelled). */
  records(): readonly (BatchRecord<R> | undefined)[];
  dispose(): void;
}

export interface SchedulerHooks<R> {
  /** Stops hand-outs and wakes waiting workers. */
  stop: AbortSignal;
  /** Called once per batch when its record is final. */
  onSettled(index: number, record: BatchRecord<R>): void;
}

/** Splits `itemCount` items into batches of at most `batchSize`. */
export function planBatches(itemCount: number, batchSize: number): BatchPlan[] {
  const plans: BatchPlan[] = [];
  for (let offset = 0; offset < itemCount; offset += batchSize) {
    plans.push({ index: plans.length, offset, count: Math.min(batchSize, itemCount - offset) });
  }
  return plans;
}

export interface MemorySchedulerOptions<R> extends SchedulerHooks<R> {
  plans: readonly BatchPlan[];
  /** Extra attempts of a failed batch. */
  retries: number;
  backoffMs: number;
  maxBackoffMs: number;
}

/**
 * Batches in input order; a failed batch goes to the back of the line after its backoff, so a
 * waiting retry never holds a worker that could run another batch meanwhile.
 */
export function createMemoryScheduler<R>(options: MemorySchedulerOptions<R>): BatchScheduler<R> {
  const { plans, stop } = options;
  const line = plans.map((plan) => plan.index);
  let head = 0;
  const attempts = plans.map(() => 0);
  const records: (BatchRecord<R> | undefined)[] = plans.map(() => undefined);
  const backoffTimers = new Set<NodeJS.Timeout>();
  let running = 0;
  let waiters: (() => void)[] = [];

  const wakeAll = () => {
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  };
  const onStop = () => {
    for (const timer of backoffTimers) clearTimeout(timer);
    backoffTimers.clear();
    wakeAll();
  };
  stop.addEventListener("abort", onStop, { once: true });

  const settle = (index: number, record: BatchRecord<R>) => {
    records[index] = record;
    options.onSettled(index, record);
  };

  const hand = (index: number): TakenBatch<R> => {
    const attempt = attempts[index]!;
    let open = true;
    const close = () => {
      if (!open) return false;
      open = false;
      running--;
      return true;
    };
    const lost: BatchSettlement = { kind: "lost", reason: "the batch was already given back" };
    return {
      plan: plans[index]!,
      attempt,
      signal: stop,
      async succeed(outcomes) {
        if (!close()) return lost;
        settle(index, { status: "done", outcomes, attempts: attempt });
        wakeAll();
        return { kind: "recorded", willRetry: false };
      },
      async fail(error) {
        if (!close()) return lost;
        if (attempt <= options.retries && !stop.aborted) {
          const delayMs = retryDelayMs(attempt, options);
          const timer = setTimeout(() => {
            backoffTimers.delete(timer);
            line.push(index);
            wakeAll();
          }, delayMs);
          backoffTimers.add(timer);
          wakeAll();
          return { kind: "recorded", willRetry: true, delayMs };
        }
        settle(index, { status: "failed", error: describeError(error), attempts: attempt });
        wakeAll();
        return { kind: "recorded", willRetry: false };
      },
      async release() {
        if (close()) wakeAll();
      },
    };
  };

  return {
    async take() {
      for (;;) {
        if (stop.aborted) return undefined;
        if (head < line.length) {
          const index = line[head++]!;
          attempts[index]!++;
          running++;
          return hand(index);
        }
        // Wait while a retry is pending or a running batch may still fail and come back.
        if (backoffTimers.size === 0 && running === 0) return undefined;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    hasWork: () => !stop.aborted && (head < line.length || backoffTimers.size > 0),
    records: () => records,
    dispose() {
      stop.removeEventListener("abort", onStop);
      onStop();
    },
  };
}

/** The message of anything thrown, for results and events. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
