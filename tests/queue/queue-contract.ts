/**
 * The behaviour every queue driver promises, run against each of them (file-queue.test.ts,
 * redis-queue.test.ts). A driver's factory opens an empty queue with `contractSettings`.
 */
import { describe, expect, it } from "vitest";

import { InputError } from "../../src/errors.js";
import { LeaseLostError, QueueItemStateError } from "../../src/queue/errors.js";
import type { Claim, Queue, QueueSettings } from "../../src/queue/types.js";

/** Short leases and backoffs so the contract runs in seconds. */
export const contractSettings: QueueSettings = {
  leaseMs: 1_000,
  maxAttempts: 3,
  backoffMs: 50,
  maxBackoffMs: 200,
};

export interface OpenedQueue {
  queue: Queue;
  cleanup(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function claimOrFail(queue: Queue, worker = "w1"): Promise<Claim> {
  const claim = await queue.claim({ worker });
  if (!claim) throw new Error("expected a claimable item");
  return claim;
}

/** Claims until an item is ready or `ms` passes (backoff and delays use real time). */
async function claimWithin(queue: Queue, ms: number, worker = "w1"): Promise<Claim | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const claim = await queue.claim({ worker });
    if (claim || Date.now() > deadline) return claim;
    await sleep(25);
  }
}

export function queueContract(name: string, open: () => Promise<OpenedQueue>): void {
  describe(`${name} queue contract`, () => {
    const withQueue = (test: (queue: Queue) => Promise<void>) => async () => {
      const { queue, cleanup } = await open();
      try {
        await test(queue);
      } finally {
        await queue.close();
        await cleanup();
      }
    };

    it(
      "stores an item and gives it back as written",
      withQueue(async (queue) => {
        const outcome = await queue.enqueue({
          id: "42-fix-crash",
          title: "Fix the crash",
          body: "# Fix the crash\n\n## Goal\n\nNo crash.\n",
          data: { issue: 42, files: ["src/a.ts"] },
          priority: 5,
        });
        expect(outcome.created).toBe(true);
        const item = await queue.get("42-fix-crash");
        expect(item).toMatchObject({
          id: "42-fix-crash",
          state: "pending",
          title: "Fix the crash",
          data: { issue: 42, files: ["src/a.ts"] },
          priority: 5,
          attempts: 0,
          maxAttempts: contractSettings.maxAttempts,
          errors: [],
        });
        expect(item?.body).toContain("## Goal");
        expect(Date.parse(item!.createdAt)).not.toBeNaN();
        expect(await queue.get("nope")).toBeUndefined();
      }),
    );

    it(
      "treats a second enqueue of the same id as a no-op, in any state",
      withQueue(async (queue) => {
        await queue.enqueue({ id: "a", title: "first" });
        const again = await queue.enqueue({ id: "a", title: "second" });
        expect(again.created).toBe(false);
        expect(again.item.title).toBe("first");
        const claim = await claimOrFail(queue);
        await queue.complete(claim, { ok: true });
        const afterDone = await queue.enqueue({ id: "a", title: "third" });
        expect(afterDone.created).toBe(false);
        expect(afterDone.item.state).toBe("done");
        expect((await queue.stats()).pending).toBe(0);
      }),
    );

    it(
      "refuses ids that could not be file or branch names",
      withQueue(async (queue) => {
        for (const id of ["", "../x", "A B", "x/y", "-lead"]) {
          await expect(queue.enqueue({ id, title: "t" })).rejects.toBeInstanceOf(InputError);
        }
      }),
    );

    it(
      "hands out the highest priority first, then the oldest",
      withQueue(async (queue) => {
        await queue.enqueue({ id: "low-1", title: "t" });
        await sleep(5);
        await queue.enqueue({ id: "low-2", title: "t" });
        await queue.enqueue({ id: "high", title: "t", priority: 10 });
        const order: string[] = [];
        for (let i = 0; i < 3; i++) {
          const claim = await claimOrFail(queue);
          order.push(claim.item.id);
          await queue.complete(claim);
        }
        expect(order).toEqual(["high", "low-1", "low-2"]);
        expect(await queue.claim({ worker: "w1" })).toBeUndefined();
      }),
    );

    it(
      "gives each claim a lease, an attempt number and a running state",
      withQueue(async (queue) => {
        await queue.enqueue({ id: "a", title: "t" });
        const before = Date.now();
        const claim = await claimOrFail(queue, "worker-7");
        expect(claim.attempt).toBe(1);
        expect(claim.item.id).toBe("a");
        expect(claim.expiresAt).toBeGreaterThan(before);
        const running = await queue.get("a");
        expect(running?.state).toBe("running");
        expect(running?.lease?.owner).toBe("worker-7");
        expect(await queue.claim({ worker: "w2" })).toBeUndefined();
      }),
    );

    it(
      "stores the result on complete and refuses a second complete",
      withQueue(async (queue) => {
        await queue.enqueue({ id: "a", title: "t" });
        const claim = await claimOrFail(queue);
        const done = await queue.complete(claim, { pr: 7, files: ["x"] });
        expect(done.state).toBe("done");
        expect((await queue.get("a"))?.result).toEqual({ pr: 7, files: ["x"] });
        await expect(queue.complete(claim, {})).rejects.toBeInstanceOf(LeaseLostError);
        await expect(queue.renew(claim)).rejects.toBeInstanceOf(LeaseLostError);
      }),
    );

    it(
      "retries a failed item after a backoff, then fails it with its error history",
      withQueue(async (queue) => {
        await queue.enqueue({ id: "a", title: "t" });
        for (let attempt = 1; attempt <= contractSettings.maxAttempts; attempt++) {
          const claim = await claimWithin(queue, 3_000);
          expect(claim?.attempt).toBe(attempt);
          const after = await queue.fail(claim!, new Error(`boom ${attempt}`));
          const last = attempt === contractSettings.maxAttempts;
          expect(after.state).toBe(last ? "failed" : "pending");
          if (!last) {
            expect(after.notBefore).toBeDefined();
            expect(await queue.claim({ worker: "w1" })).toBeUndefined();
          }
        }
        const failed = await queue.get("a");
        expect(failed?.state).toBe("failed");
        expect(failed?.errors.map((e) => [e.attempt, e.message, e.kind])).toEqual([
          [1, "boom 1", "failed"],
          [2, "boom 2", "failed"],
          [3, "boom 3", "failed"],
        ]);
      }),
    );

    it(
      "fails at once when told not to retry",
      withQueue(async (queue) => {
        await queue.enqueue({ id: "a", title: "t" });
        const claim = await claimOrFail(queue);
        const after = await queue.fail(claim, "bad plan", { retry: false });
        expect(after.state).toBe("failed");
        expect(after.errors).toHaveLength(1);
        expect(after.errors[0]?.message).toBe("bad plan");
      }),
    );

    it(
      "takes a released item back without counting the attempt",
      withQueue(async (queue) => {
        await queue.enqueue({ id: "a", title: "t" });
        const first = await claimOrFail(queue);
        const released = await queue.release(first);
        expect(released.state).toBe("pending");
        const second = await claimOrFail(queue);
        expect(second.attempt).toBe(1);
        await expect(queue.complete(first)).rejects.toBeInstanceOf(LeaseLostError);
        await queue.complete(second);
      }),
    );

    it(
      "cancels pending and running items; the holder learns it at its next renew",
      withQueue(async (queue) => {
        await queue.enqueue({ id: "p", title: "t" });
        await queue.enqueue({ id: "r", title: "t", priority: 1 });
        const claim = await claimOrFail(queue);
        expect(claim.item.id).toBe("r");
        const cancelledRunning = await queue.cancel("r", "superseded");
        expect(cancelledRunning?.state).toBe("failed");
        await expect(queue.renew(claim)).rejects.toBeInstanceOf(LeaseLostError);
        await expect(queue.complete(claim)).rejects.toBeInstanceOf(LeaseLostError);
        const cancelledPending = await queue.cancel("p");
        expect(cancelledPending?.state).toBe("failed");
        expect(cancelledPending?.errors.at(-1)?.kind).toBe("cancelled");
        expect(await queue.cancel("nope")).toBeUndefined();
        expect(await queue.claim({ worker: "w1" })).toBeUndefined();
      }),
    );

    it(
      "retries a failed item by hand with a fresh attempt budget",
      withQueue(async (queue) => {
        await queue.enqueue({ id: "a", title: "t", maxAttempts: 1 });
        const claim = await claimOrFail(queue);
        await queue.fail(claim, "boom");
        expect((await queue.get("a"))?.state).toBe("failed");
        const retried = await queue.retry("a");
        expect(retried.state).toBe("pending");
        const again = await claimOrFail(queue);
        expect(again.item.id).toBe("a");
        await queue.complete(again, "ok");
        expect((await queue.get("a"))?.state).toBe("done");
      }),
    );

    it(
      "drops items except running ones",
      withQueue(async (queue) => {
        await queue.enqueue({ id: "a", title: "t" });
        await queue.enqueue({ id: "b", title: "t" });
        expect(await queue.drop("a")).toBe(true);
        expect(await queue.get("a")).toBeUndefined();
        expect(await queue.drop("a")).toBe(false);
        const claim = await claimOrFail(queue);
        await expect(queue.drop("b")).rejects.toBeInstanceOf(QueueItemStateError);
        await queue.complete(claim);
        expect(await queue.drop("b")).toBe(true);
      }),
    );

    it(
      "delays a pending item and refuses to delay a running one",
      withQueue(async (queue) => {
        await queue.enqueue({ id: "a", title: "t" });
        await queue.enqueue({ id: "b", title: "t" });
        const delayed = await queue.delay("a", 60_000);
        expect(delayed.notBefore).toBeDefined();
        const claim = await claimOrFail(queue);
        expect(claim.item.id).toBe("b");
        await expect(queue.delay("b", 1_000)).rejects.toBeInstanceOf(QueueItemStateError);
        expect(await queue.claim({ worker: "w1" })).toBeUndefined();
        const stats = await queue.stats();
        expect(stats).toMatchObject({ pending: 1, running: 1, delayed: 1 });
      }),
    );

    it(
      "makes a delayed item claimable once its time has come",
      withQueue(async (queue) => {
        await queue.enqueue({ id: "later", title: "t", delayMs: 300 });
        expect(await queue.claim({ worker: "w1" })).toBeUndefined();
        const claim = await claimWithin(queue, 3_000);
        expect(claim?.item.id).toBe("later");
      }),
    );

    it(
      "reorders pending items when their priority changes",
      withQueue(async (queue) => {
        await queue.enqueue({ id: "a", title: "t" });
        await queue.enqueue({ id: "b", title: "t" });
        await queue.setPriority("b", 3);
        expect((await claimOrFail(queue)).item.id).toBe("b");
      }),
    );

    it(
      "lists by state and counts",
      withQueue(async (queue) => {
        for (const id of ["a", "b", "c", "d"]) await queue.enqueue({ id, title: id });
        const first = await claimOrFail(queue);
        await queue.complete(first);
        const second = await claimOrFail(queue);
        await queue.fail(second, "no", { retry: false });
        await claimOrFail(queue);
        expect(await queue.stats()).toMatchObject({ pending: 1, running: 1, done: 1, failed: 1 });
        const all = await queue.list();
        expect(all.items.map((item) => item.id).sort()).toEqual(["a", "b", "c", "d"]);
        expect(all.problems).toEqual([]);
        const done = await queue.list({ state: "done" });
        expect(done.items.map((item) => item.id)).toEqual(["a"]);
      }),
    );

    it(
      "never hands one item to two concurrent claimers",
      withQueue(async (queue) => {
        const ids = Array.from({ length: 30 }, (_, i) => `item-${i}`);
        for (const id of ids) await queue.enqueue({ id, title: id });
        const seen: string[] = [];
        await Promise.all(
          Array.from({ length: 8 }, async (_, worker) => {
            for (;;) {
              const claim = await queue.claim({ worker: `w${worker}` });
              if (!claim) return;
              seen.push(claim.item.id);
              await queue.complete(claim, worker);
            }
          }),
        );
        expect(seen.sort()).toEqual([...ids].sort());
        expect((await queue.stats()).done).toBe(30);
      }),
    );

    it(
      "takes back an item whose lease ran out and counts the attempt",
      withQueue(async (queue) => {
        await queue.enqueue({ id: "a", title: "t" });
        const stale = await claimOrFail(queue, "dies");
        await sleep(contractSettings.leaseMs + 300);
        let recovered: string[] = [];
        for (let i = 0; i < 20 && recovered.length === 0; i++) {
          recovered = await queue.recoverExpired();
          if (recovered.length === 0) await sleep(100);
        }
        expect(recovered).toEqual(["a"]);
        const item = await queue.get("a");
        expect(item?.state).toBe("pending");
        expect(item?.errors.at(-1)?.kind).toBe("lease-expired");
        const fresh = await claimWithin(queue, 3_000, "lives");
        expect(fresh?.attempt).toBe(2);
        await expect(queue.complete(stale, "late")).rejects.toBeInstanceOf(LeaseLostError);
        await queue.complete(fresh!, "on time");
        expect((await queue.get("a"))?.result).toBe("on time");
      }),
    );

    it(
      "keeps an item while its holder renews the lease",
      withQueue(async (queue) => {
        await queue.enqueue({ id: "a", title: "t" });
        let claim = await claimOrFail(queue);
        for (let i = 0; i < 5; i++) {
          await sleep(contractSettings.leaseMs / 3);
          claim = await queue.renew(claim);
          expect(await queue.recoverExpired()).toEqual([]);
        }
        await queue.complete(claim, "kept");
        expect((await queue.get("a"))?.state).toBe("done");
      }),
    );
  });
}
