/**
 * The durable work queue's one interface. Two drivers implement it: the file queue
 * (`file-queue.ts`, the embedded default, `.harness/queue/<state>/<id>.md`) and Redis through
 * BullMQ (`redis-queue.ts`, several machines). Everything above the queue (fan-out, the issue
 * pipeline, translation) depends on this file only.
 *
 * Delivery is at least once. A worker that dies (or stops renewing its lease) loses the item to
 * another worker, so every step a worker takes with a side effect must be idempotent; `id` and
 * `attempt` are what it keys that on (a branch name, a comment marker, an output file).
 */

export type QueueState = "pending" | "running" | "done" | "failed";

export const queueStates: readonly QueueState[] = ["pending", "running", "done", "failed"];

/** One failed attempt, kept with the item so a human sees its history. */
export interface AttemptError {
  attempt: number;
  /** ISO timestamp. */
  at: string;
  message: string;
  /** Why the attempt ended: the worker failed it, its lease expired, or it was cancelled. */
  kind: "failed" | "lease-expired" | "cancelled";
}

/** Who holds a running item, as far as the queue knows. */
export interface LeaseInfo {
  /** The worker that claimed it (free text: host:pid:n). */
  owner: string;
  /** ISO timestamp of the claim. */
  claimedAt: string;
  /** ISO timestamp after which any worker may take the item back. */
  expiresAt: string;
}

export interface QueueItem {
  /** Stable id, also the idempotency key: `[a-z0-9][a-z0-9._-]*`, at most 120 characters. */
  id: string;
  state: QueueState;
  title: string;
  /** Markdown: the ground plan, meant for humans to read (and edit while pending). */
  body: string;
  /**
   * Free-form structured payload (the frontmatter's `data` key). JSON-compatible values only.
   * The file driver also shows here the other frontmatter keys a planner wrote (issue,
   * base_commit, depends_on, ...); `data`'s own keys win on a clash.
   */
  data: Record<string, unknown>;
  /** Higher runs sooner. An integer, default 0; the Redis driver takes -1,048,575 to 1,048,575. */
  priority: number;
  /** Attempts started so far (claims that did not end in a release). */
  attempts: number;
  maxAttempts: number;
  /** ISO timestamp: not claimable before it (delay, retry backoff). */
  notBefore?: string;
  createdAt: string;
  updatedAt: string;
  lease?: LeaseInfo;
  /** What `complete` stored. JSON-compatible. */
  result?: unknown;
  errors: AttemptError[];
}

export interface EnqueueInput {
  id: string;
  title: string;
  body?: string;
  data?: Record<string, unknown>;
  priority?: number;
  /** Not claimable for this long. */
  delayMs?: number;
  /** Default: the queue's `maxAttempts`. */
  maxAttempts?: number;
}

export interface EnqueueOutcome {
  item: QueueItem;
  /** False when an item with this id already existed in any state: nothing was changed. */
  created: boolean;
}

/** A claimed item: only the holder of `token` may renew, complete, fail or release it. */
export interface Claim {
  item: QueueItem;
  /**
   * 1 for the first attempt. Tells a retry from a first run; a manual `retry` of a failed item
   * starts counting at 1 again, so key side effects on `item.id` and treat the attempt as a hint.
   */
  attempt: number;
  /** Opaque proof of ownership, passed back to renew / complete / fail / release. */
  token: string;
  /** When the lease runs out unless renewed (epoch ms). */
  expiresAt: number;
}

export interface ClaimOptions {
  /** Names the holder in `queue ls` and in errors. */
  worker: string;
  /** Lease length; default the queue's `leaseMs`. */
  leaseMs?: number;
}

export interface FailOptions {
  /** False: go to `failed` now, whatever attempts are left (a permanent error). Default true. */
  retry?: boolean;
}

export interface QueueStats {
  pending: number;
  running: number;
  done: number;
  failed: number;
  /** Pending items whose `notBefore` lies in the future. */
  delayed: number;
  /**
   * Items the driver could not read (corrupt files); listed by `list`'s `problems`. The Redis
   * driver reports 0 here (counting would read every job); its `list` still names them.
   */
  corrupt: number;
}

/** An item file (or job) that could not be read; the rest of the queue keeps working. */
export interface QueueProblem {
  id: string;
  /** Where it is: a file path for the file driver, a job key for Redis. */
  location: string;
  message: string;
}

export interface ListOptions {
  state?: QueueState;
  /** Default: all. */
  limit?: number;
}

export interface ListResult {
  /** Ordered: pending by claim order (priority, then notBefore/createdAt); others newest first. */
  items: QueueItem[];
  problems: QueueProblem[];
}

export interface Queue {
  readonly driver: "file" | "redis";
  /** Idempotent by `id`: enqueuing an id that exists in any state changes nothing. */
  enqueue(input: EnqueueInput): Promise<EnqueueOutcome>;
  /** The next claimable item, leased to the caller; undefined when none is ready. */
  claim(options: ClaimOptions): Promise<Claim | undefined>;
  /** Extends the lease. Throws `LeaseLostError` when the caller no longer holds the item. */
  renew(claim: Claim, leaseMs?: number): Promise<Claim>;
  /** Moves the item to `done` with its result. Throws `LeaseLostError` as above. */
  complete(claim: Claim, result?: unknown): Promise<QueueItem>;
  /**
   * Records the error; back to `pending` after a backoff while attempts remain, else `failed`
   * with its error history. Throws `LeaseLostError` as above.
   */
  fail(claim: Claim, error: unknown, options?: FailOptions): Promise<QueueItem>;
  /** Gives the item back untouched (shutdown); the attempt does not count. */
  release(claim: Claim): Promise<QueueItem>;
  /**
   * Pending or running items go to `failed` with a `cancelled` entry (a running worker finds out
   * at its next renew). Returns undefined when there is no such item; done items stay done.
   */
  cancel(id: string, reason?: string): Promise<QueueItem | undefined>;
  /** Postpones a pending item. Throws `QueueItemStateError` for an item in another state. */
  delay(id: string, delayMs: number): Promise<QueueItem>;
  /** Sets the priority of a pending item. */
  setPriority(id: string, priority: number): Promise<QueueItem>;
  /** A failed (or done) item back to pending with a fresh attempt budget. */
  retry(id: string): Promise<QueueItem>;
  /** Deletes an item in any state except running. Returns whether it existed. */
  drop(id: string): Promise<boolean>;
  get(id: string): Promise<QueueItem | undefined>;
  list(options?: ListOptions): Promise<ListResult>;
  stats(): Promise<QueueStats>;
  /**
   * Takes back running items whose lease expired (counted as a failed attempt). Drivers also do
   * this on their own while workers claim; exposed for tests and `queue stats`. Returns the ids.
   */
  recoverExpired(): Promise<string[]>;
  close(): Promise<void>;
}

/** Settings common to both drivers (from config `queue`). */
export interface QueueSettings {
  /** Default lease; workers renew at a third of it. */
  leaseMs: number;
  maxAttempts: number;
  /** First retry delay; doubles each attempt, with jitter, capped at `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
}

export const defaultQueueSettings: QueueSettings = {
  leaseMs: 30_000,
  maxAttempts: 3,
  backoffMs: 5_000,
  maxBackoffMs: 300_000,
};

const idPattern = /^[a-z0-9][a-z0-9._-]{0,119}$/;

/** Item ids become file names and branch names, so they are kept to a safe alphabet. */
export function isValidItemId(id: string): boolean {
  return idPattern.test(id) && !id.includes("..");
}

/** Delay before retry `attempt + 1` after `attempt` failed: exponential with ±20 % jitter. */
export function retryDelayMs(
  attempt: number,
  settings: Pick<QueueSettings, "backoffMs" | "maxBackoffMs">,
  random: () => number = Math.random,
): number {
  const base = Math.min(settings.maxBackoffMs, settings.backoffMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** The message of anything thrown, for error history. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : JSON.stringify(error);
}
