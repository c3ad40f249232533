import { describe, expect, it } from "vitest";

import type { HarnessEvent } from "../../src/events.js";
import {
  createFanOutStore,
  createFanOutViewState,
  formatDuration,
  formatFanOutLines,
  formatPlainEventLines,
  formatProgressBar,
  reduceFanOutEvent,
  type FanOutViewState,
} from "../../src/ui/fan-out-format.js";

/** A run of 10 items in 4 batches on 2 workers, with a retry and a failed item. */
const script: [at: number, event: HarnessEvent][] = [
  [0, { type: "fanout-started", items: 10, batches: 4, batchSize: 3, concurrency: 2 }],
  [0, { type: "batch-started", batch: 0, worker: 1, items: 3, attempt: 1 }],
  [0, { type: "batch-started", batch: 1, worker: 2, items: 3, attempt: 1 }],
  [
    1_200,
    {
      type: "batch-failed",
      batch: 1,
      worker: 2,
      attempt: 1,
      error: "socket hang up\n  at x",
      willRetry: true,
    },
  ],
  [1_200, { type: "batch-retried", batch: 1, attempt: 2, delayMs: 1_000 }],
  [
    1_200,
    {
      type: "fanout-progress",
      doneItems: 0,
      failedItems: 0,
      totalItems: 10,
      runningBatches: 1,
      etaMs: 4_800,
    },
  ],
  [1_200, { type: "batch-started", batch: 2, worker: 2, items: 3, attempt: 1 }],
  [
    2_000,
    {
      type: "batch-finished",
      batch: 0,
      worker: 1,
      ms: 2_000,
      failedItems: 1,
      itemFailures: [{ index: 2, error: "not JSON" }],
    },
  ],
  [
    2_000,
    {
      type: "fanout-progress",
      doneItems: 2,
      failedItems: 1,
      totalItems: 10,
      runningBatches: 1,
      etaMs: 3_000,
    },
  ],
];

function reduceUntil(at: number): FanOutViewState {
  let state = createFanOutViewState();
  for (const [time, event] of script) if (time <= at) state = reduceFanOutEvent(state, event, time);
  return state;
}

describe("fan-out view state", () => {
  it("tracks workers, counts, ETA and failures from the events", () => {
    const state = reduceUntil(2_000);
    expect(state).toMatchObject({
      started: true,
      totalItems: 10,
      batches: 4,
      doneItems: 2,
      failedItems: 1,
      runningBatches: 1,
      finishedBatches: 1,
      etaMs: 3_000,
      etaAt: 2_000,
      failureCount: 2,
    });
    expect(state.workers).toEqual([
      { worker: 1 },
      { worker: 2, batch: 2, items: 3, attempt: 1, startedAt: 1_200 },
    ]);
    expect(state.failures).toEqual([
      { batch: 1, attempt: 1, error: "socket hang up\n  at x", willRetry: true },
      { batch: 0, item: 2, error: "not JSON", willRetry: false },
    ]);
  });

  it("formats the live lines: bar, headline, workers, failures", () => {
    expect(formatFanOutLines(reduceUntil(2_000), 3_500)).toEqual([
      `fan-out ${formatProgressBar(0.3)} 30% · 2/10 done · 1 failed · 1 running · ETA 1.5s`,
      "  worker 1  idle",
      "  worker 2  batch 3/4 · 3 items · 2.3s",
      "failures (2):",
      "  batch 2/4 attempt 1: socket hang up at x (will retry)",
      "  batch 1/4 item 2: not JSON",
    ]);
  });

  it("ends with a summary and drops the worker lines", () => {
    const finished = reduceFanOutEvent(
      reduceUntil(2_000),
      {
        type: "fanout-finished",
        doneItems: 8,
        failedItems: 1,
        cancelledItems: 1,
        ms: 65_000,
        aborted: true,
      },
      65_000,
    );
    const lines = formatFanOutLines(finished, 70_000, "translate");
    expect(lines[0]).toBe(
      `translate ${formatProgressBar(0.9)} 90% · 8/10 done · 1 failed · 1 cancelled`,
    );
    expect(lines.at(-1)).toBe("translate aborted after 1m 05s: 8 done, 1 failed, 1 cancelled");
    expect(lines.some((line) => line.includes("worker"))).toBe(false);
  });

  it("shows only the latest failures but counts them all", () => {
    let state = reduceUntil(0);
    for (let batch = 0; batch < 8; batch++) {
      state = reduceFanOutEvent(
        state,
        {
          type: "batch-failed",
          batch,
          worker: 1,
          attempt: 3,
          error: `e${batch}`,
          willRetry: false,
        },
        0,
      );
    }
    expect(state.failureCount).toBe(8);
    expect(state.failures.map((failure) => failure.error)).toEqual(["e3", "e4", "e5", "e6", "e7"]);
  });

  it("leaves the state alone for events it does not show", () => {
    const state = reduceUntil(0);
    expect(reduceFanOutEvent(state, { type: "backend-recovered", backend: "a" }, 5)).toBe(state);
  });

  it("notifies store subscribers on changes only", () => {
    const store = createFanOutStore(() => 0);
    let calls = 0;
    const unsubscribe = store.subscribe(() => calls++);
    store.emit(script[0]![1]);
    store.emit({ type: "backend-recovered", backend: "a" });
    unsubscribe();
    store.emit(script[1]![1]);
    expect(calls).toBe(1);
    expect(store.getState().workers).toHaveLength(1);
  });
});

describe("plain fan-out lines", () => {
  it("writes one line per batch start, finish and failure, plus failed items", () => {
    let state = createFanOutViewState();
    const lines: string[] = [];
    for (const [time, event] of script) {
      state = reduceFanOutEvent(state, event, time);
      lines.push(...formatPlainEventLines(event, state));
    }
    const finish: HarnessEvent = {
      type: "fanout-finished",
      doneItems: 9,
      failedItems: 1,
      cancelledItems: 0,
      ms: 4_321,
      aborted: false,
    };
    state = reduceFanOutEvent(state, finish, 4_321);
    lines.push(...formatPlainEventLines(finish, state, "fan-out"));
    expect(lines).toEqual([
      "fan-out: 10 items in 4 batches of up to 3, 2 workers",
      "batch 1/4 started on worker 1: 3 items",
      "batch 2/4 started on worker 2: 3 items",
      "batch 2/4 failed on attempt 1: socket hang up at x; will retry",
      "batch 3/4 started on worker 2: 3 items",
      "batch 1/4 done in 2.0s, 1 item failed",
      "  item 2: not JSON",
      "fan-out finished in 4.3s: 9 done, 1 failed, 0 cancelled",
    ]);
  });
});

describe("formatDuration", () => {
  it("picks a unit a person reads at a glance", () => {
    expect([0, 850, 12_340, 65_000, 3_599_000, 7_380_000].map(formatDuration)).toEqual([
      "0ms",
      "850ms",
      "12.3s",
      "1m 05s",
      "59m 59s",
      "2h 03m",
    ]);
  });
});
