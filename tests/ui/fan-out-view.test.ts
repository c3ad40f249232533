/**
 * The live view through ink-testing-library, and the three reporter modes. Plain `.ts` with
 * `createElement`: vitest's include pattern (`tests/**\/*.test.ts`) does not pick up `.tsx`.
 */
import { PassThrough } from "node:stream";
import { render } from "ink-testing-library";
import { createElement } from "react";
import { describe, expect, it } from "vitest";

import type { HarnessEvent } from "../../src/events.js";
import { fanOut, itemFailed } from "../../src/queue/fan-out.js";
import { createFanOutStore } from "../../src/ui/fan-out-format.js";
import { createFanOutReporter, fanOutReporterMode } from "../../src/ui/fan-out-reporter.js";
import { FanOutView } from "../../src/ui/fan-out-view.js";

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

function collectingStream() {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe("FanOutView", () => {
  it("shows progress, the workers and failures as the events arrive", async () => {
    let now = 10_000;
    const store = createFanOutStore(() => now);
    const view = render(
      createElement(FanOutView, { store, now: () => now, label: "translate", refreshMs: 5 }),
    );
    expect(view.lastFrame()).toContain("translate starting");

    const events: HarnessEvent[] = [
      { type: "fanout-started", items: 6, batches: 3, batchSize: 2, concurrency: 2 },
      { type: "batch-started", batch: 0, worker: 1, items: 2, attempt: 1 },
      { type: "batch-started", batch: 1, worker: 2, items: 2, attempt: 1 },
    ];
    for (const event of events) store.emit(event);
    now += 3_000;
    store.emit({
      type: "batch-failed",
      batch: 1,
      worker: 2,
      attempt: 1,
      error: "rate limited",
      willRetry: true,
    });
    store.emit({
      type: "batch-finished",
      batch: 0,
      worker: 1,
      ms: 3_000,
      failedItems: 1,
      itemFailures: [{ index: 1, error: "empty answer" }],
    });
    store.emit({
      type: "fanout-progress",
      doneItems: 1,
      failedItems: 1,
      totalItems: 6,
      runningBatches: 0,
      etaMs: 6_000,
    });
    store.emit({ type: "batch-started", batch: 2, worker: 1, items: 2, attempt: 1 });
    now += 1_000;
    // No event since the clock moved: the view's own refresh redraws elapsed time and ETA.
    await settle();

    const frame = view.lastFrame() ?? "";
    expect(frame).toContain("translate");
    expect(frame).toContain("33% · 1/6 done · 1 failed · 1 running · ETA 5.0s");
    expect(frame).toContain("worker 1  batch 3/3 · 2 items · 1.0s");
    expect(frame).toContain("worker 2  idle");
    expect(frame).toContain("failures (2):");
    expect(frame).toContain("batch 2/3 attempt 1: rate limited (will retry)");
    expect(frame).toContain("batch 1/3 item 1: empty answer");

    store.emit({
      type: "fanout-finished",
      doneItems: 5,
      failedItems: 1,
      cancelledItems: 0,
      ms: 9_000,
      aborted: false,
    });
    await settle();
    const last = view.lastFrame() ?? "";
    expect(last).toContain("translate finished in 9.0s: 5 done, 1 failed, 0 cancelled");
    expect(last).not.toContain("worker 1");
    view.unmount();
  });
});

describe("createFanOutReporter", () => {
  const runSmallJob = (events: { emit(event: HarnessEvent): void }) =>
    fanOut({
      items: ["a", "b", "c"],
      batchSize: 2,
      concurrency: 1,
      events,
      run: async (batch) =>
        batch.items.map((item) => (item === "c" ? itemFailed<string>("no translation") : item)),
    });

  it("plain: a line per batch and a summary, no escape codes", async () => {
    const out = collectingStream();
    const reporter = await createFanOutReporter({ mode: "plain", stdout: out.stream });
    await runSmallJob(reporter);
    await reporter.close();
    const lines = out.text().trimEnd().split("\n");
    expect(lines.slice(0, -1)).toEqual([
      "fan-out: 3 items in 2 batches of up to 2, 1 workers",
      "batch 1/2 started on worker 1: 2 items",
      expect.stringMatching(/^batch 1\/2 done in \d+ms$/),
      "batch 2/2 started on worker 1: 1 item",
      expect.stringMatching(/^batch 2\/2 done in \d+ms, 1 item failed$/),
      "  item 2: no translation",
    ]);
    expect(lines.at(-1)).toMatch(/^fan-out finished in \d+ms: 2 done, 1 failed, 0 cancelled$/);
    expect(out.text()).not.toContain("\u001b[");
  });

  it("json: every event as one JSON object per line", async () => {
    const out = collectingStream();
    const reporter = await createFanOutReporter({ mode: "json", stdout: out.stream });
    await runSmallJob(reporter);
    await reporter.close();
    const events = out
      .text()
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as HarnessEvent);
    expect(events.map((event) => event.type)).toEqual([
      "fanout-started",
      "batch-started",
      "batch-finished",
      "fanout-progress",
      "batch-started",
      "batch-finished",
      "fanout-progress",
      "fanout-finished",
    ]);
    expect(events[5]).toMatchObject({ failedItems: 1, itemFailures: [{ index: 2 }] });
  });

  it("tty: renders the ink view and leaves the summary on screen", async () => {
    const out = collectingStream();
    const stdout = Object.assign(out.stream, { isTTY: true, columns: 100, rows: 40 });
    const reporter = await createFanOutReporter({ mode: "tty", stdout, label: "triage" });
    await runSmallJob(reporter);
    await reporter.close();
    await reporter.close();
    expect(out.text()).toContain("triage finished in");
    expect(out.text()).toContain("item 2: no translation");
  });

  it("picks the mode from the output", () => {
    expect(fanOutReporterMode({ json: true, interactive: false })).toBe("json");
    expect(fanOutReporterMode({ json: false, interactive: true })).toBe("tty");
    expect(fanOutReporterMode({ json: false, interactive: false })).toBe("plain");
  });
});
