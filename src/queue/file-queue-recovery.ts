/**
 * What the file queue does about workers that stopped: expired leases, orphans in `.claims/` and
 * stale files in `.tmp/`. Runs from `recoverExpired`, and from `claim` at most once a second.
 *
 * - Running files whose mtime (the lease end, see file-queue-fs.ts) has passed are taken, the
 *   mtime of what was taken is checked again (a renewal may have landed in between; then the
 *   file goes back) and they are requeued as `lease-expired` attempts (`failed` once attempts
 *   are spent).
 * - An orphan in `.claims/` (a process was killed in the middle of a move) is adopted: if the id
 *   is in a state folder again, the orphan is a leftover and is deleted; else it goes back to
 *   `<from>` (one from running is requeued as a `lease-expired` attempt: it may have done work).
 * - Stale `.tmp/` files are deleted.
 *
 * Changes from the first sketch of this design, and why: orphans and temp files carry the pid
 * that made them. Recovery adopts them as soon as that process is gone (and the file is a second
 * old), and only after `orphanMaxAgeMs` (10 min by default) while it lives. An age alone would
 * either wait long after a crash or, if short, adopt a file a slow but living process is still
 * moving (a duplicate run). This assumes the processes sharing a queue share a pid namespace (one
 * machine, not several containers). Their ctime is compared with the real clock, not the
 * injected one: the kernel sets it.
 */
import { readFileSync, renameSync, statSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";

import type { EventSink } from "../events.js";
import type { PendingCandidates } from "./file-queue-candidates.js";
import {
  CLAIMS,
  TMP,
  errorCode,
  grabNamePattern,
  idOfFileName,
  ignoreMissing,
  iso,
  removeQuietly,
  statIfExists,
  tmpNamePattern,
  type FileQueueFolder,
} from "./file-queue-fs.js";
import { withoutLease, type ItemRecord } from "./item-file.js";
import type { QueueState } from "./types.js";

const RECOVERY_INTERVAL_MS = 1_000;

export interface FileQueueRecoveryOptions {
  folder: FileQueueFolder;
  candidates: PendingCandidates;
  clock: { now(): number };
  events: EventSink | undefined;
  /** A `.claims/` or `.tmp/` file of a dead process is adopted once this old. */
  orphanGraceMs: number;
  /** ... and of any process once this old. */
  orphanMaxAgeMs: number;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM";
  }
}

/** Takes back what stopped workers left behind; one recovery runs at a time per queue. */
export class FileQueueRecovery {
  private readonly folder: FileQueueFolder;
  private readonly candidates: PendingCandidates;
  private readonly clock: { now(): number };
  private readonly events: EventSink | undefined;
  private readonly orphanGraceMs: number;
  private readonly orphanMaxAgeMs: number;
  private readonly unreadableRunning = new Set<string>();
  private lastRecoveryAt = -Infinity;
  private recovering: Promise<string[]> | undefined;

  constructor(options: FileQueueRecoveryOptions) {
    this.folder = options.folder;
    this.candidates = options.candidates;
    this.clock = options.clock;
    this.events = options.events;
    this.orphanGraceMs = options.orphanGraceMs;
    this.orphanMaxAgeMs = options.orphanMaxAgeMs;
  }

  /** Whether `claim` should run a recovery first (the last one started a second ago or more). */
  isDue(): boolean {
    return this.clock.now() - this.lastRecoveryAt >= RECOVERY_INTERVAL_MS;
  }

  /** The recovery under way, if any (the driver's close waits for it). */
  get inProgress(): Promise<string[]> | undefined {
    return this.recovering;
  }

  /** Runs a recovery, or joins the one under way. Returns the ids taken back. */
  recoverExpired(): Promise<string[]> {
    this.recovering ??= this.runRecovery().finally(() => {
      this.recovering = undefined;
    });
    return this.recovering;
  }

  private async runRecovery(): Promise<string[]> {
    const now = this.clock.now();
    this.lastRecoveryAt = now;
    const recovered: string[] = [];
    await this.recoverRunning(now, recovered);
    await this.adoptOrphans(now, recovered);
    await this.removeStaleTemps();
    return recovered;
  }

  private async recoverRunning(now: number, recovered: string[]): Promise<void> {
    for (const name of await readdir(path.join(this.folder.dir, "running"))) {
      const id = idOfFileName(name);
      if (!id) continue;
      const before = statIfExists(this.folder.itemPath("running", id));
      if (!before || before.mtimeMs >= now) continue;
      const unreadableKey = `${id}:${before.ino}:${before.size}:${before.mtimeMs}`;
      if (this.unreadableRunning.has(unreadableKey)) continue;
      const grabbed = this.folder.grab("running", id);
      if (!grabbed) continue;
      const taken = statSync(grabbed);
      if (taken.mtimeMs >= now) {
        this.folder.restore(grabbed, "running", id); // renewed between our two looks
        continue;
      }
      const parsed = this.folder.parse(readFileSync(grabbed, "utf8"), id, now);
      if (!parsed.ok) {
        this.folder.restore(grabbed, "running", id); // left for a person; list() names it
        this.unreadableRunning.add(`${id}:${taken.ino}:${taken.size}:${taken.mtimeMs}`);
        continue;
      }
      const message = parsed.record.lease
        ? `the lease of ${parsed.record.lease.owner} ran out at ${iso(taken.mtimeMs)}`
        : "it was in running/ without a lease (moved there by hand?)";
      this.requeueExpired(grabbed, parsed.record, message, now);
      recovered.push(id);
    }
  }

  private requeueExpired(grabbed: string, record: ItemRecord, message: string, now: number) {
    const to = record.attempts >= record.maxAttempts ? "failed" : "pending";
    const next: ItemRecord = {
      ...withoutLease(record),
      updatedAt: iso(now),
      errors: [
        ...record.errors,
        { attempt: record.attempts, at: iso(now), message, kind: "lease-expired" },
      ],
    };
    this.folder.moveGrabbed(grabbed, "running", next, to);
    this.events?.emit({ type: "item-recovered", id: record.id, attempt: record.attempts, to });
  }

  private isAbandoned(pid: number, ctimeMs: number): boolean {
    const age = Date.now() - ctimeMs;
    if (age >= this.orphanMaxAgeMs) return true;
    if (age < this.orphanGraceMs) return false;
    return pid !== process.pid && !isProcessAlive(pid);
  }

  /** Files a killed process left in `.claims/` go back where they belong. */
  private async adoptOrphans(now: number, recovered: string[]): Promise<void> {
    const claims = path.join(this.folder.dir, CLAIMS);
    for (const name of await readdir(claims)) {
      const match = grabNamePattern.exec(name);
      if (!match) continue;
      const [, id = "", from = "pending", pid = "0"] = match;
      const state = from as QueueState;
      const orphan = path.join(claims, name);
      const orphanStats = statIfExists(orphan);
      if (!orphanStats || !this.isAbandoned(Number(pid), orphanStats.ctimeMs)) continue;
      const grabbed = this.folder.grabPath(id, state);
      try {
        renameSync(orphan, grabbed);
      } catch (error) {
        ignoreMissing(error);
        continue;
      }
      if (this.folder.existsInAnyState(id)) {
        removeQuietly(grabbed); // its move finished before the process died
        continue;
      }
      if (state === "running") {
        const parsed = this.folder.parse(readFileSync(grabbed, "utf8"), id, now);
        if (parsed.ok) {
          const message = `process ${pid} died while it moved the item out of running/`;
          this.requeueExpired(grabbed, parsed.record, message, now);
          recovered.push(id);
          continue;
        }
      }
      this.folder.restore(grabbed, state, id);
      if (state === "pending") this.candidates.refresh(id);
    }
  }

  private async removeStaleTemps(): Promise<void> {
    const folder = path.join(this.folder.dir, TMP);
    for (const name of await readdir(folder)) {
      const match = tmpNamePattern.exec(name);
      const file = path.join(folder, name);
      const stats = statIfExists(file);
      if (match && stats && this.isAbandoned(Number(match[1]), stats.ctimeMs)) removeQuietly(file);
    }
  }
}
