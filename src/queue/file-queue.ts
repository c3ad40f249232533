/**
 * The file driver of the work queue, the embedded default: one Markdown file per item in
 * `<dir>/{pending,running,done,failed}/<id>.md` (format: item-file.ts), plus two private
 * folders, `.claims/` (files taken out of a state folder by one process while it moves them)
 * and `.tmp/` (files being written). Many processes on one machine share it without locks.
 *
 * It stays correct when any process is SIGKILLed at any moment, and when a person moves files
 * between the state folders by hand. The design is told next to the code that carries it out:
 *
 * - file-queue-fs.ts: atomic writes (`.tmp/`, then link or rename), taking a file into
 *   `.claims/` before changing it, the lease clock (the running file's mtime) and the token
 *   checks of renew, complete, fail and release.
 * - file-queue-candidates.ts: the cache of pending files and the claim order.
 * - file-queue-recovery.ts: expired leases, orphans in `.claims/`, stale `.tmp/` files.
 * - file-queue-listing.ts: `list` and `stats`.
 * - This file: the `Queue` methods, built from those parts.
 *
 * Claim: take `pending/<id>.md`, write the running file with a lease block holding a fresh token,
 * `link` it to `running/<id>.md` (EEXIST: the id already runs, so put it back and skip it). Every
 * claim and every requeue writes a new file, so one claim's running file is its own inode, even
 * when a person moves a running file back to pending and it is claimed again.
 *
 * Ids found only in `.claims/` (moving right now) count as existing for `enqueue` (a change from
 * the first sketch of this design). One race is left: an enqueue of an id that, during that
 * enqueue's few lookups, leaves pending, runs and comes back to pending (fail or release) may add
 * a second copy. Delivery is at least once.
 *
 * Moves by hand: failed→pending retries (an item whose attempts are spent gets a fresh budget at
 * its next claim, as `retry` does), pending→failed cancels, done→pending runs again,
 * running→pending takes the item from its worker (whose next renew, complete or fail throws
 * `LeaseLostError`). Editors that save in place may be caught mid-save; a half file that does not
 * parse is put back and skipped until it changes.
 */
import { readFileSync, unlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { InputError } from "../errors.js";
import type { EventSink } from "../events.js";
import { QueueItemNotFoundError, QueueItemStateError } from "./errors.js";
import { PendingCandidates } from "./file-queue-candidates.js";
import {
  FileQueueFolder,
  MOVE_RETRIES,
  ignoreMissing,
  iso,
  nonce,
  removeQuietly,
  statIfExists,
  type Located,
} from "./file-queue-fs.js";
import { FileQueueCounter, listFileQueue } from "./file-queue-listing.js";
import { FileQueueRecovery } from "./file-queue-recovery.js";
import { serializeItemFile, toQueueItem, withoutLease, type ItemRecord } from "./item-file.js";
import {
  defaultQueueSettings,
  errorMessage,
  isValidItemId,
  retryDelayMs,
  type Claim,
  type ClaimOptions,
  type EnqueueInput,
  type EnqueueOutcome,
  type FailOptions,
  type ListOptions,
  type ListResult,
  type Queue,
  type QueueItem,
  type QueueSettings,
  type QueueState,
  type QueueStats,
} from "./types.js";

export interface FileQueueOptions {
  /** The queue folder, e.g. `<repo>/.harness/queue`; created with its subfolders. */
  dir: string;
  settings?: Partial<QueueSettings>;
  /** Epoch ms; drives leases, delays and timestamps. Default `Date.now`. */
  clock?: { now(): number };
  /** Names this process in lease blocks (default host:pid). */
  worker?: string;
  /** Receives `item-recovered` when recovery takes an item back. */
  events?: EventSink;
  /** Jitter source for retry backoff. */
  random?: () => number;
  /** A `.claims/` or `.tmp/` file of a dead process is adopted once this old. Default 1 s. */
  orphanGraceMs?: number;
  /** ... and of any process once this old. Default 10 minutes (at least 3 leases). */
  orphanMaxAgeMs?: number;
}

/** Opens the file queue in `options.dir`, creating its folders. */
export async function createFileQueue(options: FileQueueOptions): Promise<Queue> {
  const queue = new FileQueue(options);
  await queue.prepare();
  return queue;
}

export class FileQueue implements Queue {
  readonly driver = "file" as const;
  private readonly settings: QueueSettings;
  private readonly clock: { now(): number };
  private readonly processName: string;
  private readonly random: () => number;
  private readonly folder: FileQueueFolder;
  private readonly candidates: PendingCandidates;
  private readonly recovery: FileQueueRecovery;
  private readonly counter: FileQueueCounter;

  constructor(options: FileQueueOptions) {
    this.settings = { ...defaultQueueSettings, ...options.settings };
    this.clock = options.clock ?? Date;
    this.processName = options.worker ?? `${os.hostname()}:${process.pid}`;
    this.random = options.random ?? Math.random;
    this.folder = new FileQueueFolder({
      dir: path.resolve(options.dir),
      maxAttempts: this.settings.maxAttempts,
      clock: this.clock,
      onPendingPlaced: (record) => this.candidates.noteWritten(record),
    });
    this.candidates = new PendingCandidates(this.folder, this.clock);
    this.recovery = new FileQueueRecovery({
      folder: this.folder,
      candidates: this.candidates,
      clock: this.clock,
      events: options.events,
      orphanGraceMs: options.orphanGraceMs ?? 1_000,
      orphanMaxAgeMs: options.orphanMaxAgeMs ?? Math.max(600_000, 3 * this.settings.leaseMs),
    });
    this.counter = new FileQueueCounter(this.folder, this.clock);
  }

  /** Creates the folders and checks the file system can hard-link (claims depend on it). */
  async prepare(): Promise<void> {
    await this.folder.prepare();
  }

  private checkId(id: string): void {
    if (!isValidItemId(id)) {
      throw new InputError(`${JSON.stringify(id)} is not a valid queue item id`, {
        hint: "Ids are lowercase letters, digits, '.', '_' and '-', starting with a letter or digit.",
      });
    }
  }

  // ---- enqueue and claim ---------------------------------------------------------------------

  async enqueue(input: EnqueueInput): Promise<EnqueueOutcome> {
    this.checkId(input.id);
    if (typeof input.title !== "string" || input.title.trim() === "") {
      throw new InputError(`Queue item ${input.id} needs a title`);
    }
    const priority = input.priority ?? 0;
    const maxAttempts = input.maxAttempts ?? this.settings.maxAttempts;
    const delayMs = input.delayMs ?? 0;
    if (!Number.isFinite(priority)) throw new InputError("priority must be a finite number");
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new InputError("maxAttempts must be a whole number of at least 1");
    }
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new InputError("delayMs must be >= 0");

    for (let round = 0; round < MOVE_RETRIES; round++) {
      const existing = await this.folder.locate(input.id);
      if (existing && "item" in existing) return { item: existing.item, created: false };
      if (existing) {
        throw new QueueItemStateError(`Queue item ${input.id} is being moved; try again`);
      }
      const now = this.clock.now();
      const record: ItemRecord = {
        id: input.id,
        title: input.title,
        body: input.body ?? "",
        priority,
        attempts: 0,
        maxAttempts,
        ...(delayMs > 0 ? { notBefore: iso(now + delayMs) } : {}),
        createdAt: iso(now),
        updatedAt: iso(now),
        errors: [],
        data: { ...input.data },
        extra: {},
      };
      const tmp = this.folder.writeTemp(serializeItemFile(record, "pending"));
      if (this.folder.place(tmp, "pending", input.id) === "placed") {
        this.candidates.noteWritten(record);
        return { item: toQueueItem(record, "pending"), created: true };
      }
    }
    throw new QueueItemStateError(`Queue item ${input.id} kept moving while it was enqueued`);
  }

  async claim(options: ClaimOptions): Promise<Claim | undefined> {
    const leaseMs = options.leaseMs ?? this.settings.leaseMs;
    if (!(leaseMs > 0)) throw new InputError("leaseMs must be positive");
    if (this.recovery.isDue()) await this.recoverExpired();
    return this.candidates.claimFirst((id) => this.tryClaim(id, options.worker, leaseMs));
  }

  private tryClaim(id: string, worker: string, leaseMs: number): Claim | undefined {
    const grabbed = this.folder.grab("pending", id);
    if (!grabbed) {
      this.candidates.forgetOffered(id);
      return undefined;
    }
    let placed = false;
    try {
      const now = this.clock.now();
      const parsed = this.folder.parse(readFileSync(grabbed, "utf8"), id, now);
      if (!parsed.ok) {
        this.folder.restore(grabbed, "pending", id);
        this.candidates.refresh(id, true);
        return undefined;
      }
      const record = parsed.record;
      if (record.notBefore && Date.parse(record.notBefore) > now) {
        this.folder.restore(grabbed, "pending", id); // edited by hand since it was listed
        this.candidates.refresh(id);
        return undefined;
      }
      const expiresAt = now + leaseMs;
      const token = nonce();
      // Spent attempts here mean a person moved a failed item back: a fresh budget, like retry.
      const attempt = (record.attempts >= record.maxAttempts ? 0 : record.attempts) + 1;
      const running: ItemRecord = {
        ...withoutLease(record, { result: true }),
        attempts: attempt,
        updatedAt: iso(now),
        lease: {
          owner: worker,
          process: this.processName,
          claimedAt: iso(now),
          expiresAt: iso(expiresAt),
          token,
        },
      };
      const tmp = this.folder.writeTemp(serializeItemFile(running, "running"), expiresAt);
      if (this.folder.place(tmp, "running", id) === "exists") {
        // The same id is already running (a copy made by hand): leave this one for a person.
        this.folder.restore(grabbed, "pending", id);
        this.candidates.refresh(id, true);
        return undefined;
      }
      placed = true;
      this.candidates.forgetOffered(id);
      removeQuietly(grabbed);
      return { item: toQueueItem(running, "running", expiresAt), attempt, token, expiresAt };
    } catch (error) {
      if (!placed) this.folder.restoreQuietly(grabbed, "pending", id);
      throw error;
    }
  }

  // ---- the holder's operations ---------------------------------------------------------------

  async renew(claim: Claim, leaseMs?: number): Promise<Claim> {
    const length = leaseMs ?? this.settings.leaseMs;
    if (!(length > 0)) throw new InputError("leaseMs must be positive");
    return this.folder.renewHeld(claim, length);
  }

  async complete(claim: Claim, result?: unknown): Promise<QueueItem> {
    const { grabbed, record } = this.folder.takeHeld(claim);
    const done: ItemRecord = {
      ...withoutLease(record, { result: true }),
      updatedAt: iso(this.clock.now()),
      ...(result !== undefined ? { result } : {}),
    };
    this.folder.moveGrabbed(grabbed, "running", done, "done");
    return toQueueItem(done, "done");
  }

  async fail(claim: Claim, error: unknown, options: FailOptions = {}): Promise<QueueItem> {
    const { grabbed, record } = this.folder.takeHeld(claim);
    const now = this.clock.now();
    const next: ItemRecord = {
      ...withoutLease(record),
      updatedAt: iso(now),
      errors: [
        ...record.errors,
        { attempt: record.attempts, at: iso(now), message: errorMessage(error), kind: "failed" },
      ],
    };
    const retry = options.retry !== false && record.attempts < record.maxAttempts;
    if (retry) {
      next.notBefore = iso(now + retryDelayMs(record.attempts, this.settings, this.random));
    }
    const to = retry ? "pending" : "failed";
    this.folder.moveGrabbed(grabbed, "running", next, to);
    return toQueueItem(next, to);
  }

  async release(claim: Claim): Promise<QueueItem> {
    const { grabbed, record } = this.folder.takeHeld(claim);
    const next: ItemRecord = {
      ...withoutLease(record),
      attempts: Math.max(0, record.attempts - 1),
      updatedAt: iso(this.clock.now()),
    };
    this.folder.moveGrabbed(grabbed, "running", next, "pending");
    return toQueueItem(next, "pending");
  }

  // ---- operations by id ----------------------------------------------------------------------

  /**
   * Moves item `id` to the state `plan` picks. `plan` sees the item as found and returns either
   * the item itself (nothing to do) or a change applied to the file once it is taken.
   */
  private async transition(
    id: string,
    plan: (
      found: Located,
    ) => QueueItem | ((record: ItemRecord, now: number) => { record: ItemRecord; to: QueueState }),
  ): Promise<QueueItem | undefined> {
    this.checkId(id);
    for (let round = 0; round < MOVE_RETRIES; round++) {
      const found = await this.folder.locate(id);
      if (!found) return undefined;
      if (!("item" in found)) {
        throw new QueueItemStateError(`Queue item ${id} is being moved by another process`, {
          hint: "Try again in a moment.",
        });
      }
      const change = plan(found);
      if (typeof change !== "function") return change;
      const grabbed = this.folder.grab(found.state, id);
      if (!grabbed) continue; // it moved since we read it: look again
      const parsed = this.folder.parse(readFileSync(grabbed, "utf8"), id, this.clock.now());
      if (!parsed.ok) {
        this.folder.restore(grabbed, found.state, id);
        throw this.folder.corrupt(this.folder.itemPath(found.state, id), parsed.message);
      }
      const { record, to } = change(parsed.record, this.clock.now());
      this.folder.moveGrabbed(grabbed, found.state, record, to);
      return toQueueItem(record, to);
    }
    throw new QueueItemStateError(`Queue item ${id} kept moving; try again`);
  }

  private async transitionOrThrow(
    id: string,
    operation: string,
    allowed: QueueState[],
    change: (record: ItemRecord, now: number) => ItemRecord,
    to: QueueState,
  ): Promise<QueueItem> {
    const item = await this.transition(id, (found) => {
      if (!allowed.includes(found.state)) {
        throw new QueueItemStateError(
          `Queue item ${id} is ${found.state}; only ${allowed.join(" or ")} items can be ${operation}`,
        );
      }
      return (record, now) => ({ record: { ...change(record, now), updatedAt: iso(now) }, to });
    });
    if (!item) throw new QueueItemNotFoundError(id);
    return item;
  }

  async cancel(id: string, reason?: string): Promise<QueueItem | undefined> {
    return this.transition(id, (found) => {
      if (found.state === "done" || found.state === "failed") return found.item;
      return (record, now) => ({
        to: "failed",
        record: {
          ...withoutLease(record),
          updatedAt: iso(now),
          errors: [
            ...record.errors,
            {
              attempt: record.attempts,
              at: iso(now),
              message: reason ?? "cancelled",
              kind: "cancelled",
            },
          ],
        },
      });
    });
  }

  async delay(id: string, delayMs: number): Promise<QueueItem> {
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new InputError("delayMs must be >= 0");
    return this.transitionOrThrow(
      id,
      "delayed",
      ["pending"],
      (record, now) => ({ ...record, notBefore: iso(now + delayMs) }),
      "pending",
    );
  }

  async setPriority(id: string, priority: number): Promise<QueueItem> {
    if (!Number.isFinite(priority)) throw new InputError("priority must be a finite number");
    return this.transitionOrThrow(
      id,
      "reprioritized",
      ["pending"],
      (record) => ({ ...record, priority }),
      "pending",
    );
  }

  /** Back to pending with attempts at 0 (a fresh budget); the error history stays. */
  async retry(id: string): Promise<QueueItem> {
    return this.transitionOrThrow(
      id,
      "retried",
      ["failed", "done"],
      (record) => ({ ...withoutLease(record, { result: true }), attempts: 0 }),
      "pending",
    );
  }

  async drop(id: string): Promise<boolean> {
    this.checkId(id);
    const running = this.folder.itemPath("running", id);
    const refuse = () =>
      new QueueItemStateError(`Queue item ${id} is running; it cannot be dropped`, {
        hint: `Cancel it first (harness queue cancel ${id}), then drop it.`,
      });
    for (let round = 0; round < MOVE_RETRIES; round++) {
      if (statIfExists(running)) throw refuse();
      let removed = false;
      for (const state of ["pending", "done", "failed"] as const) {
        try {
          unlinkSync(this.folder.itemPath(state, id));
          removed = true;
        } catch (error) {
          ignoreMissing(error);
        }
      }
      if (removed) {
        this.candidates.forget(id);
        return true;
      }
      if (statIfExists(running)) throw refuse();
      if ((await this.folder.inClaims(id)).length === 0) return false;
      await sleep(5);
    }
    return false;
  }

  async get(id: string): Promise<QueueItem | undefined> {
    this.checkId(id);
    const found = await this.folder.locate(id);
    return found && "item" in found ? found.item : undefined;
  }

  async list(options: ListOptions = {}): Promise<ListResult> {
    return listFileQueue(this.folder, options);
  }

  async stats(): Promise<QueueStats> {
    return this.counter.count();
  }

  async recoverExpired(): Promise<string[]> {
    return this.recovery.recoverExpired();
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.candidates.scanInProgress, this.recovery.inProgress]);
  }
}
