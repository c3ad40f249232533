/**
 * Reading jobs for `get`, `list` and `stats`: a job's hash and where it is in one transaction,
 * the ids of every state in one transaction, the counts. Reads never change anything.
 */
import type { Queue as BullQueue } from "bullmq";
import type { Redis } from "ioredis";

import { replies } from "./redis-connection.js";
import {
  DELAYED_SCORE_FACTOR,
  factsFromHash,
  isRecord,
  optionalNumber,
  parseEnvelope,
  sortForList,
  toItemId,
  toQueueItem,
  type JobRead,
} from "./redis-item-envelope.js";
import type { StateKeys } from "./redis-scripts.js";
import {
  queueStates,
  type ListOptions,
  type ListResult,
  type QueueItem,
  type QueueProblem,
  type QueueState,
  type QueueStats,
} from "./types.js";

type ListedJob = Omit<JobRead, "facts" | "lockTtlMs">;

export class RedisJobReader {
  constructor(
    private readonly client: Redis,
    private readonly bull: BullQueue,
    private readonly keys: StateKeys,
  ) {}

  /** The job's hash, lock and state; undefined when there is no such job. */
  async readJob(jobId: string): Promise<JobRead | undefined> {
    const k = this.keys;
    const jobKey = this.bull.toKey(jobId);
    const [hash, lockTtl, wait, paused, prioritized, delayed, children, active, done, failed] =
      replies(
        await this.client
          .multi()
          .hgetall(jobKey)
          .pttl(`${jobKey}:lock`)
          .lpos(k.wait, jobId)
          .lpos(k.paused, jobId)
          .zscore(k.prioritized, jobId)
          .zscore(k.delayed, jobId)
          .zscore(k.waitingChildren, jobId)
          .lpos(k.active, jobId)
          .zscore(k.completed, jobId)
          .zscore(k.failed, jobId)
          .exec(),
      );
    if (!isRecord(hash) || Object.keys(hash).length === 0) return undefined;
    const present = (value: unknown) => value !== null && value !== undefined;
    let state: QueueState | undefined;
    if (present(done)) state = "done";
    else if (present(failed)) state = "failed";
    else if (present(active)) state = "running";
    else if ([wait, paused, prioritized, delayed, children].some(present)) state = "pending";
    const delayedScore = optionalNumber(delayed as string | null);
    return {
      jobId,
      facts: factsFromHash(hash as Record<string, string>),
      state,
      notBeforeMs:
        delayedScore === undefined ? undefined : Math.floor(delayedScore / DELAYED_SCORE_FACTOR),
      lockTtlMs: typeof lockTtl === "number" ? lockTtl : -2,
    };
  }

  /** Every readable item (pending in claim order, the others newest first) and the problems. */
  async list(options: ListOptions): Promise<ListResult> {
    const now = Date.now();
    const byState = await this.snapshot(options.state, options.limit);
    const entries = queueStates.flatMap((state) => byState[state]);
    const pipeline = this.client.pipeline();
    for (const entry of entries) {
      const jobKey = this.bull.toKey(entry.jobId);
      pipeline.hgetall(jobKey).pttl(`${jobKey}:lock`);
    }
    const values = replies(await pipeline.exec());
    const items: QueueItem[] = [];
    const problems: QueueProblem[] = [];
    entries.forEach((entry, index) => {
      const hash = values[index * 2] as Record<string, string>;
      if (Object.keys(hash).length === 0) return; // removed since the snapshot
      const read: JobRead = {
        ...entry,
        facts: factsFromHash(hash),
        lockTtlMs: values[index * 2 + 1] as number,
      };
      const itemId = toItemId(entry.jobId);
      const envelope = parseEnvelope(read.facts);
      if (!itemId || typeof envelope === "string" || !read.state) {
        problems.push(this.problem(entry.jobId, itemId ? String(envelope) : "not a valid item id"));
        return;
      }
      items.push(toQueueItem(itemId, { ...read, state: read.state }, envelope, now));
    });
    const ordered = queueStates.flatMap((state) =>
      sortForList(
        items.filter((item) => item.state === state),
        state,
      ),
    );
    return { items: ordered.slice(0, options.limit ?? ordered.length), problems };
  }

  async stats(): Promise<QueueStats> {
    const k = this.keys;
    const firstFutureScore = (Date.now() + 1) * DELAYED_SCORE_FACTOR;
    const [wait, paused, prioritized, delayed, waitingChildren, active, done, failed, future] =
      replies(
        await this.client
          .multi()
          .llen(k.wait)
          .llen(k.paused)
          .zcard(k.prioritized)
          .zcard(k.delayed)
          .zcard(k.waitingChildren)
          .llen(k.active)
          .zcard(k.completed)
          .zcard(k.failed)
          .zcount(k.delayed, firstFutureScore, "+inf")
          .exec(),
      ) as number[];
    return {
      pending:
        (wait ?? 0) + (paused ?? 0) + (prioritized ?? 0) + (delayed ?? 0) + (waitingChildren ?? 0),
      running: active ?? 0,
      done: done ?? 0,
      failed: failed ?? 0,
      delayed: future ?? 0,
      // Counting would mean reading every job; `list` reports unreadable ones as problems.
      corrupt: 0,
    };
  }

  /** A job that cannot be read as an item, as `list` reports it. */
  problem(jobId: string, message: string): QueueProblem {
    return { id: toItemId(jobId) ?? jobId, location: this.bull.toKey(jobId), message };
  }

  /** Job ids by state in one transaction; done and failed newest first. */
  private async snapshot(
    only: QueueState | undefined,
    limit: number | undefined,
  ): Promise<Record<QueueState, ListedJob[]>> {
    const k = this.keys;
    const wanted = (state: QueueState) => only === undefined || only === state;
    const last =
      only && limit !== undefined && (only === "done" || only === "failed") ? limit - 1 : -1;
    const multi = this.client.multi();
    const stop = String(last);
    multi.lrange(k.wait, 0, -1).lrange(k.paused, 0, -1).zrange(k.prioritized, "0", "-1");
    multi.zrange(k.waitingChildren, "0", "-1").zrange(k.delayed, "0", "-1", "WITHSCORES");
    multi.lrange(k.active, 0, -1).zrevrange(k.completed, "0", stop).zrevrange(k.failed, "0", stop);
    const [wait, paused, prioritized, children, delayed, active, done, failed] = replies(
      await multi.exec(),
    ) as string[][];
    const plain = (ids: string[] | undefined, state: QueueState) =>
      wanted(state) ? (ids ?? []).map((jobId) => ({ jobId, state, notBeforeMs: undefined })) : [];
    const delayedEntries: ListedJob[] = [];
    if (wanted("pending") && delayed) {
      for (let index = 0; index + 1 < delayed.length; index += 2) {
        const score = Number(delayed[index + 1]);
        delayedEntries.push({
          jobId: delayed[index] ?? "",
          state: "pending",
          notBeforeMs: Math.floor(score / DELAYED_SCORE_FACTOR),
        });
      }
    }
    return {
      pending: [
        ...plain(wait, "pending"),
        ...plain(paused, "pending"),
        ...plain(prioritized, "pending"),
        ...plain(children, "pending"),
        ...delayedEntries,
      ],
      running: plain(active, "running"),
      done: plain(done, "done"),
      failed: plain(failed, "failed"),
    };
  }
}
