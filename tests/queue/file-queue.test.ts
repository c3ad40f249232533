/**
 * The file driver: the shared contract, then what only files can do: items a person reads,
 * edits and moves between folders by hand, corrupt files, orphans a killed process left in
 * `.claims/`, and leases driven by an injected clock.
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";

import { InputError } from "../../src/errors.js";
import { createCollectingSink } from "../../src/events.js";
import {
  CorruptItemError,
  LeaseLostError,
  QueueItemNotFoundError,
  QueueItemStateError,
} from "../../src/queue/errors.js";
import { createFileQueue, type FileQueueOptions } from "../../src/queue/file-queue.js";
import type { Claim, Queue, QueueSettings } from "../../src/queue/types.js";
import { createTempDir, type TempDir } from "../support/temp-dir.js";
import { contractSettings, queueContract } from "./queue-contract.js";

queueContract("file", async () => {
  const dir = await createTempDir("file-queue-contract");
  const queue = await createFileQueue({ dir: dir.path, settings: contractSettings });
  return { queue, cleanup: dir.remove };
});

const T0 = Date.parse("2026-03-01T10:00:00.000Z");
const settings: QueueSettings = {
  leaseMs: 10_000,
  maxAttempts: 3,
  backoffMs: 1_000,
  maxBackoffMs: 60_000,
};

function fakeClock(start = T0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

/** A pid no process has: a child that already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", ""]).pid!;
}

let dirs: TempDir[] = [];
let queues: Queue[] = [];
afterEach(async () => {
  await Promise.all(queues.map((queue) => queue.close()));
  await Promise.all(dirs.map((dir) => dir.remove()));
  dirs = [];
  queues = [];
});

async function setup(options: Partial<FileQueueOptions> = {}) {
  const dir = await createTempDir("file-queue");
  dirs.push(dir);
  const clock = fakeClock();
  const open = async (extra: Partial<FileQueueOptions> = {}) => {
    const queue = await createFileQueue({ dir: dir.path, settings, clock, ...options, ...extra });
    queues.push(queue);
    return queue;
  };
  const queue = await open();
  const file = (state: string, id: string) => path.join(dir.path, state, `${id}.md`);
  const read = (state: string, id: string) => readFileSync(file(state, id), "utf8");
  const move = (id: string, from: string, to: string) => renameSync(file(from, id), file(to, id));
  const folder = (name: string) => readdirSync(path.join(dir.path, name));
  return { dir: dir.path, queue, clock, open, file, read, move, folder };
}

async function claimOrFail(queue: Queue, worker = "w1"): Promise<Claim> {
  const claim = await queue.claim({ worker });
  if (!claim) throw new Error("expected a claimable item");
  return claim;
}

const planFile = `---
id: 42-empty-config-crash
issue: 42
title: "Reject empty config files with a clear error"
status: pending
created: "2026-01-31T09:12:00Z"
base_commit: "3f2c1ab"
depends_on: []
---

# Reject empty config files with a clear error

## Goal

Loading an empty config file stops with a configuration error.
`;

describe("file queue: files", () => {
  it("writes an item as Markdown with quoted timestamps and reads it back", async () => {
    const { queue, read, file } = await setup();
    const outcome = await queue.enqueue({
      id: "7-readme",
      title: "Fix: the README",
      body: "# Fix the README\n\nSteps.\n",
      data: { issue: 7, labels: ["docs"] },
      priority: 2,
    });
    expect(outcome.created).toBe(true);
    const text = read("pending", "7-readme");
    expect(text).toMatch(/^---\nid: 7-readme\ntitle: 'Fix: the README'\npriority: 2\n/);
    expect(text).toContain("created: '2026-03-01T10:00:00.000Z'");
    expect(text).toContain("data:\n  issue: 7\n  labels:\n    - docs\n");
    expect(text.endsWith("---\n# Fix the README\n\nSteps.\n")).toBe(true);
    expect(await queue.get("7-readme")).toEqual({ ...outcome.item });
    expect(existsSync(file("running", "7-readme"))).toBe(false);
  });

  it("claims a plan written by the planner and keeps its keys through every move", async () => {
    const { queue, file, read } = await setup();
    writeFileSync(file("pending", "42-empty-config-crash"), planFile);
    const listed = await queue.list();
    expect(listed.problems).toEqual([]);
    expect(listed.items[0]).toMatchObject({
      id: "42-empty-config-crash",
      state: "pending",
      title: "Reject empty config files with a clear error",
      attempts: 0,
      maxAttempts: settings.maxAttempts,
      createdAt: "2026-01-31T09:12:00Z",
      data: { issue: 42, base_commit: "3f2c1ab", depends_on: [] },
    });
    const claim = await claimOrFail(queue);
    expect(claim.item.body).toContain("## Goal");
    const running = read("running", "42-empty-config-crash");
    expect(running).toContain("issue: 42\n");
    expect(running).toContain("status: running\n");
    expect(running).toContain("base_commit: 3f2c1ab\n");
    expect(running).toContain("depends_on: []\n");
    expect(running).toContain("lease:\n  owner: w1\n");
    await queue.complete(claim, { pr: 9 });
    const done = read("done", "42-empty-config-crash");
    expect(done).toContain("status: done\n");
    expect(done).toContain("result:\n  pr: 9\n");
    expect(done).not.toContain("lease:");
    expect(done).toContain("created: '2026-01-31T09:12:00Z'");
  });

  it("fills in what a minimal hand-written file leaves out", async () => {
    const { queue, file, read } = await setup();
    writeFileSync(
      file("pending", "min"),
      "---\nid: min\nnot_before: 2020-01-01T00:00:00Z\nerrors:\n  - message: old\n---\n# Do the thing\n",
    );
    const claim = await claimOrFail(queue);
    expect(claim.item).toMatchObject({
      title: "Do the thing",
      priority: 0,
      attempts: 1,
      maxAttempts: settings.maxAttempts,
      errors: [{ attempt: 0, message: "old", kind: "failed" }],
    });
    expect(Date.parse(claim.item.createdAt)).not.toBeNaN();
    await queue.complete(claim);
    expect((await queue.get("min"))?.errors[0]?.at).toBe(claim.item.errors[0]?.at);
    expect(read("done", "min")).toContain("title: Do the thing\n");
  });

  it("keeps a person's edits to a pending file's title and body when it is claimed", async () => {
    const { queue, file, read } = await setup();
    await queue.enqueue({ id: "a", title: "Old title", body: "old body\n" });
    await queue.enqueue({ id: "b", title: "Other" });
    await claimOrFail(queue).then((claim) => queue.complete(claim)); // caches the listing
    const edited = read("pending", "b")
      .replace("title: Other", 'title: "New title"')
      .concat("A note from a person.\n");
    writeFileSync(file("pending", "b"), edited);
    const claim = await claimOrFail(queue);
    expect(claim.item).toMatchObject({ id: "b", title: "New title" });
    expect(claim.item.body).toBe("A note from a person.\n");
    await queue.complete(claim);
    expect(read("done", "b")).toContain("title: New title\n");
  });

  it("follows a priority a person edited by hand", async () => {
    const { queue, file, read, open } = await setup();
    await queue.enqueue({ id: "a", title: "t" });
    await queue.enqueue({ id: "b", title: "t" });
    writeFileSync(file("pending", "b"), read("pending", "b").replace("priority: 0", "priority: 9"));
    const other = await open();
    expect((await claimOrFail(other)).item.id).toBe("b");
  });

  it("names a corrupt file, skips it, and keeps the rest working", async () => {
    const { queue, file, dir } = await setup();
    await queue.enqueue({ id: "good", title: "t" });
    writeFileSync(file("pending", "broken"), "---\nid: broken\ntitle: [unclosed\n---\nbody\n");
    writeFileSync(file("pending", "no-id"), "---\ntitle: nobody\n---\n");
    writeFileSync(file("pending", "other"), "---\nid: someone-else\ntitle: t\n---\n");
    writeFileSync(path.join(dir, "pending", "Bad Name.md"), "---\nid: x\n---\n");
    writeFileSync(path.join(dir, "pending", "notes.txt"), "not an item");

    const { items, problems } = await queue.list();
    expect(items.map((item) => item.id)).toEqual(["good"]);
    expect(problems).toEqual([
      {
        id: "Bad Name",
        location: path.join(dir, "pending", "Bad Name.md"),
        message: "the file name is not a valid item id",
      },
      {
        id: "broken",
        location: file("pending", "broken"),
        message: expect.stringMatching(
          /^invalid YAML in the frontmatter at line \d: unexpected end/,
        ),
      },
      { id: "no-id", location: file("pending", "no-id"), message: "missing id in the frontmatter" },
      {
        id: "other",
        location: file("pending", "other"),
        message: "id someone-else does not match the file name other.md",
      },
    ]);
    expect(await queue.stats()).toMatchObject({ pending: 1, corrupt: 4 });

    const claim = await claimOrFail(queue);
    expect(claim.item.id).toBe("good");
    expect(await queue.claim({ worker: "w1" })).toBeUndefined();
    await queue.complete(claim);
    await expect(queue.get("broken")).rejects.toThrow(CorruptItemError);
    await expect(queue.get("broken")).rejects.toThrow(file("pending", "broken"));
    expect(await queue.drop("broken")).toBe(true);
    expect((await queue.list()).problems).toHaveLength(3);
  });

  it("keeps keys it does not know, and ignores a state written in the frontmatter", async () => {
    const { queue, file, read } = await setup();
    writeFileSync(
      file("pending", "x"),
      "---\nid: x\ntitle: t\nstate: done\nowner_team: infra\nnested:\n  a: [1, 2]\n---\nbody\n",
    );
    const claim = await claimOrFail(queue);
    expect(claim.item.state).toBe("running");
    expect(claim.item.data).toEqual({ state: "done", owner_team: "infra", nested: { a: [1, 2] } });
    await queue.fail(claim, "no", { retry: false });
    const text = read("failed", "x");
    expect(text).toContain("state: done\nowner_team: infra\nnested:\n  a:\n    - 1\n    - 2\n");
    expect((await queue.get("x"))?.state).toBe("failed");
  });

  it("refuses invalid ids and titles with InputError", async () => {
    const { queue } = await setup();
    await expect(queue.get("../etc")).rejects.toBeInstanceOf(InputError);
    await expect(queue.cancel("A")).rejects.toBeInstanceOf(InputError);
    await expect(queue.drop("x/y")).rejects.toBeInstanceOf(InputError);
    await expect(queue.enqueue({ id: "ok", title: " " })).rejects.toBeInstanceOf(InputError);
    await expect(queue.delay("missing", 10)).rejects.toBeInstanceOf(QueueItemNotFoundError);
  });
});

describe("file queue: order, retries and leases on an injected clock", () => {
  it("hands out priority first, then the earliest ready time; delayed items wait", async () => {
    const { queue, clock } = await setup();
    await queue.enqueue({ id: "old", title: "t" });
    clock.advance(1);
    await queue.enqueue({ id: "later", title: "t", delayMs: 5_000 });
    await queue.enqueue({ id: "new", title: "t" });
    await queue.enqueue({ id: "urgent", title: "t", priority: 5 });
    const order: string[] = [];
    for (let claim = await queue.claim({ worker: "w" }); claim;) {
      order.push(claim.item.id);
      await queue.complete(claim);
      claim = await queue.claim({ worker: "w" });
    }
    expect(order).toEqual(["urgent", "old", "new"]);
    expect(await queue.stats()).toMatchObject({ pending: 1, delayed: 1 });
    clock.advance(5_000);
    expect((await claimOrFail(queue)).item.id).toBe("later");
  });

  it("retries with a doubling backoff, then fails with the whole history", async () => {
    const { queue, clock, read } = await setup({ random: () => 0.5 });
    await queue.enqueue({ id: "a", title: "t" });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const claim = await claimOrFail(queue);
      expect(claim.attempt).toBe(attempt);
      const after = await queue.fail(claim, new Error(`boom ${attempt}`));
      if (attempt < 3) {
        delays.push(Date.parse(after.notBefore!) - clock.now());
        expect(await queue.claim({ worker: "w1" })).toBeUndefined();
        clock.advance(delays.at(-1)! - 1);
        expect(await queue.claim({ worker: "w1" })).toBeUndefined();
        clock.advance(1);
      } else {
        expect(after.state).toBe("failed");
      }
    }
    expect(delays).toEqual([1_000, 2_000]);
    const failed = await queue.get("a");
    expect(failed?.errors.map((e) => `${e.attempt} ${e.kind} ${e.message}`)).toEqual([
      "1 failed boom 1",
      "2 failed boom 2",
      "3 failed boom 3",
    ]);
    expect(read("failed", "a")).not.toContain("not_before");
  });

  it("gives a released item back as it was, without counting the attempt", async () => {
    const { queue, read } = await setup();
    await queue.enqueue({ id: "a", title: "t", body: "plan\n" });
    const claim = await claimOrFail(queue);
    const released = await queue.release(claim);
    expect(released).toMatchObject({ state: "pending", attempts: 0, errors: [] });
    expect(read("pending", "a")).not.toContain("lease:");
    await expect(queue.renew(claim)).rejects.toBeInstanceOf(LeaseLostError);
    expect((await claimOrFail(queue)).attempt).toBe(1);
  });

  it("takes back an expired lease as an attempt, and fails the item once attempts are spent", async () => {
    const events = createCollectingSink();
    const { queue, clock } = await setup({ events });
    await queue.enqueue({ id: "a", title: "t", maxAttempts: 2 });
    const first = await claimOrFail(queue, "slow");
    clock.advance(settings.leaseMs - 1);
    const renewed = await queue.renew(first);
    expect(renewed.expiresAt).toBe(clock.now() + settings.leaseMs);
    expect((await queue.get("a"))?.lease?.expiresAt).toBe(
      new Date(renewed.expiresAt).toISOString(),
    );
    clock.advance(settings.leaseMs);
    expect(await queue.recoverExpired()).toEqual([]);
    clock.advance(1);
    expect(await queue.recoverExpired()).toEqual(["a"]);
    await expect(queue.renew(renewed)).rejects.toBeInstanceOf(LeaseLostError);
    const pending = await queue.get("a");
    expect(pending?.errors).toEqual([
      {
        attempt: 1,
        at: new Date(clock.now()).toISOString(),
        message: expect.stringContaining("the lease of slow ran out"),
        kind: "lease-expired",
      },
    ]);
    const second = await claimOrFail(queue, "also-slow");
    expect(second.attempt).toBe(2);
    clock.advance(settings.leaseMs + 1);
    // claim runs recovery by itself once the clock moved on
    expect(await queue.claim({ worker: "w" })).toBeUndefined();
    expect((await queue.get("a"))?.state).toBe("failed");
    expect(events.events).toEqual([
      { type: "item-recovered", id: "a", attempt: 1, to: "pending" },
      { type: "item-recovered", id: "a", attempt: 2, to: "failed" },
    ]);
    await expect(queue.complete(second)).rejects.toBeInstanceOf(LeaseLostError);
  });

  it("renews for the length asked, and keeps a claim's own lease length", async () => {
    const { queue, clock } = await setup();
    await queue.enqueue({ id: "a", title: "t" });
    const claim = await queue.claim({ worker: "w", leaseMs: 500 });
    expect(claim?.expiresAt).toBe(clock.now() + 500);
    clock.advance(400);
    const renewed = await queue.renew(claim!, 60_000);
    clock.advance(30_000);
    expect(await queue.recoverExpired()).toEqual([]);
    expect((await queue.complete(renewed)).state).toBe("done");
  });

  it("lets a late holder finish while nobody has taken its item back", async () => {
    const { queue, clock } = await setup();
    await queue.enqueue({ id: "a", title: "t" });
    const claim = await claimOrFail(queue);
    clock.advance(settings.leaseMs * 3);
    expect((await queue.complete(claim, "late but fine")).state).toBe("done");
  });
});

describe("file queue: cancel, retry, drop", () => {
  it("cancels pending and running items; the holder learns it from every call", async () => {
    const { queue, read } = await setup();
    await queue.enqueue({ id: "p", title: "t" });
    await queue.enqueue({ id: "r", title: "t", priority: 1 });
    const claim = await claimOrFail(queue);
    const cancelled = await queue.cancel("r", "superseded by #43");
    expect(cancelled).toMatchObject({ state: "failed", attempts: 1 });
    expect(read("failed", "r")).toContain("message: 'superseded by #43'\n    kind: cancelled");
    for (const call of [
      () => queue.renew(claim),
      () => queue.complete(claim),
      () => queue.fail(claim, "x"),
      () => queue.release(claim),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(LeaseLostError);
    }
    expect((await queue.get("r"))?.errors.map((e) => e.kind)).toEqual(["cancelled"]);
    expect((await queue.cancel("p"))?.errors).toEqual([
      expect.objectContaining({ attempt: 0, kind: "cancelled", message: "cancelled" }),
    ]);
    expect((await queue.cancel("p"))?.errors).toHaveLength(1); // already failed: unchanged
  });

  it("retries a failed item with a fresh budget and its history kept", async () => {
    const { queue } = await setup();
    await queue.enqueue({ id: "a", title: "t", maxAttempts: 1 });
    await queue.fail(await claimOrFail(queue), "boom");
    const retried = await queue.retry("a");
    expect(retried).toMatchObject({ state: "pending", attempts: 0 });
    expect(retried.errors).toHaveLength(1);
    await expect(queue.retry("a")).rejects.toBeInstanceOf(QueueItemStateError);
    const again = await claimOrFail(queue);
    expect(again.attempt).toBe(1);
    await queue.complete(again, 1);
    expect((await queue.retry("a")).result).toBeUndefined(); // done → pending runs again
  });

  it("refuses to drop a running item", async () => {
    const { queue } = await setup();
    await queue.enqueue({ id: "a", title: "t" });
    await claimOrFail(queue);
    await expect(queue.drop("a")).rejects.toBeInstanceOf(QueueItemStateError);
    await expect(queue.setPriority("a", 3)).rejects.toBeInstanceOf(QueueItemStateError);
  });
});

describe("file queue: files moved by hand", () => {
  it("retries failed → pending, cancels pending → failed, reruns done → pending", async () => {
    const { queue, move } = await setup();
    await queue.enqueue({ id: "f", title: "t", maxAttempts: 1 });
    await queue.fail(await claimOrFail(queue), "boom");
    move("f", "failed", "pending");
    const retried = await claimOrFail(queue);
    expect(retried).toMatchObject({ attempt: 1, item: { id: "f", errors: [{ message: "boom" }] } });
    await queue.complete(retried, "first run");

    move("f", "done", "pending");
    const rerun = await claimOrFail(queue);
    expect(rerun.attempt).toBe(1); // its one attempt was spent: a fresh budget
    expect(rerun.item.result).toBeUndefined();
    await queue.complete(rerun, "second run");
    expect((await queue.get("f"))?.result).toBe("second run");

    await queue.enqueue({ id: "c", title: "t" });
    move("c", "pending", "failed");
    expect(await queue.claim({ worker: "w" })).toBeUndefined();
    expect((await queue.get("c"))?.state).toBe("failed");
    expect((await queue.enqueue({ id: "c", title: "t" })).created).toBe(false);
  });

  it("takes an item from a living worker moved running → pending; its calls throw LeaseLostError", async () => {
    const { queue, move, read } = await setup();
    await queue.enqueue({ id: "a", title: "t" });
    const holder = await claimOrFail(queue, "holder");
    move("a", "running", "pending");
    expect((await queue.get("a"))?.state).toBe("pending");
    await expect(queue.renew(holder)).rejects.toBeInstanceOf(LeaseLostError);
    const next = await claimOrFail(queue, "next");
    expect(next.attempt).toBe(2);
    for (const call of [
      () => queue.renew(holder),
      () => queue.complete(holder, "stale"),
      () => queue.fail(holder, "stale"),
      () => queue.release(holder),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(LeaseLostError);
    }
    expect(read("running", "a")).toContain("owner: next");
    await queue.complete(await queue.renew(next), "fresh");
    expect((await queue.get("a"))?.result).toBe("fresh");
  });

  it("never lets a holder overwrite a file moved running → done or failed", async () => {
    const { queue, move, read } = await setup();
    await queue.enqueue({ id: "d", title: "t" });
    await queue.enqueue({ id: "x", title: "t" });
    const first = await claimOrFail(queue);
    const second = await claimOrFail(queue);
    move(first.item.id, "running", "done");
    move(second.item.id, "running", "failed");
    await expect(queue.complete(first, "mine")).rejects.toBeInstanceOf(LeaseLostError);
    await expect(queue.fail(second, "mine")).rejects.toBeInstanceOf(LeaseLostError);
    expect(read("done", first.item.id)).not.toContain("mine");
    expect(read("failed", second.item.id)).not.toContain("mine");
  });

  it("gives the item back to its holder when a person moves it back into running", async () => {
    const { queue, move } = await setup();
    await queue.enqueue({ id: "a", title: "t" });
    const holder = await claimOrFail(queue);
    move("a", "running", "pending");
    move("a", "pending", "running");
    await queue.complete(await queue.renew(holder), "ok");
    expect((await queue.get("a"))?.state).toBe("done");
  });

  it("takes back a file put in running by hand without a lease", async () => {
    const { queue, move, clock, file } = await setup();
    await queue.enqueue({ id: "a", title: "t" });
    move("a", "pending", "running");
    const past = new Date(clock.now() - 1);
    utimesSync(file("running", "a"), past, past);
    expect(await queue.recoverExpired()).toEqual(["a"]);
    expect((await queue.get("a"))?.errors[0]?.message).toContain("without a lease");
  });

  it("leaves a hand-made copy alone when its id is already running", async () => {
    const { queue, read, file } = await setup();
    await queue.enqueue({ id: "a", title: "t" });
    const claim = await claimOrFail(queue);
    writeFileSync(file("pending", "a"), read("running", "a"));
    expect(await queue.claim({ worker: "w2" })).toBeUndefined();
    await queue.complete(claim, "ok");
    expect((await queue.get("a"))?.state).toBe("pending");
  });
});

describe("file queue: what a killed process leaves behind", () => {
  it("adopts orphans in .claims/ of a dead process and deletes its temp files", async () => {
    const { queue, dir, file, folder } = await setup({ orphanGraceMs: 0 });
    const pid = deadPid();
    const claims = path.join(dir, ".claims");
    await queue.enqueue({ id: "mid-claim", title: "t" });
    await queue.enqueue({ id: "mid-complete", title: "t", priority: 2 });
    await queue.enqueue({ id: "finished", title: "t", priority: 1 });
    // killed after taking a pending file, before writing the running one
    renameSync(file("pending", "mid-claim"), path.join(claims, `mid-claim@pending.${pid}.aa`));
    // killed after taking its running file to complete it
    const running = await claimOrFail(queue);
    expect(running.item.id).toBe("mid-complete");
    renameSync(
      file("running", "mid-complete"),
      path.join(claims, `mid-complete@running.${pid}.bb`),
    );
    // killed after placing the done file, before deleting what it took
    const done = await claimOrFail(queue);
    await queue.complete(done);
    writeFileSync(path.join(claims, `finished@running.${pid}.cc`), "leftover");
    // a living process's file stays
    writeFileSync(path.join(claims, `finished@pending.${process.pid}.dd`), "in flight");
    writeFileSync(path.join(dir, ".tmp", `${pid}.ee.tmp`), "half");
    writeFileSync(path.join(dir, ".tmp", `${process.pid}.ff.tmp`), "writing");

    expect(await queue.recoverExpired()).toEqual(["mid-complete"]);
    expect(folder(".claims")).toEqual([`finished@pending.${process.pid}.dd`]);
    expect(folder(".tmp")).toEqual([`${process.pid}.ff.tmp`]);
    expect((await queue.get("mid-claim"))?.state).toBe("pending");
    const recovered = await queue.get("mid-complete");
    expect(recovered).toMatchObject({ state: "pending", attempts: 1 });
    expect(recovered?.errors[0]?.kind).toBe("lease-expired");
    expect((await queue.get("finished"))?.state).toBe("done");
    const order = [(await claimOrFail(queue)).item.id, (await claimOrFail(queue)).item.id];
    expect(order.sort()).toEqual(["mid-claim", "mid-complete"]);
  });

  it("waits with a living process's orphan until the maximum age", async () => {
    const { dir, open, folder } = await setup();
    writeFileSync(path.join(dir, ".claims", `z@pending.${process.pid}.aa`), "---\nid: z\n---\n");
    const patient = await open({ orphanGraceMs: 0 });
    await patient.recoverExpired();
    expect(folder(".claims")).toHaveLength(1);
    const impatient = await open({ orphanGraceMs: 0, orphanMaxAgeMs: 0 });
    await impatient.recoverExpired();
    expect(folder(".claims")).toEqual([]);
    expect((await impatient.get("z"))?.state).toBe("pending");
  });

  it("counts an item another process is moving as existing, so enqueue adds no copy", async () => {
    const { queue, dir, file, folder } = await setup();
    await queue.enqueue({ id: "a", title: "t" });
    renameSync(file("pending", "a"), path.join(dir, ".claims", `a@pending.${process.pid}.aa`));
    await expect(queue.enqueue({ id: "a", title: "t" })).rejects.toBeInstanceOf(
      QueueItemStateError,
    );
    expect(folder("pending")).toEqual([]);
  });

  it("never hands one item to two queues sharing a folder", async () => {
    const { queue, open } = await setup({ clock: { now: () => Date.now() } });
    const ids = Array.from({ length: 60 }, (_, i) => `item-${i}`);
    for (const id of ids) await queue.enqueue({ id, title: id });
    const queues = [queue, await open(), await open()];
    const seen: string[] = [];
    await Promise.all(
      queues.flatMap((q, n) =>
        Array.from({ length: 6 }, async (_, loop) => {
          for (let claim = await q.claim({ worker: `${n}-${loop}` }); claim;) {
            seen.push(claim.item.id);
            await q.complete(claim);
            claim = await q.claim({ worker: `${n}-${loop}` });
          }
        }),
      ),
    );
    expect(seen.sort()).toEqual([...ids].sort());
    expect(await queue.stats()).toMatchObject({ pending: 0, running: 0, done: 60 });
  });
});
