/**
 * The cycle lock: `.harness/locks/cycle.lock`, held while a triage → plan (→ work) cycle runs,
 * so a slow cycle is never started twice, whether the second start comes from cron
 * (`harness run --once`), from the daemon's next tick, or from another process.
 *
 * The file is created with O_EXCL (`wx`) and holds who took it: pid, host, start time and a
 * random token. A lock whose pid is dead on this host is stale (the holder crashed) and is taken
 * over; a lock from another host is never judged, since its pid means nothing here. Taking over
 * goes through a second short-lived O_EXCL file, so two processes that both find the same stale
 * lock cannot both win. Known gap: a dead holder whose pid was reused by an unrelated process
 * looks alive; delete the file by hand (`harness status` shows the holder).
 */
import { randomBytes } from "node:crypto";
import { readFile, rm, stat, writeFile, mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { z } from "zod";

export const CYCLE_LOCK_FILE = path.join(".harness", "locks", "cycle.lock");

/** A takeover lock older than this was left by a crash mid-takeover (takeovers take ms). */
const TAKEOVER_STALE_MS = 10_000;
/** A lock file without readable content this old was left by a crash between create and write. */
const UNREADABLE_STALE_MS = 10_000;

const holderSchema = z.object({
  pid: z.number().int().positive(),
  host: z.string(),
  startedAt: z.string(),
  token: z.string(),
});

export type CycleLockHolder = z.infer<typeof holderSchema>;

export interface CycleLock {
  readonly holder: CycleLockHolder;
  /** Removes the lock file if it is still this holder's. Idempotent. */
  release(): Promise<void>;
}

export interface CycleLockOptions {
  now?: () => Date;
  /** Defaults: this process and this machine; tests pose as others. */
  pid?: number;
  host?: string;
  /** Whether a pid is alive on this host (default: `process.kill(pid, 0)`). */
  isAlive?: (pid: number) => boolean;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function lockPath(repoRoot: string): string {
  return path.join(repoRoot, CYCLE_LOCK_FILE);
}

function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

/** Who holds the lock now, or undefined when nobody does (or the file is unreadable). */
export async function readCycleLock(repoRoot: string): Promise<CycleLockHolder | undefined> {
  let text: string;
  try {
    text = await readFile(lockPath(repoRoot), "utf8");
  } catch {
    return undefined;
  }
  try {
    const parsed = holderSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** "pid 4242 on build-1 since 2026-11-22T10:00:00.000Z", for messages. */
export function describeCycleLockHolder(holder: CycleLockHolder | undefined): string {
  return holder
    ? `pid ${holder.pid} on ${holder.host} since ${holder.startedAt}`
    : "unknown holder";
}

async function createExclusive(file: string, content: string): Promise<boolean> {
  try {
    await writeFile(file, content, { flag: "wx" });
    return true;
  } catch (error) {
    if (isErrno(error, "EEXIST")) return false;
    throw error;
  }
}

async function isStale(
  repoRoot: string,
  host: string,
  isAlive: (pid: number) => boolean,
  now: Date,
): Promise<{ stale: boolean; token?: string }> {
  const holder = await readCycleLock(repoRoot);
  if (!holder) {
    try {
      const info = await stat(lockPath(repoRoot));
      return { stale: now.getTime() - info.mtimeMs > UNREADABLE_STALE_MS };
    } catch {
      // Gone in the meantime: nothing to take over, the next create decides.
      return { stale: false };
    }
  }
  return { stale: holder.host === host && !isAlive(holder.pid), token: holder.token };
}

/**
 * Takes the lock, or returns undefined when a live holder has it (see `readCycleLock` for who).
 * A stale lock (dead pid on this host) is taken over.
 */
export async function acquireCycleLock(
  repoRoot: string,
  options: CycleLockOptions = {},
): Promise<CycleLock | undefined> {
  const now = options.now ?? (() => new Date());
  const host = options.host ?? os.hostname();
  const isAlive = options.isAlive ?? isProcessAlive;
  const file = lockPath(repoRoot);
  await mkdir(path.dirname(file), { recursive: true });
  const holder: CycleLockHolder = {
    pid: options.pid ?? process.pid,
    host,
    startedAt: now().toISOString(),
    token: randomBytes(8).toString("hex"),
  };
  const content = `${JSON.stringify(holder, null, 2)}\n`;
  const lock: CycleLock = {
    holder,
    async release() {
      const current = await readCycleLock(repoRoot);
      if (current?.token === holder.token) await rm(file, { force: true });
    },
  };

  if (await createExclusive(file, content)) return lock;
  const first = await isStale(repoRoot, host, isAlive, now());
  if (!first.stale) return undefined;

  const takeover = `${file}.takeover`;
  if (!(await createExclusive(takeover, holder.token))) {
    const info = await stat(takeover).catch(() => undefined);
    if (!info || now().getTime() - info.mtimeMs <= TAKEOVER_STALE_MS) return undefined;
    await rm(takeover, { force: true });
    if (!(await createExclusive(takeover, holder.token))) return undefined;
  }
  try {
    // Still the same stale lock? Another process may have taken it over just before us.
    const second = await isStale(repoRoot, host, isAlive, now());
    if (!second.stale || second.token !== first.token) {
      return (await createExclusive(file, content)) ? lock : undefined;
    }
    await rm(file, { force: true });
    return (await createExclusive(file, content)) ? lock : undefined;
  } finally {
    await rm(takeover, { force: true });
  }
}
