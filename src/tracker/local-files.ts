/**
 * File primitives of the local tracker, in the style of the file queue (`src/queue/
 * file-queue-fs.ts`): every whole-file write goes to `.tmp/` first and appears under its name
 * by `link` (create only if absent: two creators never share a number) or `rename` (replace),
 * so a reader never sees half a file. Changes to one file are made under a small lock file in
 * `.locks/`, so two workers labelling the same issue do not lose each other's change.
 */
import { randomBytes } from "node:crypto";
import {
  linkSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  type Stats,
} from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { InputError } from "../errors.js";

export const TMP = ".tmp";
export const LOCKS = ".locks";

const processNonce = randomBytes(6).toString("hex");
let counter = 0;

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

export function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
}

export function statIfExists(file: string): Stats | undefined {
  return statSync(file, { throwIfNoEntry: false });
}

export function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
}

/** Changes whenever the file is replaced or edited in place. */
export function statKey(stats: Stats | undefined): string {
  return stats ? `${stats.ino}:${stats.size}:${stats.mtimeMs}` : "absent";
}

export async function prepareFolder(dir: string): Promise<void> {
  await mkdir(path.join(dir, TMP), { recursive: true });
  await mkdir(path.join(dir, LOCKS), { recursive: true });
}

function writeTemp(dir: string, text: string): string {
  const file = path.join(dir, TMP, `${process.pid}.${processNonce}${(counter++).toString(36)}.tmp`);
  writeFileSync(file, text, { encoding: "utf8", flag: "wx" });
  return file;
}

/** Creates `target` with `text` unless it exists; false when it existed. */
export function createExclusive(dir: string, target: string, text: string): boolean {
  const tmp = writeTemp(dir, text);
  try {
    linkSync(tmp, target);
    return true;
  } catch (error) {
    if (errorCode(error) === "EEXIST") return false;
    throw error;
  } finally {
    removeQuietly(tmp);
  }
}

/** Replaces (or creates) `target` with `text` in one step. */
export function replaceAtomically(dir: string, target: string, text: string): void {
  const tmp = writeTemp(dir, text);
  try {
    renameSync(tmp, target);
  } catch (error) {
    removeQuietly(tmp);
    throw error;
  }
}

function holderIsGone(lockFile: string, staleMs: number): boolean {
  const text = readIfExists(lockFile);
  if (text === undefined) return true;
  const pid = Number.parseInt(text, 10);
  if (Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 0);
      return false;
    } catch (error) {
      // EPERM: alive, someone else's process. ESRCH: gone.
      return errorCode(error) === "ESRCH";
    }
  }
  // Unreadable (being written right now, or damaged): stale only once it is old.
  const stats = statIfExists(lockFile);
  return stats !== undefined && Date.now() - stats.mtimeMs > staleMs;
}

/**
 * Runs `work` while holding `<dir>/.locks/<name>.lock`. A lock left by a process that died is
 * taken over; one held by a live process is waited for, up to `timeoutMs`.
 */
export async function withLock<T>(
  dir: string,
  name: string,
  work: () => Promise<T> | T,
  options: { timeoutMs?: number; staleMs?: number } = {},
): Promise<T> {
  const lockFile = path.join(dir, LOCKS, `${name}.lock`);
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(lockFile, `${process.pid}\n`, { flag: "wx" });
      break;
    } catch (error) {
      if (errorCode(error) !== "EEXIST") throw error;
    }
    if (holderIsGone(lockFile, options.staleMs ?? 30_000)) {
      removeQuietly(lockFile);
      continue;
    }
    if (Date.now() > deadline) {
      throw new InputError(`${lockFile} has been held by another process for too long`, {
        hint: "If no harness process is running, delete that file and run again.",
      });
    }
    await sleep(Math.min(5 + attempt * 5, 50));
  }
  try {
    return await work();
  } finally {
    removeQuietly(lockFile);
  }
}
