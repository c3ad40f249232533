/**
 * The Redis driver against a real redis-server: the shared queue contract, then what only this
 * driver has (BullMQ job ids, a second process taking over, BullMQ's own stalled check, Redis
 * going away and coming back).
 */
import { Queue as BullQueue, Worker as BullWorker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createCollectingSink } from "../../src/events.js";
import { CorruptItemError, LeaseLostError, QueueUnavailableError } from "../../src/queue/errors.js";
import { createRedisQueue, type RedisQueueOptions } from "../../src/queue/redis-queue.js";
import type { Claim, Queue } from "../../src/queue/types.js";
import { skipRedisTests, startRedis, type RedisServer } from "../support/redis-server.js";
import { contractSettings, queueContract } from "./queue-contract.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let queueNumber = 0;
const freshName = () => `test-${process.pid}-${++queueNumber}`;

async function claimOrFail(queue: Queue, worker = "w1", leaseMs?: number): Promise<Claim> {
  const claim = await queue.claim({ worker, ...(leaseMs ? { leaseMs } : {}) });
  if (!claim) throw new Error("expected a claimable item");
  return claim;
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  try {
    await run();
    return { ms: Date.now() - started, error: undefined };
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
}

describe.skipIf(skipRedisTests)("redis queue", () => {
  let redis: RedisServer;
  const open: Queue[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });

  afterAll(async () => {
    await Promise.all(open.map((queue) => queue.close()));
    await redis?.dispose();
  });

  async function openQueue(options: Partial<RedisQueueOptions> = {}): Promise<Queue> {
    const queue = await createRedisQueue({
      url: redis.url,
      name: freshName(),
      settings: contractSettings,
      ...options,
    });
    open.push(queue);
    return queue;
  }

  queueContract("redis", async () => {
    const queue = await createRedisQueue({
      url: redis.url,
      name: freshName(),
      settings: contractSettings,
    });
    return { queue, cleanup: async () => {} };
  });

  it("uses item ids as job ids, escaping the ones BullMQ refuses", async () => {
    const name = freshName();
    const queue = await openQueue({ name });
    for (const id of ["fix-7", "42", "meta"]) await queue.enqueue({ id, title: id });
    const raw = new Redis(redis.url);
    try {
      expect(await raw.exists(`harness:${name}:fix-7`, `harness:${name}:#42`)).toBe(2);
      expect(await raw.exists(`harness:${name}:#meta`)).toBe(1);
      expect(await raw.type(`harness:${name}:meta`)).toBe("hash"); // BullMQ's own meta key
    } finally {
      raw.disconnect();
    }
    expect((await queue.get("42"))?.title).toBe("42");
    const ids = (await queue.list()).items.map((item) => item.id).sort();
    expect(ids).toEqual(["42", "fix-7", "meta"]);
  });

  it("keeps enqueue a no-op after an item failed, and orders by priority then age", async () => {
    const queue = await openQueue();
    await queue.enqueue({ id: "gone", title: "first", maxAttempts: 1 });
    await queue.fail(await claimOrFail(queue), "broken");
    const again = await queue.enqueue({ id: "gone", title: "second" });
    expect(again).toMatchObject({ created: false, item: { state: "failed", title: "first" } });

    await queue.enqueue({ id: "low", title: "t", priority: -5 });
    await queue.enqueue({ id: "plain-1", title: "t" });
    await queue.enqueue({ id: "urgent-later", title: "t", priority: 100, delayMs: 400 });
    await queue.enqueue({ id: "plain-2", title: "t" });
    await queue.enqueue({ id: "high", title: "t", priority: 7 });
    const pending = await queue.list({ state: "pending" });
    expect(pending.items.map((item) => [item.id, item.priority])).toEqual([
      ["urgent-later", 100],
      ["high", 7],
      ["plain-1", 0],
      ["plain-2", 0],
      ["low", -5],
    ]);
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const claim = await claimOrFail(queue);
      order.push(claim.item.id);
      await queue.complete(claim);
    }
    expect(order).toEqual(["high", "plain-1", "plain-2", "low"]);
    await sleep(450);
    expect((await claimOrFail(queue)).item.id).toBe("urgent-later");
    expect((await queue.list({ state: "done", limit: 2 })).items).toHaveLength(2);
  });

  it("lets another process take over an expired lease; the old holder gets LeaseLostError", async () => {
    const name = freshName();
    const first = await openQueue({ name, worker: "machine-a" });
    const second = await openQueue({ name, worker: "machine-b" });
    await first.enqueue({ id: "job", title: "t" });
    const stale = await claimOrFail(first, "machine-a:1", 300);
    expect(stale.item.lease).toMatchObject({ owner: "machine-a:1" });
    expect(await second.claim({ worker: "machine-b:1" })).toBeUndefined();
    await sleep(450);
    const fresh = await claimOrFail(second, "machine-b:1");
    expect(fresh.attempt).toBe(2);
    expect((await second.get("job"))?.lease?.owner).toBe("machine-b:1");
    const staleCalls: (() => Promise<unknown>)[] = [
      () => first.renew(stale),
      () => first.complete(stale, "late"),
      () => first.fail(stale, "late"),
      () => first.release(stale),
    ];
    for (const call of staleCalls) await expect(call()).rejects.toBeInstanceOf(LeaseLostError);
    expect((await second.get("job"))?.state).toBe("running");
    await second.complete(await second.renew(fresh), "on time");
    const item = await first.get("job");
    expect(item).toMatchObject({ state: "done", result: "on time", attempts: 2 });
    expect(item?.errors.map((error) => [error.attempt, error.kind])).toEqual([
      [1, "lease-expired"],
    ]);
  });

  it("recovers an item whose worker stopped renewing through BullMQ's stalled check", async () => {
    const name = freshName();
    // All processes of a queue share BullMQ's "stalled check done" key, so they use one interval.
    const dying = await openQueue({ name, stalledIntervalMs: 200 });
    const events = createCollectingSink();
    const watcher = await openQueue({ name, stalledIntervalMs: 200, events });
    await dying.enqueue({ id: "job", title: "t" });
    await claimOrFail(dying, "dies", 400);
    await dying.close(); // gone without a word; the lock stays until it expires
    // The watcher's first claim finds nothing and starts its stalled check; from then on only
    // that timer runs.
    expect(await watcher.claim({ worker: "watch" })).toBeUndefined();
    let item = await watcher.get("job");
    for (let i = 0; i < 40 && item?.state === "running"; i++) {
      await sleep(50);
      item = await watcher.get("job");
    }
    expect(item).toMatchObject({ state: "pending", attempts: 1 });
    expect(item?.errors).toEqual([expect.objectContaining({ attempt: 1, kind: "lease-expired" })]);
    expect(events.events).toEqual([
      { type: "item-recovered", id: "job", attempt: 1, to: "pending" },
    ]);
  });

  it("fails an item whose last attempt's lease expired, also when a plain BullMQ worker recovered it", async () => {
    const name = freshName();
    const queue = await openQueue({ name });
    await queue.enqueue({ id: "by-harness", title: "t", maxAttempts: 1 });
    await queue.enqueue({ id: "by-bullmq", title: "t", maxAttempts: 1 });
    await claimOrFail(queue, "w", 200);
    await claimOrFail(queue, "w", 200);
    await sleep(300);

    // A BullMQ worker that knows nothing of the harness moves "by-bullmq" back to wait.
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const plain = new BullWorker(name, null, {
      connection,
      prefix: "harness",
      autorun: false,
      maxStalledCount: 1000,
    });
    const bull = new BullQueue(name, { connection, prefix: "harness" });
    try {
      // As if its check had run before: the job is marked, and the check is due.
      await connection.sadd(`harness:${name}:stalled`, "by-bullmq");
      await connection.del(`harness:${name}:stalled-check`);
      expect(await plain.getBackend().moveStalledJobsToWait()).toEqual(["by-bullmq"]);
      expect(await bull.getJobState("by-bullmq")).toBe("waiting");
    } finally {
      await plain.close();
      await bull.close();
      connection.disconnect();
    }
    expect((await queue.get("by-bullmq"))?.errors.map((error) => error.kind)).toEqual([
      "lease-expired",
    ]);

    expect(await queue.recoverExpired()).toEqual(["by-harness"]);
    expect(await queue.claim({ worker: "w" })).toBeUndefined(); // fails by-bullmq on the way
    for (const id of ["by-harness", "by-bullmq"]) {
      const item = await queue.get(id);
      expect(item).toMatchObject({ state: "failed", attempts: 1 });
      expect(item?.errors).toEqual([
        expect.objectContaining({ attempt: 1, kind: "lease-expired" }),
      ]);
    }
  });

  it("hands each item to one of many concurrent loops on one queue exactly once", async () => {
    // The loops' commands leave in shared writes (one per turn of the event loop); each claim
    // must still get its own item and each complete must land on its own claim.
    const queue = await openQueue();
    const ids = Array.from({ length: 120 }, (_, i) => `item-${i}`);
    for (const id of ids) await queue.enqueue({ id, title: id });
    const seen: string[] = [];
    const loop = async (n: number) => {
      for (;;) {
        const claim = await queue.claim({ worker: `loop-${n}` });
        if (!claim) return;
        seen.push(claim.item.id);
        expect(claim.item.lease?.owner).toBe(`loop-${n}`);
        const done = await queue.complete(claim, { by: n });
        expect(done).toMatchObject({ id: claim.item.id, state: "done", result: { by: n } });
      }
    };
    await Promise.all(Array.from({ length: 16 }, (_, n) => loop(n)));
    expect([...seen].sort()).toEqual([...ids].sort());
    expect(await queue.stats()).toMatchObject({ pending: 0, running: 0, done: ids.length });
    const stored = await queue.get("item-7");
    expect(stored).toMatchObject({ state: "done", attempts: 1, errors: [] });
  });

  it("reports a job it cannot read as a problem and never hands it out", async () => {
    const name = freshName();
    const queue = await openQueue({ name });
    await queue.enqueue({ id: "good", title: "t" });
    const raw = new Redis(redis.url);
    try {
      await raw.hset(`harness:${name}:bad`, { name: "item", data: "{not json", priority: "1" });
      await raw.rpush(`harness:${name}:wait`, "bad");
    } finally {
      raw.disconnect();
    }
    const listed = await queue.list();
    expect(listed.items.map((item) => item.id)).toEqual(["good"]);
    expect(listed.problems).toEqual([
      expect.objectContaining({ id: "bad", location: `harness:${name}:bad` }),
    ]);
    await expect(queue.get("bad")).rejects.toBeInstanceOf(CorruptItemError);
    expect((await claimOrFail(queue)).item.id).toBe("good");
    expect(await queue.claim({ worker: "w1" })).toBeUndefined();
    expect(await queue.stats()).toMatchObject({ pending: 0, running: 1, failed: 1 });
  });

  it("fails fast with QueueUnavailableError when nothing listens at the URL", async () => {
    const url = `redis://127.0.0.1:${redis.port + 1}`;
    const { ms, error } = await timed(() =>
      createRedisQueue({ url, name: "nowhere", connectTimeoutMs: 1_000 }),
    );
    expect(error).toBeInstanceOf(QueueUnavailableError);
    expect((error as QueueUnavailableError).message).toContain(url);
    expect((error as QueueUnavailableError).hint).toMatch(/redis-server.*queue\.url/);
    expect(ms).toBeLessThan(3_000);
  });
});

describe.skipIf(skipRedisTests)("redis queue while Redis goes away", () => {
  let redis: RedisServer;

  beforeAll(async () => {
    // Persisted to an append-only file in its own folder, so a stop and a start on the same
    // port and folder is a real outage that loses nothing (SIGSTOP would only test a hang).
    redis = await startRedis({ persist: true });
  });

  afterAll(async () => {
    await redis?.dispose();
  });

  it("fails each operation quickly while Redis is down and loses nothing when it returns", async () => {
    const queue = await createRedisQueue({
      url: redis.url,
      name: "outage",
      settings: { leaseMs: 30_000 },
      connectTimeoutMs: 500,
    });
    try {
      for (let i = 0; i < 20; i++) await queue.enqueue({ id: `item-${i}`, title: `item ${i}` });
      const running = await claimOrFail(queue, "survivor");

      await redis.stop();
      const operations: (() => Promise<unknown>)[] = [
        () => queue.stats(),
        () => queue.claim({ worker: "w" }),
        () => queue.enqueue({ id: "late", title: "t" }),
        () => queue.complete(running, "too early"),
      ];
      for (const operation of operations) {
        const { ms, error } = await timed(operation);
        expect(error).toBeInstanceOf(QueueUnavailableError);
        expect((error as Error).message).toContain(redis.url);
        expect(ms).toBeLessThan(2_000);
      }

      await redis.restart();
      expect(await queue.stats()).toMatchObject({ pending: 19, running: 1, done: 0 });
      await queue.complete(running, "after the outage");
      for (;;) {
        const claim = await queue.claim({ worker: "w" });
        if (!claim) break;
        await queue.complete(claim);
      }
      expect(await queue.stats()).toMatchObject({ pending: 0, running: 0, done: 20 });
      expect((await queue.get(running.item.id))?.result).toBe("after the outage");
    } finally {
      await queue.close();
    }
  });

  it("times a command out when Redis hangs, and works again once it answers", async () => {
    const queue = await createRedisQueue({
      url: redis.url,
      name: "hang",
      connectTimeoutMs: 500,
      commandTimeoutMs: 500,
    });
    try {
      await queue.enqueue({ id: "a", title: "t" });
      redis.pause();
      const { ms, error } = await timed(() => queue.get("a"));
      redis.resume();
      expect(error).toBeInstanceOf(QueueUnavailableError);
      expect(ms).toBeLessThan(2_000);
      let item = await queue.get("a").catch(() => undefined);
      for (let i = 0; i < 20 && !item; i++) {
        await sleep(100);
        item = await queue.get("a").catch(() => undefined);
      }
      expect(item?.state).toBe("pending");
    } finally {
      redis.resume();
      await queue.close();
    }
  });
});
