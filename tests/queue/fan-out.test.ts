import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";

import { InputError, NetworkError } from "../../src/errors.js";
import { createCollectingSink, type EventOf, type HarnessEvent } from "../../src/events.js";
import { fanOut, itemDone, itemFailed, type FanOutResult } from "../../src/queue/fan-out.js";
import { capacityFrom, routerCapacity } from "../../src/queue/router-capacity.js";
import { createFileQueue } from "../../src/queue/file-queue.js";
import type { Queue, QueueSettings } from "../../src/queue/types.js";
import { createTempDir, type TempDir } from "../support/temp-dir.js";

const range = (count: number) => Array.from({ length: count }, (_, index) => index);
const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

function waitForAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(new Error("aborted"));
    if (signal.aborted) fail();
    else signal.addEventListener("abort", fail, { once: true });
  });
}

function eventsOf<T extends HarnessEvent["type"]>(events: HarnessEvent[], type: T): EventOf<T>[] {
  return events.filter((event): event is EventOf<T> => event.type === type);
}

function values<R>(result: FanOutResult<R>): (R | string)[] {
  return result.results.map((entry) => (entry.status === "done" ? entry.value : entry.status));
}

describe("fanOut", () => {
  it("covers every item once in batches of at most batchSize and returns input order", async () => {
    const seen: { index: number; offset: number; items: number[] }[] = [];
    const result = await fanOut({
      items: range(23),
      batchSize: 5,
      concurrency: 3,
      run: async (batch) => {
        seen.push({ index: batch.index, offset: batch.offset, items: [...batch.items] });
        await tick((5 - batch.index) % 3);
        return batch.items.map((item) => item * 2);
      },
    });
    const sorted = [...seen].sort((a, b) => a.index - b.index);
    expect(sorted.map((batch) => batch.items.length)).toEqual([5, 5, 5, 5, 3]);
    expect(sorted.map((batch) => batch.offset)).toEqual([0, 5, 10, 15, 20]);
    expect(sorted.flatMap((batch) => batch.items)).toEqual(range(23));
    expect(result.results.map((entry) => entry.index)).toEqual(range(23));
    expect(values(result)).toEqual(range(23).map((item) => item * 2));
    expect(result.summary).toMatchObject({
      items: 23,
      done: 23,
      failed: 0,
      cancelled: 0,
      batches: 5,
      aborted: false,
      concurrency: 3,
      cancelledIndexes: [],
    });
  });

  it("never runs more than `concurrency` batches at once", async () => {
    let running = 0;
    let most = 0;
    const result = await fanOut({
      items: range(40),
      batchSize: 2,
      concurrency: 3,
      run: async (batch) => {
        running++;
        most = Math.max(most, running);
        await tick(batch.index % 4);
        running--;
        return [...batch.items];
      },
    });
    expect(most).toBe(3);
    expect(result.summary.done).toBe(40);
  });

  it("is a pool: a slow batch does not hold back the others", async () => {
    const finished: number[] = [];
    const othersDone = deferred();
    const workers = new Map<number, number>();
    await fanOut({
      items: range(6),
      batchSize: 1,
      concurrency: 2,
      run: async (batch, context) => {
        workers.set(batch.index, context.worker);
        if (batch.index === 0) await othersDone.promise;
        else await tick();
        finished.push(batch.index);
        if (finished.length === 5) othersDone.resolve();
        return [...batch.items];
      },
    });
    expect(finished).toEqual([1, 2, 3, 4, 5, 0]);
    expect(workers.get(0)).toBe(1);
    expect([1, 2, 3, 4, 5].map((index) => workers.get(index))).toEqual([2, 2, 2, 2, 2]);
  });

  it("isolates a failing batch from the others", async () => {
    const sink = createCollectingSink();
    const result = await fanOut({
      items: range(9),
      batchSize: 3,
      concurrency: 2,
      retries: 0,
      events: sink,
      run: async (batch) => {
        if (batch.index === 1) throw new Error("backend said no");
        return batch.items.map((item) => `ok ${item}`);
      },
    });
    expect(result.results.slice(3, 6)).toEqual(
      [3, 4, 5].map((index) => ({
        index,
        status: "failed",
        error: "backend said no",
        attempts: 1,
      })),
    );
    expect(values(result).filter((value) => value !== "failed")).toHaveLength(6);
    expect(result.summary).toMatchObject({ done: 6, failed: 3, cancelled: 0, aborted: false });
    expect(eventsOf(sink.events, "batch-failed")).toEqual([
      {
        type: "batch-failed",
        batch: 1,
        worker: 2,
        attempt: 1,
        error: "backend said no",
        willRetry: false,
      },
    ]);
  });

  it("retries a failed batch with backoff, without holding a worker while it waits", async () => {
    const sink = createCollectingSink();
    const starts: string[] = [];
    const result = await fanOut({
      items: range(3),
      batchSize: 1,
      concurrency: 1,
      retries: 2,
      backoffMs: 1,
      events: sink,
      run: async (batch, context) => {
        starts.push(`${batch.index}.${context.attempt}`);
        if (batch.index === 0 && context.attempt < 3) throw new Error(`flaky ${context.attempt}`);
        return ["fine"];
      },
    });
    expect(values(result)).toEqual(["fine", "fine", "fine"]);
    expect(starts.slice(0, 2)).toEqual(["0.1", "1.1"]);
    expect(starts.filter((start) => start.startsWith("0."))).toEqual(["0.1", "0.2", "0.3"]);
    expect(eventsOf(sink.events, "batch-failed").map((event) => event.willRetry)).toEqual([
      true,
      true,
    ]);
    const retried = eventsOf(sink.events, "batch-retried");
    expect(retried.map((event) => [event.batch, event.attempt])).toEqual([
      [0, 2],
      [0, 3],
    ]);
    for (const event of retried) expect(event.delayMs).toBeGreaterThanOrEqual(0);
  });

  it("gives up after the retries and reports the attempts", async () => {
    const sink = createCollectingSink();
    let calls = 0;
    const result = await fanOut({
      items: ["a", "b"],
      batchSize: 2,
      concurrency: 1,
      retries: 1,
      backoffMs: 1,
      events: sink,
      run: async () => {
        calls++;
        throw new Error(`broken ${calls}`);
      },
    });
    expect(calls).toBe(2);
    expect(result.results).toEqual([
      { index: 0, status: "failed", error: "broken 2", attempts: 2 },
      { index: 1, status: "failed", error: "broken 2", attempts: 2 },
    ]);
    expect(eventsOf(sink.events, "batch-failed").map((event) => event.willRetry)).toEqual([
      true,
      false,
    ]);
  });

  it("fails single items that run reports as failed, keeping the rest of the batch", async () => {
    const sink = createCollectingSink();
    const result = await fanOut({
      items: range(6),
      batchSize: 3,
      concurrency: 2,
      events: sink,
      run: async (batch) =>
        batch.items.map((item) =>
          item % 2 === 1 ? itemFailed<number>(new Error(`odd ${item}`)) : itemDone(item * 10),
        ),
    });
    expect(result.results).toEqual([
      { index: 0, status: "done", value: 0 },
      { index: 1, status: "failed", error: "odd 1", attempts: 1 },
      { index: 2, status: "done", value: 20 },
      { index: 3, status: "failed", error: "odd 3", attempts: 1 },
      { index: 4, status: "done", value: 40 },
      { index: 5, status: "failed", error: "odd 5", attempts: 1 },
    ]);
    const finished = eventsOf(sink.events, "batch-finished").sort((a, b) => a.batch - b.batch);
    expect(finished.map((event) => [event.failedItems, event.itemFailures])).toEqual([
      [1, [{ index: 1, error: "odd 1" }]],
      [
        2,
        [
          { index: 3, error: "odd 3" },
          { index: 5, error: "odd 5" },
        ],
      ],
    ]);
    expect(eventsOf(sink.events, "batch-failed")).toEqual([]);
  });

  it("reads plain { ok, error } objects as outcomes and other values as they are", async () => {
    const result = await fanOut<string, unknown>({
      items: ["x", "y", "z"],
      batchSize: 3,
      concurrency: 1,
      run: async () => [
        { ok: false, error: "nope" },
        { ok: true, value: 1 },
        { ok: true, extra: 2 },
      ],
    });
    expect(result.results).toEqual([
      { index: 0, status: "failed", error: "nope", attempts: 1 },
      { index: 1, status: "done", value: 1 },
      { index: 2, status: "done", value: { ok: true, extra: 2 } },
    ]);
  });

  it("counts a wrong number of results as a failed batch", async () => {
    const result = await fanOut({
      items: range(4),
      batchSize: 4,
      concurrency: 1,
      retries: 0,
      run: async () => [1, 2],
    });
    expect(result.results[0]).toEqual({
      index: 0,
      status: "failed",
      error: "run returned 2 results for 4 items",
      attempts: 1,
    });
  });

  it("stops on abort: running batches get the signal, nothing new starts, the rest is cancelled", async () => {
    const controller = new AbortController();
    const sink = createCollectingSink();
    const started: number[] = [];
    const signalled: number[] = [];
    const bothWaiting = deferred();
    const resultPromise = fanOut({
      items: range(20),
      batchSize: 2,
      concurrency: 2,
      signal: controller.signal,
      events: sink,
      run: async (batch, context) => {
        started.push(batch.index);
        if (batch.index < 2) return [...batch.items];
        if (started.length === 4) bothWaiting.resolve();
        try {
          return await waitForAbort(context.signal);
        } finally {
          if (context.signal.aborted) signalled.push(batch.index);
        }
      },
    });
    await bothWaiting.promise;
    controller.abort();
    const result = await resultPromise;
    expect(started).toEqual([0, 1, 2, 3]);
    expect(signalled.sort()).toEqual([2, 3]);
    expect(result.summary).toMatchObject({ done: 4, failed: 0, cancelled: 16, aborted: true });
    expect(result.summary.cancelledIndexes).toEqual(range(20).slice(4));
    expect(values(result)).toEqual([0, 1, 2, 3, ...range(16).map(() => "cancelled")]);
    expect(eventsOf(sink.events, "batch-started")).toHaveLength(4);
    expect(eventsOf(sink.events, "batch-failed")).toEqual([]);
    expect(sink.events.at(-1)).toMatchObject({
      type: "fanout-finished",
      doneItems: 4,
      cancelledItems: 16,
      aborted: true,
    });
  });

  it("abandons batches that ignore the signal once the grace period ends", async () => {
    const controller = new AbortController();
    const running = deferred();
    const resultPromise = fanOut({
      items: range(4),
      batchSize: 1,
      concurrency: 1,
      signal: controller.signal,
      graceMs: 5,
      run: async () => {
        running.resolve();
        return new Promise<number[]>(() => undefined);
      },
    });
    await running.promise;
    controller.abort();
    const result = await resultPromise;
    expect(result.summary).toMatchObject({ cancelled: 4, aborted: true });
  });

  it("starts nothing when the signal is already aborted", async () => {
    let calls = 0;
    const result = await fanOut({
      items: range(3),
      batchSize: 1,
      concurrency: "auto",
      capacity: async () => {
        calls++;
        return 4;
      },
      signal: AbortSignal.abort(),
      run: async (batch) => {
        calls++;
        return [...batch.items];
      },
    });
    expect(calls).toBe(0);
    expect(result.summary).toMatchObject({
      cancelled: 3,
      aborted: true,
      cancelledIndexes: [0, 1, 2],
    });
  });

  it("returns an empty result for no items", async () => {
    const sink = createCollectingSink();
    const result = await fanOut({
      items: [],
      batchSize: 5,
      concurrency: 2,
      events: sink,
      run: async () => [],
    });
    expect(result.results).toEqual([]);
    expect(result.summary).toMatchObject({ items: 0, batches: 0, done: 0, aborted: false });
    expect(sink.events.map((event) => event.type)).toEqual(["fanout-started", "fanout-finished"]);
  });

  it("throws InputError for bad options", async () => {
    const run = async () => [];
    const bad = [
      { items: [1], batchSize: 0, concurrency: 1, run },
      { items: [1], batchSize: 1.5, concurrency: 1, run },
      { items: [1], batchSize: 1, concurrency: 0, run },
      { items: [1], batchSize: 1, concurrency: "auto" as const, run },
      { items: [1], batchSize: 1, concurrency: 1, retries: -1, run },
      {
        items: [1],
        batchSize: 1,
        concurrency: 1,
        run,
        durable: { queue: {} as Queue, jobId: "Bad Id" },
      },
    ];
    for (const options of bad) await expect(fanOut(options)).rejects.toBeInstanceOf(InputError);
  });

  it("emits progress with an ETA and a final summary", async () => {
    const sink = createCollectingSink();
    await fanOut({
      items: range(8),
      batchSize: 2,
      concurrency: 2,
      events: sink,
      run: async (batch) => {
        await tick(1);
        return [...batch.items];
      },
    });
    expect(sink.events[0]).toEqual({
      type: "fanout-started",
      items: 8,
      batches: 4,
      batchSize: 2,
      concurrency: 2,
    });
    const progress = eventsOf(sink.events, "fanout-progress");
    expect(progress).toHaveLength(4);
    expect(progress.map((event) => event.doneItems)).toEqual([2, 4, 6, 8]);
    for (const event of progress.slice(0, 3)) expect(event.etaMs).toBeGreaterThanOrEqual(0);
    expect(progress.at(-1)).toMatchObject({ etaMs: 0, totalItems: 8, runningBatches: 0 });
    expect(sink.events.at(-1)).toMatchObject({ type: "fanout-finished", doneItems: 8 });
  });
});

describe("fanOut with concurrency auto", () => {
  it("starts from the capacity and adds workers when it grows", async () => {
    const sink = createCollectingSink();
    const capacities = [1, 3];
    let running = 0;
    let most = 0;
    const runningAtStart: number[] = [];
    const result = await fanOut({
      items: range(12),
      batchSize: 1,
      concurrency: "auto",
      capacity: async () => capacities.shift() ?? 3,
      capacityRefreshMs: 0,
      events: sink,
      run: async (batch) => {
        running++;
        runningAtStart.push(running);
        most = Math.max(most, running);
        await tick(5);
        running--;
        return [...batch.items];
      },
    });
    expect(eventsOf(sink.events, "fanout-started")[0]?.concurrency).toBe(1);
    expect(runningAtStart[0]).toBe(1);
    expect(most).toBe(3);
    expect(result.summary).toMatchObject({ done: 12, concurrency: 3 });
  });

  it("retires workers when capacity shrinks and clamps to 1..maxConcurrency", async () => {
    const capacities = [100, 0];
    let running = 0;
    const late: number[] = [];
    const result = await fanOut({
      items: range(30),
      batchSize: 1,
      concurrency: "auto",
      maxConcurrency: 4,
      capacity: async () => capacities.shift() ?? 0,
      capacityRefreshMs: 0,
      run: async (batch) => {
        running++;
        if (batch.index >= 20) late.push(running);
        await tick(1);
        running--;
        return [...batch.items];
      },
    });
    expect(result.summary).toMatchObject({ done: 30, concurrency: 4 });
    expect(Math.max(...late)).toBe(1);
  });

  it("keeps its workers when a capacity read fails during the run", async () => {
    const sink = createCollectingSink();
    let reads = 0;
    const result = await fanOut({
      items: range(4),
      batchSize: 1,
      concurrency: "auto",
      capacity: async () => {
        if (reads++ > 0) throw new Error("router gone");
        return 2;
      },
      capacityRefreshMs: 0,
      events: sink,
      run: async (batch) => [...batch.items],
    });
    expect(result.summary.done).toBe(4);
    expect(eventsOf(sink.events, "warning-raised")[0]?.message).toContain("router gone");
  });
});

describe("routerCapacity", () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  async function serveStatus(
    body: unknown,
    status = 200,
  ): Promise<{ url: string; seen: string[] }> {
    const seen: string[] = [];
    server = createServer((request, response) => {
      seen.push(`${request.url} ${request.headers.authorization ?? "-"}`);
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}/`, seen };
  }

  const backend = (name: string, state: string, slots: number) => ({
    name,
    kind: "llama-server",
    protocol: "openai",
    state,
    readiness: "ready",
    breaker: "closed",
    inFlight: 0,
    slots,
    stats: {},
  });

  it("sums the slots of available and busy backends", async () => {
    const { url, seen } = await serveStatus({
      strategy: "least-busy",
      queue: { waiting: 0, max: 100 },
      models: ["m"],
      backends: [
        backend("a", "available", 4),
        backend("b", "busy", 2),
        backend("c", "tripped", 8),
        backend("d", "warming", 3),
        backend("e", "down", 1),
      ],
    });
    expect(await routerCapacity(url)).toBe(6);
    expect(await capacityFrom(url, { token: "secret" })()).toBe(6);
    expect(seen).toEqual(["/status -", "/status Bearer secret"]);
  });

  it("says clearly when the router cannot be reached or read", async () => {
    const { url } = await serveStatus({ error: "no" }, 401);
    await expect(routerCapacity(url)).rejects.toThrow(/answered 401/);
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const failure = routerCapacity(url).catch((error: unknown) => error);
    const error = await failure;
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).message).toMatch(/cannot reach the router at http:\/\/127/);
    expect((error as NetworkError).hint).toContain("harness router start");
  });

  it("rejects a /status without backends", async () => {
    const { url } = await serveStatus({ hello: "world" });
    await expect(routerCapacity(url)).rejects.toBeInstanceOf(NetworkError);
  });
});

describe("fanOut in durable mode (file queue)", () => {
  const opened: { queue: Queue; dir: TempDir }[] = [];
  afterEach(async () => {
    for (const { queue, dir } of opened.splice(0)) {
      await queue.close();
      await dir.remove();
    }
  });

  /** A file queue in a fresh folder, with short backoffs so retries come quickly. */
  async function openQueue(settings: Partial<QueueSettings> = {}): Promise<Queue> {
    const dir = await createTempDir("fan-out-queue");
    const queue = await createFileQueue({
      dir: dir.path,
      settings: { backoffMs: 1, maxBackoffMs: 5, ...settings },
    });
    opened.push({ queue, dir });
    return queue;
  }

  it("reruns after a crash without running done batches again; results stay in input order", async () => {
    const queue = await openQueue();
    const items = range(15).map((item) => `item ${item}`);
    const controller = new AbortController();
    const firstRuns: number[] = [];
    const first = await fanOut({
      items,
      batchSize: 3,
      concurrency: 1,
      signal: controller.signal,
      durable: { queue, jobId: "translate-7", pollMs: 2 },
      run: async (batch, context) => {
        firstRuns.push(batch.index);
        if (batch.index === 2) {
          controller.abort();
          return waitForAbort(context.signal);
        }
        return batch.items.map((item) => item.toUpperCase());
      },
    });
    expect(firstRuns).toEqual([0, 1, 2]);
    expect(first.summary).toMatchObject({ done: 6, cancelled: 9, aborted: true });
    expect(first.summary.cancelledIndexes).toEqual(range(15).slice(6));

    const stored = (await queue.list()).items;
    expect(stored.map((item) => [item.id, item.state]).sort()).toEqual([
      ["translate-7-b00000", "done"],
      ["translate-7-b00001", "done"],
      ["translate-7-b00002", "pending"],
      ["translate-7-b00003", "pending"],
      ["translate-7-b00004", "pending"],
    ]);
    const batchItem = await queue.get("translate-7-b00002");
    expect(batchItem).toMatchObject({
      title: "translate-7 batch 3/5",
      data: { jobId: "translate-7", index: 2, offset: 6, count: 3 },
      attempts: 0,
    });

    // A worker that dies holding a batch: its lease runs out and the rerun picks it up.
    const crashed = await queue.claim({ worker: "dead:1:1", leaseMs: 5 });
    expect(crashed?.item.id).toBe("translate-7-b00002");

    const sink = createCollectingSink();
    const secondRuns: string[] = [];
    const second = await fanOut({
      items,
      batchSize: 3,
      concurrency: 2,
      events: sink,
      durable: { queue, jobId: "translate-7", pollMs: 2, leaseMs: 60 },
      run: async (batch, context) => {
        secondRuns.push(`${batch.index}.${context.attempt}`);
        return batch.items.map((item) => item.toUpperCase());
      },
    });
    expect(secondRuns.sort()).toEqual(["2.2", "3.1", "4.1"]);
    expect(second.results.map((entry) => entry.index)).toEqual(range(15));
    expect(values(second)).toEqual(items.map((item) => item.toUpperCase()));
    expect(second.summary).toMatchObject({ done: 15, failed: 0, cancelled: 0, aborted: false });
    expect(eventsOf(sink.events, "fanout-progress")[0]).toMatchObject({ doneItems: 6 });
    expect((await queue.stats()).done).toBe(5);

    let thirdCalls = 0;
    const third = await fanOut({
      items,
      batchSize: 3,
      concurrency: 2,
      durable: { queue, jobId: "translate-7", pollMs: 2 },
      run: async (batch) => {
        thirdCalls++;
        return [...batch.items];
      },
    });
    expect(thirdCalls).toBe(0);
    expect(values(third)).toEqual(items.map((item) => item.toUpperCase()));
  });

  it("uses the queue's attempts and stores per-item outcomes", async () => {
    const queue = await openQueue({ maxAttempts: 2 });
    const sink = createCollectingSink();
    const result = await fanOut({
      items: range(4),
      batchSize: 2,
      concurrency: 2,
      retries: 5,
      events: sink,
      durable: { queue, jobId: "triage", pollMs: 1 },
      run: async (batch) => {
        if (batch.index === 1) throw new Error("model timed out");
        return batch.items.map((item) =>
          item === 1 ? itemFailed<number>("no label") : itemDone(item),
        );
      },
    });
    expect(result.results).toEqual([
      { index: 0, status: "done", value: 0 },
      { index: 1, status: "failed", error: "no label", attempts: 1 },
      { index: 2, status: "failed", error: "model timed out", attempts: 2 },
      { index: 3, status: "failed", error: "model timed out", attempts: 2 },
    ]);
    expect(eventsOf(sink.events, "batch-failed").map((event) => event.willRetry)).toEqual([
      true,
      false,
    ]);
    expect((await queue.get("triage-b00000"))?.result).toEqual([
      { ok: true, value: 0 },
      { ok: false, error: "no label" },
    ]);
    expect((await queue.get("triage-b00001"))?.state).toBe("failed");
  });

  it("refuses a queue that holds other work and leaves that work alone", async () => {
    const queue = await openQueue();
    await queue.enqueue({ id: "42-fix-crash", title: "Fix the crash" });
    await expect(
      fanOut({
        items: range(2),
        batchSize: 1,
        concurrency: 1,
        durable: { queue, jobId: "job", pollMs: 1 },
        run: async (batch) => [...batch.items],
      }),
    ).rejects.toThrow(/holds 1 items of other work \(42-fix-crash\)/);
    expect((await queue.list()).items.map((item) => [item.id, item.state, item.attempts])).toEqual([
      ["42-fix-crash", "pending", 0],
    ]);
  });

  it("refuses a rerun whose batches no longer match the stored ones", async () => {
    const queue = await openQueue();
    const options = {
      items: range(4),
      concurrency: 1,
      run: async (batch: { items: readonly number[] }) => [...batch.items],
    };
    await fanOut({ ...options, batchSize: 2, durable: { queue, jobId: "job", pollMs: 1 } });
    await expect(
      fanOut({ ...options, batchSize: 1, durable: { queue, jobId: "job", pollMs: 1 } }),
    ).rejects.toBeInstanceOf(InputError);
  });

  it("puts batches a previous run left failed back in line, unless told not to", async () => {
    const queue = await openQueue({ maxAttempts: 1 });
    const durable = { queue, jobId: "retry-me", pollMs: 1 };
    let broken = true;
    const options = {
      items: range(4),
      batchSize: 2,
      concurrency: 1,
      run: async (batch: { index: number; items: readonly number[] }) => {
        if (broken && batch.index === 1) throw new Error("quota exceeded");
        return [...batch.items];
      },
    };
    const first = await fanOut({ ...options, durable });
    expect(first.summary).toMatchObject({ done: 2, failed: 2 });
    broken = false;
    const kept = await fanOut({ ...options, durable: { ...durable, retryFailed: false } });
    expect(kept.results[2]).toEqual({
      index: 2,
      status: "failed",
      error: "quota exceeded",
      attempts: 1,
    });
    const retried = await fanOut({ ...options, durable });
    expect(values(retried)).toEqual([0, 1, 2, 3]);
  });

  it("stops and rethrows when the queue itself fails, after reporting the end", async () => {
    const queue = await openQueue();
    const sink = createCollectingSink();
    const claim = queue.claim.bind(queue);
    let claims = 0;
    queue.claim = async (options) => {
      if (++claims > 1) throw new Error("disk full");
      return claim(options);
    };
    await expect(
      fanOut({
        items: range(3),
        batchSize: 1,
        concurrency: 1,
        events: sink,
        durable: { queue, jobId: "doomed", pollMs: 1 },
        run: async (batch) => [...batch.items],
      }),
    ).rejects.toThrow("disk full");
    expect(sink.events.at(-1)).toMatchObject({
      type: "fanout-finished",
      doneItems: 1,
      cancelledItems: 2,
      aborted: true,
    });
  });

  it("renews the lease while a batch runs longer than the lease", async () => {
    const queue = await openQueue();
    let renewals = 0;
    const renew = queue.renew.bind(queue);
    queue.renew = async (claim, leaseMs) => {
      renewals++;
      return renew(claim, leaseMs);
    };
    const result = await fanOut({
      items: range(2),
      batchSize: 2,
      concurrency: 1,
      durable: { queue, jobId: "slow", leaseMs: 15, pollMs: 1 },
      run: async (batch) => {
        await tick(40);
        return [...batch.items];
      },
    });
    expect(result.summary.done).toBe(2);
    expect(renewals).toBeGreaterThan(0);
    expect((await queue.get("slow-b00000"))?.attempts).toBe(1);
  });
});
