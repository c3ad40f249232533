/**
 * The Redis driver of the work queue, through BullMQ (several machines share one Redis).
 *
 * How the `Queue` contract maps onto BullMQ 6 (the job format is in `redis-item-envelope.ts`):
 * - An item is a job whose id is the item id. Keys live under `harness:<name>:*`; finished jobs
 *   are kept (no auto-removal), so enqueue stays a no-op for an id that ran.
 * - Claims go through a Worker in manual mode: `moveToActive(token, worker)` locks the job with
 *   our claim token; renew is `extendLock`; complete, fail and release are BullMQ's token-checked
 *   moves (`moveToCompleted`, `moveToDelayed` with our backoff, `moveToFailed`, `retryJob`),
 *   which write the new envelope in the same script through `fieldsToUpdate`. A move with a token
 *   that no longer holds the lock fails, which becomes `LeaseLostError`.
 * - `attempts` is BullMQ's `attemptsStarted`; release and a claim that finds the budget spent
 *   put it back one. Lease expiry is BullMQ's stalled check (every `stalledIntervalMs`), which
 *   moves the job back to wait and bumps `stalledCounter`; the queue writes a `lease-expired`
 *   entry for each recovery it has not recorded yet and fails the item when attempts are spent.
 * - What BullMQ has no operation for (compare-and-set of the envelope, cancel, delaying a
 *   waiting job) are small scripts of our own (`redis-scripts.ts`); reads for `get`, `list` and
 *   `stats` are in `redis-job-reads.ts`; the client and its failure handling (Redis down means
 *   `QueueUnavailableError` after `connectTimeoutMs`) in `redis-connection.ts`.
 * - The hot path is one script call each: a claim is `moveToActive` (which returns the job's
 *   hash, so nothing is read again), a complete is `moveToCompleted`. Expired leases are looked
 *   for only when a claim finds nothing ready, and by BullMQ's timer. The commands that the
 *   claim loops of one process send in the same turn of the event loop leave in one write.
 */
import { randomUUID } from "node:crypto";
import os from "node:os";

import { Job, Queue as BullQueue, Worker } from "bullmq";
import type { JobJson } from "bullmq";

import { ConfigError, HarnessError, InputError } from "../errors.js";
import type { EventSink } from "../events.js";
import {
  CorruptItemError,
  LeaseLostError,
  QueueItemNotFoundError,
  QueueItemStateError,
} from "./errors.js";
import { RedisConnection, redactUrl, replies, settleWithin } from "./redis-connection.js";
import {
  checkPriority,
  decodeResult,
  factsFromHash,
  factsFromJobJson,
  iso,
  JOB_NAME,
  parseEnvelope,
  settledItem,
  toBullPriority,
  toItemId,
  toJobId,
  toQueueItem,
  withStallsRecorded,
  type ItemEnvelope,
  type JobFacts,
  type JobRead,
} from "./redis-item-envelope.js";
import { RedisJobReader } from "./redis-job-reads.js";
import {
  defineQueueScripts,
  errorCode,
  leaseLostDetail,
  stateKeys,
  type RedisQueueScripts,
  type StateKeys,
} from "./redis-scripts.js";
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
  type QueueStats,
} from "./types.js";

export interface RedisQueueOptions {
  /** `redis://[:password@]host:port/db` or `rediss://…`. */
  url: string;
  /** The BullMQ queue name; keys are `harness:<name>:*`. One per repository. */
  name: string;
  settings?: Partial<QueueSettings>;
  /** Names this process: the default lease owner and the BullMQ worker name (host:pid). */
  worker?: string;
  /** How often a claiming process looks for running items whose lease ran out. Default 10 s. */
  stalledIntervalMs?: number;
  /** How long an operation waits for Redis to (re)connect before failing. Default 2 s. */
  connectTimeoutMs?: number;
  /** A command with no reply for this long fails (a hung server). Default 5 s. */
  commandTimeoutMs?: number;
  /** Receives `item-recovered` when this process writes down a lease expiry. */
  events?: EventSink;
}

const KEY_PREFIX = "harness";
/** We count lease expiries against maxAttempts ourselves, so BullMQ's own limit never fires. */
const UNLIMITED_STALLS = 1_000_000;
/** Jobs one claim call may skip (corrupt, or spent after a lease expiry) before giving up. */
const MAX_SKIPPED_PER_CLAIM = 100;

interface RedisQueueParts {
  name: string;
  connection: RedisConnection;
  bull: BullQueue;
  settings: QueueSettings;
  workerName: string;
  stalledIntervalMs: number;
  events: EventSink | undefined;
}

class RedisQueue implements Queue {
  readonly driver = "redis";
  private worker: Worker | undefined;
  private stalledCheckStarted = false;
  private closed = false;
  private readonly keys: StateKeys;
  private readonly scripts: RedisQueueScripts;
  private readonly reads: RedisJobReader;

  constructor(private readonly parts: RedisQueueParts) {
    const { client } = parts.connection;
    this.keys = stateKeys(parts.bull);
    this.scripts = defineQueueScripts(client, parts.bull, this.keys);
    this.reads = new RedisJobReader(client, parts.bull, this.keys);
    // BullMQ re-emits connection trouble; each operation reports its own failure instead.
    parts.bull.on("error", ignoreBackgroundError);
  }

  async enqueue(input: EnqueueInput): Promise<EnqueueOutcome> {
    if (!isValidItemId(input.id)) {
      throw new InputError(`Queue item id ${JSON.stringify(input.id)} is not valid.`, {
        hint: "Use lowercase letters, digits, dot, dash and underscore (at most 120), starting with a letter or digit.",
      });
    }
    if (!input.title.trim()) throw new InputError(`Queue item ${input.id} has an empty title.`);
    const maxAttempts = input.maxAttempts ?? this.parts.settings.maxAttempts;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new InputError(`maxAttempts must be a positive integer, got ${maxAttempts}.`);
    }
    const priority = checkPriority(input.priority ?? 0);
    const delayMs = input.delayMs ?? 0;
    if (!Number.isFinite(delayMs) || delayMs < 0) {
      throw new InputError(`delayMs must be a non-negative number, got ${delayMs}.`);
    }
    return this.run(async () => {
      const now = Date.now();
      const envelope: ItemEnvelope = {
        title: input.title,
        body: input.body ?? "",
        data: input.data ?? {},
        maxAttempts,
        createdAt: iso(now),
        updatedAt: iso(now),
        errors: [],
        stallsRecorded: 0,
        enqueueId: randomUUID(),
      };
      const jobId = toJobId(input.id);
      await this.parts.bull.add(JOB_NAME, envelope, {
        jobId,
        priority: toBullPriority(priority),
        ...(delayMs > 0 ? { delay: Math.round(delayMs) } : {}),
        timestamp: now,
        attempts: maxAttempts,
        removeOnComplete: false,
        removeOnFail: false,
      });
      // BullMQ's add is a no-op for an existing id; the stored envelope tells whose add it was.
      const read = await this.reads.readJob(jobId);
      if (!read) throw new QueueItemNotFoundError(input.id);
      const stored = parseEnvelope(read.facts);
      const created = typeof stored !== "string" && stored.enqueueId === envelope.enqueueId;
      return { item: this.toItem(input.id, read), created };
    });
  }

  async claim(options: ClaimOptions): Promise<Claim | undefined> {
    return this.run(async () => {
      const worker = this.ensureWorker();
      if (!this.stalledCheckStarted) {
        this.stalledCheckStarted = true;
        void worker.startStalledCheckTimer();
      }
      const leaseMs = options.leaseMs ?? this.parts.settings.leaseMs;
      // Pass 2 runs only when nothing was ready but an expired lease could be taken back.
      for (let pass = 0; pass < 2; pass++) {
        for (let skipped = 0; skipped < MAX_SKIPPED_PER_CLAIM; skipped++) {
          const token = randomUUID();
          const [json, jobId] = (await worker.backend.moveToActive(token, options.worker)) as [
            JobJson | null | undefined,
            unknown,
          ];
          if (!json || typeof jobId !== "string") break;
          const claim = await this.takeClaimed(jobId, json, token, options.worker, leaseMs);
          if (claim) return claim;
        }
        if (pass === 0 && (await this.recoverNow()).length === 0) break;
      }
      return undefined;
    });
  }

  async renew(claim: Claim, leaseMs?: number): Promise<Claim> {
    return this.run(async () => {
      const duration = leaseMs ?? this.parts.settings.leaseMs;
      const jobId = toJobId(claim.item.id);
      const extended = await this.parts.bull.backend.extendLock(jobId, claim.token, duration);
      if (extended !== 1) throw new LeaseLostError(claim.item.id, leaseLostDetail(-2));
      const expiresAt = Date.now() + duration;
      const lease = claim.item.lease && { ...claim.item.lease, expiresAt: iso(expiresAt) };
      return { ...claim, expiresAt, item: { ...claim.item, ...(lease ? { lease } : {}) } };
    });
  }

  async complete(claim: Claim, result?: unknown): Promise<QueueItem> {
    return this.run(async () => {
      const jobId = toJobId(claim.item.id);
      await this.asHolder(claim, () =>
        this.parts.bull.backend.moveToCompleted(
          this.jobHandle(jobId),
          { result },
          false,
          claim.token,
          false,
        ),
      );
      // The holder knows the item; what Redis now holds is that plus the result.
      const stored = decodeResult(JSON.stringify({ result }));
      return { ...settledItem(claim.item, "done", Date.now()), result: stored };
    });
  }

  async fail(claim: Claim, error: unknown, options: FailOptions = {}): Promise<QueueItem> {
    return this.run(async () => {
      const jobId = toJobId(claim.item.id);
      const { facts, envelope } = await this.holderView(claim);
      const now = Date.now();
      const attempt = facts.attemptsStarted || claim.attempt;
      const message = errorMessage(error);
      const recorded = withStallsRecorded(envelope, facts, "running", now);
      const next: ItemEnvelope = {
        ...recorded,
        updatedAt: iso(now),
        errors: [...recorded.errors, { attempt, at: iso(now), message, kind: "failed" }],
      };
      const fields = { data: JSON.stringify(next), failedReason: message };
      const backend = this.parts.bull.backend;
      const settled = { ...settledItem(claim.item, "failed", now), attempts: attempt };
      if (options.retry !== false && attempt < next.maxAttempts) {
        const delay = retryDelayMs(attempt, this.parts.settings);
        await this.asHolder(claim, () =>
          backend.moveToDelayed(jobId, now, delay, claim.token, { fieldsToUpdate: fields }),
        );
        return { ...settled, state: "pending", notBefore: iso(now + delay), errors: next.errors };
      }
      await this.asHolder(claim, () =>
        backend.moveToFailed(this.jobHandle(jobId), message, false, claim.token, false, fields),
      );
      return { ...settled, errors: next.errors };
    });
  }

  async release(claim: Claim): Promise<QueueItem> {
    return this.run(async () => {
      const jobId = toJobId(claim.item.id);
      const { facts, envelope } = await this.holderView(claim);
      const now = Date.now();
      const next = { ...withStallsRecorded(envelope, facts, "running", now), updatedAt: iso(now) };
      // The claim counted an attempt; giving the item back takes it off again.
      const fields = { data: JSON.stringify(next), ats: Math.max(0, facts.attemptsStarted - 1) };
      await this.asHolder(claim, () =>
        this.parts.bull.backend.retryJob(jobId, false, claim.token, { fieldsToUpdate: fields }),
      );
      return {
        ...settledItem(claim.item, "pending", now),
        attempts: fields.ats,
        errors: next.errors,
      };
    });
  }

  async cancel(id: string, reason?: string): Promise<QueueItem | undefined> {
    if (!isValidItemId(id)) return undefined;
    return this.run(async () => {
      const jobId = toJobId(id);
      // A claim or a stall recovery may change the job between our read and the script (which
      // then refuses); read again and retry.
      for (let tries = 0; tries < 10; tries++) {
        const read = await this.reads.readJob(jobId);
        if (!read) return undefined;
        const envelope = this.envelopeOf(jobId, read);
        if (read.state !== "pending" && read.state !== "running") return this.toItem(id, read);
        const now = Date.now();
        const message = reason ?? "cancelled";
        const recorded = withStallsRecorded(envelope, read.facts, read.state, now);
        const attempt = read.facts.attemptsStarted;
        const next: ItemEnvelope = {
          ...recorded,
          updatedAt: iso(now),
          errors: [...recorded.errors, { attempt, at: iso(now), message, kind: "cancelled" }],
        };
        const code = await this.scripts.failUnfinished(
          jobId,
          read.facts.rawData ?? "",
          JSON.stringify(next),
          `cancelled: ${message}`,
          now,
          true,
        );
        if (code === 1) return this.mustGet(id);
        if (code === -1) return undefined;
      }
      throw new QueueItemStateError(`Queue item ${id} kept changing while being cancelled.`, {
        hint: "Try again.",
      });
    });
  }

  async delay(id: string, delayMs: number): Promise<QueueItem> {
    if (!Number.isFinite(delayMs) || delayMs < 0) {
      throw new InputError(`delayMs must be a non-negative number, got ${delayMs}.`);
    }
    return this.run(async () => {
      const jobId = toJobId(id);
      await this.pendingOrThrow(id, "delayed");
      const notBefore = Date.now() + Math.round(delayMs);
      const code = await this.scripts.delayWaiting(jobId, notBefore, Math.round(delayMs));
      if (code === -1) throw new QueueItemNotFoundError(id);
      if (code !== 1) await this.pendingOrThrow(id, "delayed", true);
      await this.touch(jobId);
      return this.mustGet(id);
    });
  }

  async setPriority(id: string, priority: number): Promise<QueueItem> {
    checkPriority(priority);
    return this.run(async () => {
      const jobId = toJobId(id);
      await this.pendingOrThrow(id, "reprioritized");
      await this.parts.bull.backend.changePriority(jobId, toBullPriority(priority));
      await this.touch(jobId);
      return this.mustGet(id);
    });
  }

  async retry(id: string): Promise<QueueItem> {
    return this.run(async () => {
      const jobId = toJobId(id);
      const read = await this.reads.readJob(jobId);
      if (!read) throw new QueueItemNotFoundError(id);
      if (read.state !== "failed" && read.state !== "done") {
        throw new QueueItemStateError(
          `Queue item ${id} is ${read.state ?? "unknown"}; only failed or done items can be retried.`,
        );
      }
      try {
        await this.parts.bull.backend.retryFinishedJob(
          this.jobHandle(jobId),
          read.state === "failed" ? "failed" : "completed",
          { resetAttemptsMade: true, resetAttemptsStarted: true },
        );
      } catch (error) {
        if (errorCode(error) === undefined) throw error;
        throw new QueueItemStateError(`Queue item ${id} changed state while being retried.`, {
          hint: "Look at it with `harness queue ls` and try again.",
        });
      }
      await this.touch(jobId);
      return this.mustGet(id);
    });
  }

  async drop(id: string): Promise<boolean> {
    if (!isValidItemId(id)) return false;
    return this.run(async () => {
      const jobId = toJobId(id);
      const read = await this.reads.readJob(jobId);
      if (!read) return false;
      const refuse = () =>
        new QueueItemStateError(`Queue item ${id} is running; it cannot be dropped.`, {
          hint: `Cancel it first (harness queue cancel ${id}), then drop it.`,
        });
      if (read.state === "running") throw refuse();
      // BullMQ's remove refuses a locked job, so a claim racing this read still wins.
      if ((await this.parts.bull.remove(jobId)) !== 1) throw refuse();
      return true;
    });
  }

  async get(id: string): Promise<QueueItem | undefined> {
    if (!isValidItemId(id)) return undefined;
    return this.run(async () => {
      const read = await this.reads.readJob(toJobId(id));
      return read && this.toItem(id, read);
    });
  }

  async list(options: ListOptions = {}): Promise<ListResult> {
    return this.run(() => this.reads.list(options));
  }

  async stats(): Promise<QueueStats> {
    return this.run(() => this.reads.stats());
  }

  async recoverExpired(): Promise<string[]> {
    return this.run(() => this.recoverNow());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.worker) await settleWithin(this.worker.close(true), 2_000);
    await settleWithin(this.parts.bull.close(), 2_000);
    await this.parts.connection.close();
  }

  /**
   * Takes back running items whose lock is gone. BullMQ's stalled check marks the active jobs at
   * one run and recovers those still unlocked at the next; here the unlocked ones are marked and
   * the check runs at once (BullMQ sets the lock in the same script that makes a job active, so
   * an active job without one has lost it).
   */
  private async recoverNow(): Promise<string[]> {
    const { bull } = this.parts;
    const { client } = this.parts.connection;
    const active = await client.lrange(this.keys.active, 0, -1);
    if (active.length === 0) return [];
    const locks = client.pipeline();
    for (const jobId of active) locks.exists(`${bull.toKey(jobId)}:lock`);
    const locksHeld = replies(await locks.exec());
    const unlocked = active.filter((_, index) => locksHeld[index] === 0);
    if (unlocked.length === 0) return [];
    await client
      .multi()
      .del(this.keys.stalledCheck)
      .sadd(this.keys.stalled, ...unlocked)
      .exec();
    const moved = await this.ensureWorker().backend.moveStalledJobsToWait();
    for (const jobId of moved) await this.settleRecovered(jobId);
    return moved.map((jobId) => toItemId(jobId) ?? jobId);
  }

  /** Writes down the lease expiry of a job BullMQ just moved back, and fails it when its
   * attempts are spent. A claim that got there first does the same (see takeClaimed). */
  private async settleRecovered(jobId: string): Promise<void> {
    for (let tries = 0; tries < 5; tries++) {
      const read = await this.reads.readJob(jobId);
      if (!read || read.state !== "pending") return;
      const envelope = parseEnvelope(read.facts);
      if (typeof envelope === "string") return;
      if (read.facts.stalledCounter <= envelope.stallsRecorded) return;
      const now = Date.now();
      const next = {
        ...withStallsRecorded(envelope, read.facts, "pending", now),
        updatedAt: iso(now),
      };
      const expected = read.facts.rawData ?? "";
      const spent = read.facts.attemptsStarted >= envelope.maxAttempts;
      const code = spent
        ? await this.scripts.failUnfinished(
            jobId,
            expected,
            JSON.stringify(next),
            "lease expired on its last attempt",
            now,
            false,
          )
        : await this.scripts.casData(jobId, expected, JSON.stringify(next), "");
      if (code === 1)
        this.recovered(jobId, read.facts.attemptsStarted, spent ? "failed" : "pending");
      if (code !== 0) return;
    }
  }

  /** Checks a job `moveToActive` just locked for us; undefined when it was failed instead. */
  private async takeClaimed(
    jobId: string,
    json: JobJson,
    token: string,
    owner: string,
    leaseMs: number,
  ): Promise<Claim | undefined> {
    const facts = factsFromJobJson(json);
    const itemId = toItemId(jobId);
    const envelope = parseEnvelope(facts);
    const handle = this.jobHandle(jobId);
    const backend = this.parts.bull.backend;
    if (!itemId || typeof envelope === "string") {
      const reason = `unreadable queue item: ${itemId ? String(envelope) : "invalid id"}`;
      await backend.moveToFailed(handle, reason, false, token, false).catch(() => undefined);
      return undefined;
    }
    const now = Date.now();
    const attempt = facts.attemptsStarted;
    const recorded = withStallsRecorded(envelope, facts, "running", now);
    if (attempt - 1 >= envelope.maxAttempts) {
      // Its last lease expired and the recovery left it pending: this claim is not an attempt.
      const fields = {
        data: JSON.stringify({ ...recorded, updatedAt: iso(now) }),
        ats: attempt - 1,
      };
      const reason = "lease expired on its last attempt";
      const moved = await backend
        .moveToFailed(handle, reason, false, token, false, fields)
        .then(() => true, ignoreBackgroundError);
      if (moved) this.recovered(jobId, attempt - 1, "failed");
      return undefined;
    }
    let rawData = facts.rawData;
    if (recorded !== envelope) {
      rawData = JSON.stringify(recorded);
      const code = await this.scripts.casData(jobId, facts.rawData ?? "", rawData, token);
      if (code !== 1) return undefined; // cancelled or dropped the moment it was claimed
      this.recovered(jobId, attempt - 1, "pending");
    }
    if (leaseMs !== this.parts.settings.leaseMs) {
      if ((await backend.extendLock(jobId, token, leaseMs)) !== 1) return undefined;
    }
    // Seen from the claim: the lease runs `leaseMs` from the moment the job became ours.
    const claimedAt = facts.processedOn ?? now;
    const item = toQueueItem(
      itemId,
      {
        facts: { ...facts, rawData, processedOn: claimedAt, processedBy: owner },
        state: "running",
        notBeforeMs: undefined,
        lockTtlMs: leaseMs,
      },
      recorded,
      claimedAt,
    );
    return { item, attempt, token, expiresAt: claimedAt + leaseMs };
  }

  /** The job as its holder sees it before a move (the move itself checks the token). */
  private async holderView(claim: Claim): Promise<{ facts: JobFacts; envelope: ItemEnvelope }> {
    const jobId = toJobId(claim.item.id);
    const hash = await this.parts.connection.client.hgetall(this.parts.bull.toKey(jobId));
    if (Object.keys(hash).length === 0) {
      throw new LeaseLostError(claim.item.id, leaseLostDetail(-1));
    }
    const facts = factsFromHash(hash);
    const envelope = parseEnvelope(facts);
    if (typeof envelope === "string") {
      throw new CorruptItemError(`Queue item ${claim.item.id} is unreadable: ${envelope}.`);
    }
    return { facts, envelope };
  }

  private recovered(jobId: string, attempt: number, to: "pending" | "failed"): void {
    this.parts.events?.emit({ type: "item-recovered", id: toItemId(jobId) ?? jobId, attempt, to });
  }

  /** Runs a token-checked BullMQ move; its lock errors mean the caller lost the item. */
  private async asHolder<T>(claim: Claim, move: () => Promise<T>): Promise<T> {
    try {
      return await move();
    } catch (error) {
      const code = errorCode(error);
      if (code === undefined) throw error;
      throw new LeaseLostError(claim.item.id, leaseLostDetail(code));
    }
  }

  private async pendingOrThrow(id: string, verb: string, changed = false): Promise<void> {
    const read = await this.reads.readJob(toJobId(id));
    if (!read) throw new QueueItemNotFoundError(id);
    if (read.state !== "pending" || changed) {
      throw new QueueItemStateError(
        `Queue item ${id} is ${read.state ?? "unknown"}; only pending items can be ${verb}.`,
        { hint: "List the queue with `harness queue ls`." },
      );
    }
  }

  /** Best-effort `updatedAt` bump after an operation BullMQ does without touching the data. */
  private async touch(jobId: string): Promise<void> {
    const raw = await this.parts.connection.client.hget(this.parts.bull.toKey(jobId), "data");
    if (raw === null) return;
    const envelope = parseEnvelope({ name: JOB_NAME, rawData: raw });
    if (typeof envelope === "string") return;
    const next = JSON.stringify({ ...envelope, updatedAt: iso(Date.now()) });
    await this.scripts.casData(jobId, raw, next, "");
  }

  private envelopeOf(jobId: string, read: JobRead): ItemEnvelope {
    const envelope = parseEnvelope(read.facts);
    if (typeof envelope === "string" || !read.state) {
      const problem = this.reads.problem(
        jobId,
        read.state ? String(envelope) : "the job is in no state",
      );
      throw new CorruptItemError(`Queue item ${problem.id} is unreadable: ${problem.message}.`, {
        hint: `Inspect or delete the Redis key ${problem.location}.`,
      });
    }
    return envelope;
  }

  private toItem(itemId: string, read: JobRead): QueueItem {
    const envelope = this.envelopeOf(read.jobId, read);
    return toQueueItem(itemId, { ...read, state: read.state ?? "pending" }, envelope, Date.now());
  }

  private async mustGet(id: string): Promise<QueueItem> {
    const read = await this.reads.readJob(toJobId(id));
    if (!read) throw new QueueItemNotFoundError(id);
    return this.toItem(id, read);
  }

  /** A Job object for BullMQ's moves, which only need the id and the options. */
  private jobHandle(jobId: string): Job {
    const options = { removeOnComplete: false, removeOnFail: false };
    return new Job(this.parts.bull, JOB_NAME, {}, options, jobId);
  }

  /** The BullMQ worker in manual mode (no processor): claims, locks and the stalled check. */
  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const { name, settings, workerName, stalledIntervalMs } = this.parts;
    const { client } = this.parts.connection;
    const worker = new Worker(name, null, {
      connection: client,
      prefix: KEY_PREFIX,
      autorun: false,
      name: workerName,
      lockDuration: settings.leaseMs,
      stalledInterval: stalledIntervalMs,
      maxStalledCount: UNLIMITED_STALLS,
    });
    worker.on("error", ignoreBackgroundError);
    // BullMQ's own stalled check moved a job back: write down the lease expiry now (a claim
    // does it later otherwise).
    worker.on("stalled", (jobId) => void this.settleRecovered(jobId).catch(ignoreBackgroundError));
    this.worker = worker;
    return worker;
  }

  /** Runs an operation on a ready connection (see `RedisConnection.run`). */
  private async run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closed) throw new Error(`The Redis queue ${this.parts.name} is closed.`);
    return this.parts.connection.run(operation);
  }
}

/** For background work (BullMQ's timers, best-effort bookkeeping) nobody waits on. */
function ignoreBackgroundError(): void {}

/**
 * Opens the queue `name` on the Redis at `url`. Fails with `QueueUnavailableError` when Redis
 * does not answer within `connectTimeoutMs`.
 */
export async function createRedisQueue(options: RedisQueueOptions): Promise<Queue> {
  if (!/^rediss?:\/\//.test(options.url)) {
    throw new ConfigError(
      `queue.url ${JSON.stringify(redactUrl(options.url))} is not a Redis URL.`,
      {
        hint: "Use redis://host:6379/0 (or rediss:// for TLS).",
      },
    );
  }
  const connection = new RedisConnection({
    url: options.url,
    connectionName: `${KEY_PREFIX}:${options.name}`,
    connectTimeoutMs: options.connectTimeoutMs ?? 2_000,
    commandTimeoutMs: options.commandTimeoutMs ?? 5_000,
  });
  try {
    await connection.ready();
    const bull = new BullQueue(options.name, {
      connection: connection.client,
      prefix: KEY_PREFIX,
    });
    bull.on("error", (error) => (connection.lastError = error));
    await bull.waitUntilReady();
    return new RedisQueue({
      name: options.name,
      connection,
      bull,
      settings: { ...defaultQueueSettings, ...options.settings },
      workerName: options.worker ?? `${os.hostname()}:${process.pid}`,
      stalledIntervalMs: options.stalledIntervalMs ?? 10_000,
      events: options.events,
    });
  } catch (error) {
    connection.client.disconnect();
    if (error instanceof HarnessError) throw error;
    throw connection.unavailable(error);
  }
}
