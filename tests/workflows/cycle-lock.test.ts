/**
 * The cycle lock on a real folder: one holder at a time (also when many try at once), a lock
 * left by a dead process on this host taken over, a lock from another host respected, and a
 * release that only ever removes its own lock.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import {
  CYCLE_LOCK_FILE,
  acquireCycleLock,
  describeCycleLockHolder,
  readCycleLock,
} from "../../src/workflows/cycle-lock.js";

let root: string;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), "harness-lock-"));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  return child.pid!;
}

function writeLock(holder: Record<string, unknown>): void {
  const file = path.join(root, CYCLE_LOCK_FILE);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(holder));
}

describe("acquireCycleLock", () => {
  it("refuses a second holder while the first holds it, and is free again after release", async () => {
    const first = await acquireCycleLock(root);
    expect(first).toBeDefined();
    expect(first!.holder.pid).toBe(process.pid);
    expect(await acquireCycleLock(root)).toBeUndefined();
    const holder = await readCycleLock(root);
    expect(holder).toMatchObject({ pid: process.pid, host: os.hostname() });
    expect(describeCycleLockHolder(holder)).toContain(`pid ${process.pid}`);

    await first!.release();
    expect(existsSync(path.join(root, CYCLE_LOCK_FILE))).toBe(false);
    await first!.release();
    const second = await acquireCycleLock(root);
    expect(second).toBeDefined();
    await second!.release();
  });

  it("lets exactly one of many simultaneous callers in", async () => {
    const locks = await Promise.all(Array.from({ length: 12 }, () => acquireCycleLock(root)));
    expect(locks.filter((lock) => lock !== undefined)).toHaveLength(1);
  });

  it("takes over a lock whose process is dead on this host", async () => {
    const pid = deadPid();
    writeLock({ pid, host: os.hostname(), startedAt: "2026-11-22T10:00:00.000Z", token: "old" });
    const lock = await acquireCycleLock(root);
    expect(lock).toBeDefined();
    expect((await readCycleLock(root))?.token).toBe(lock!.holder.token);
  });

  it("lets only one of several callers take over the same stale lock", async () => {
    writeLock({ pid: deadPid(), host: os.hostname(), startedAt: "2026", token: "old" });
    const locks = await Promise.all(Array.from({ length: 8 }, () => acquireCycleLock(root)));
    const winners = locks.filter((lock) => lock !== undefined);
    expect(winners).toHaveLength(1);
    expect((await readCycleLock(root))?.token).toBe(winners[0]!.holder.token);
  });

  it("leaves a lock from another host alone, whatever its pid", async () => {
    writeLock({ pid: deadPid(), host: "another-machine", startedAt: "2026", token: "theirs" });
    expect(await acquireCycleLock(root)).toBeUndefined();
    expect((await readCycleLock(root))?.token).toBe("theirs");
  });

  it("does not remove a lock someone else took over after it", async () => {
    const dead = 999_999;
    const stale = await acquireCycleLock(root, { pid: dead });
    expect(stale).toBeDefined();
    // The "dead" holder is taken over by a live one; its late release must not free the lock.
    const live = await acquireCycleLock(root, { isAlive: (pid) => pid !== dead });
    expect(live).toBeDefined();
    await stale!.release();
    expect((await readCycleLock(root))?.token).toBe(live!.holder.token);
    await live!.release();
    expect(await readCycleLock(root)).toBeUndefined();
  });

  it("treats an empty lock file as held until it is old enough to be a crash leftover", async () => {
    const file = path.join(root, CYCLE_LOCK_FILE);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, "");
    expect(await acquireCycleLock(root)).toBeUndefined();
    const later = new Date(Date.now() + 60_000);
    expect(await acquireCycleLock(root, { now: () => later })).toBeDefined();
  });
});
