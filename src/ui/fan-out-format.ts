/**
 * Fan-out progress as data and text: a reducer from the engine's events to a view state, and
 * the lines the live ink view, the plain renderer and tests share. No ink, no react, no I/O.
 * Batch numbers are shown 1-based ("batch 3/25"); events carry the 0-based index.
 */
import type { HarnessEvent } from "../events.js";

/** One worker as the view shows it; `batch` undefined means idle. */
export interface FanOutWorkerView {
  worker: number;
  batch?: number;
  items?: number;
  attempt?: number;
  /** Epoch ms the batch started (from the reducer's clock). */
  startedAt?: number;
}

/** A failed batch attempt, or (with `item`) one item `run` reported failed. */
export interface FanOutFailureView {
  batch: number;
  error: string;
  attempt?: number;
  /** Input index of a failed item. */
  item?: number;
  willRetry: boolean;
}

export interface FanOutViewState {
  started: boolean;
  totalItems: number;
  batches: number;
  batchSize: number;
  concurrency: number;
  doneItems: number;
  failedItems: number;
  cancelledItems: number;
  runningBatches: number;
  /** Batches that ended for good (done, or failed with no retry left). */
  finishedBatches: number;
  etaMs?: number;
  /** When `etaMs` was reported, so the view can count down between events. */
  etaAt?: number;
  workers: FanOutWorkerView[];
  /** The latest failures (at most `maxFailuresShown`); `failureCount` counts all. */
  failures: FanOutFailureView[];
  failureCount: number;
  warnings: string[];
  startedAt?: number;
  finished?: { ms: number; aborted: boolean };
}

export const maxFailuresShown = 5;
const maxWarningsShown = 3;

export function createFanOutViewState(): FanOutViewState {
  return {
    started: false,
    totalItems: 0,
    batches: 0,
    batchSize: 0,
    concurrency: 0,
    doneItems: 0,
    failedItems: 0,
    cancelledItems: 0,
    runningBatches: 0,
    finishedBatches: 0,
    workers: [],
    failures: [],
    failureCount: 0,
    warnings: [],
  };
}

/** The next state after `event` (a new object when it changed; the same one otherwise). */
export function reduceFanOutEvent(
  state: FanOutViewState,
  event: HarnessEvent,
  now: number,
): FanOutViewState {
  switch (event.type) {
    case "fanout-started":
      return {
        ...createFanOutViewState(),
        started: true,
        totalItems: event.items,
        batches: event.batches,
        batchSize: event.batchSize,
        concurrency: event.concurrency,
        startedAt: now,
      };
    case "batch-started":
      return {
        ...state,
        runningBatches: state.runningBatches + 1,
        workers: setWorker(state.workers, {
          worker: event.worker,
          batch: event.batch,
          items: event.items,
          attempt: event.attempt,
          startedAt: now,
        }),
      };
    case "batch-finished": {
      const itemFailures = (event.itemFailures ?? []).map((failure): FanOutFailureView => ({
        batch: event.batch,
        item: failure.index,
        error: failure.error,
        willRetry: false,
      }));
      return {
        ...addFailures(state, itemFailures, event.failedItems),
        runningBatches: Math.max(0, state.runningBatches - 1),
        finishedBatches: state.finishedBatches + 1,
        workers: idleWorker(state.workers, event.worker, event.batch),
      };
    }
    case "batch-failed":
      return {
        ...addFailures(
          state,
          [
            {
              batch: event.batch,
              attempt: event.attempt,
              error: event.error,
              willRetry: event.willRetry,
            },
          ],
          1,
        ),
        runningBatches: Math.max(0, state.runningBatches - 1),
        finishedBatches: state.finishedBatches + (event.willRetry ? 0 : 1),
        workers: idleWorker(state.workers, event.worker, event.batch),
      };
    case "fanout-progress": {
      const next: FanOutViewState = {
        ...state,
        doneItems: event.doneItems,
        failedItems: event.failedItems,
        totalItems: event.totalItems,
        runningBatches: event.runningBatches,
      };
      if (event.etaMs === undefined) {
        delete next.etaMs;
        delete next.etaAt;
      } else {
        next.etaMs = event.etaMs;
        next.etaAt = now;
      }
      return next;
    }
    case "fanout-finished":
      return {
        ...state,
        doneItems: event.doneItems,
        failedItems: event.failedItems,
        cancelledItems: event.cancelledItems,
        runningBatches: 0,
        etaMs: 0,
        etaAt: now,
        workers: state.workers.map((worker) => ({ worker: worker.worker })),
        finished: { ms: event.ms, aborted: event.aborted },
      };
    case "warning-raised":
      return { ...state, warnings: [...state.warnings, event.message].slice(-maxWarningsShown) };
    default:
      return state;
  }
}

function setWorker(workers: FanOutWorkerView[], worker: FanOutWorkerView): FanOutWorkerView[] {
  const others = workers.filter((entry) => entry.worker !== worker.worker);
  return [...others, worker].sort((a, b) => a.worker - b.worker);
}

function idleWorker(workers: FanOutWorkerView[], worker: number, batch: number) {
  return workers.map((entry) =>
    entry.worker === worker && entry.batch === batch ? { worker: entry.worker } : entry,
  );
}

function addFailures(
  state: FanOutViewState,
  failures: FanOutFailureView[],
  count: number,
): FanOutViewState {
  if (count === 0) return state;
  return {
    ...state,
    failures: [...state.failures, ...failures].slice(-maxFailuresShown),
    failureCount: state.failureCount + count,
  };
}

/** "850ms", "12.3s", "4m 05s", "2h 03m". */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1_000);
  if (seconds < 3_600) {
    return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s`;
  }
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}

/** Share of items that ended (done or failed), 0..1. */
export function progressFraction(state: FanOutViewState): number {
  if (state.totalItems === 0) return state.finished ? 1 : 0;
  return Math.min(1, (state.doneItems + state.failedItems) / state.totalItems);
}

export function formatProgressBar(fraction: number, width = 24): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
}

/** What is left, counted down from the last progress event. */
export function remainingEtaMs(state: FanOutViewState, now: number): number | undefined {
  if (state.etaMs === undefined) return undefined;
  return Math.max(0, state.etaMs - (now - (state.etaAt ?? now)));
}

export function batchLabel(batch: number, batches: number): string {
  return batches > 0 ? `batch ${batch + 1}/${batches}` : `batch ${batch + 1}`;
}

/** "42% · 50/120 done · 2 failed · 3 running · ETA 1m 10s". */
export function formatHeadline(state: FanOutViewState, now: number): string {
  const parts = [
    `${Math.floor(progressFraction(state) * 100)}%`,
    `${state.doneItems}/${state.totalItems} done`,
  ];
  if (state.failedItems > 0) parts.push(`${state.failedItems} failed`);
  if (state.cancelledItems > 0) parts.push(`${state.cancelledItems} cancelled`);
  if (!state.finished) {
    parts.push(`${state.runningBatches} running`);
    const eta = remainingEtaMs(state, now);
    parts.push(eta === undefined ? "ETA …" : `ETA ${formatDuration(eta)}`);
  }
  return parts.join(" · ");
}

/** "worker 2  batch 7/12 · 10 items · 4.0s" or "worker 2  idle". */
export function formatWorkerLine(worker: FanOutWorkerView, batches: number, now: number): string {
  const name = `worker ${worker.worker}`.padEnd(10);
  if (worker.batch === undefined) return `${name}idle`;
  const parts = [batchLabel(worker.batch, batches), plural(worker.items, "item")];
  if ((worker.attempt ?? 1) > 1) parts.push(`attempt ${worker.attempt}`);
  if (worker.startedAt !== undefined) parts.push(formatDuration(now - worker.startedAt));
  return `${name}${parts.join(" · ")}`;
}

/** "batch 3/12 attempt 1: timeout (will retry)" or "batch 5/12 item 47: bad JSON". */
export function formatFailureLine(failure: FanOutFailureView, batches: number): string {
  const where =
    failure.item !== undefined
      ? `${batchLabel(failure.batch, batches)} item ${failure.item}`
      : `${batchLabel(failure.batch, batches)} attempt ${failure.attempt ?? "?"}`;
  const suffix = failure.item !== undefined ? "" : failure.willRetry ? " (will retry)" : "";
  return `${where}: ${oneLine(failure.error)}${suffix}`;
}

/** "finished in 12.3s: 118 done, 2 failed, 0 cancelled" (or "aborted after …"). */
export function formatSummaryLine(state: FanOutViewState): string {
  const ms = state.finished?.ms ?? 0;
  const verb = state.finished?.aborted ? `aborted after` : `finished in`;
  return (
    `${verb} ${formatDuration(ms)}: ${state.doneItems} done, ${state.failedItems} failed, ` +
    `${state.cancelledItems} cancelled`
  );
}

/** Everything the live view shows, as plain lines (the view adds colour). */
export function formatFanOutLines(
  state: FanOutViewState,
  now: number,
  label = "fan-out",
): string[] {
  if (!state.started) return [`${label} starting…`];
  const lines = [
    `${label} ${formatProgressBar(progressFraction(state))} ${formatHeadline(state, now)}`,
  ];
  if (!state.finished) {
    for (const worker of state.workers)
      lines.push(`  ${formatWorkerLine(worker, state.batches, now)}`);
  }
  if (state.failureCount > 0) {
    lines.push(`failures (${state.failureCount}):`);
    for (const failure of state.failures) {
      lines.push(`  ${formatFailureLine(failure, state.batches)}`);
    }
  }
  for (const warning of state.warnings) lines.push(`warning: ${warning}`);
  if (state.finished) lines.push(`${label} ${formatSummaryLine(state)}`);
  return lines;
}

/**
 * Lines for a log (not a TTY): one per batch start, finish and failure, one per failed item,
 * a first and a last line. `state` is the reduced state after the event (for batch totals).
 */
export function formatPlainEventLines(
  event: HarnessEvent,
  state: FanOutViewState,
  label = "fan-out",
): string[] {
  switch (event.type) {
    case "fanout-started":
      return [
        `${label}: ${event.items} items in ${event.batches} batches of up to ${event.batchSize}, ` +
          `${event.concurrency} workers`,
      ];
    case "batch-started":
      return [
        `${batchLabel(event.batch, state.batches)} started on worker ${event.worker}: ` +
          plural(event.items, "item") +
          (event.attempt > 1 ? `, attempt ${event.attempt}` : ""),
      ];
    case "batch-finished": {
      const head =
        `${batchLabel(event.batch, state.batches)} done in ${formatDuration(event.ms)}` +
        (event.failedItems > 0 ? `, ${plural(event.failedItems, "item")} failed` : "");
      const items = (event.itemFailures ?? []).map(
        (failure) => `  item ${failure.index}: ${oneLine(failure.error)}`,
      );
      return [head, ...items];
    }
    case "batch-failed":
      return [
        `${batchLabel(event.batch, state.batches)} failed on attempt ${event.attempt}: ` +
          `${oneLine(event.error)}; ${event.willRetry ? "will retry" : "giving up"}`,
      ];
    case "fanout-finished":
      return [`${label} ${formatSummaryLine(state)}`];
    case "warning-raised":
      return [`warning: ${event.message}`];
    default:
      return [];
  }
}

function plural(count: number | undefined, noun: string): string {
  return `${count ?? "?"} ${noun}${count === 1 ? "" : "s"}`;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}

/** The reduced state behind the live view: an event sink that views subscribe to. */
export interface FanOutStore {
  emit(event: HarnessEvent): void;
  getState(): FanOutViewState;
  /** Returns the unsubscribe function (the shape `useSyncExternalStore` wants). */
  subscribe(listener: () => void): () => void;
}

export function createFanOutStore(now: () => number = Date.now): FanOutStore {
  let state = createFanOutViewState();
  const listeners = new Set<() => void>();
  return {
    emit(event) {
      const next = reduceFanOutEvent(state, event, now());
      if (next === state) return;
      state = next;
      for (const listener of listeners) listener();
    },
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
