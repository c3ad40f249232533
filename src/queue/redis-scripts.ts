/**
 * The Redis keys of BullMQ's states, and the small scripts of our own that cover what BullMQ has
 * no operation for: compare-and-set of the envelope, failing a waiting or running job from
 * outside (cancel, a spent lease expiry), and delaying a waiting job. They touch only the keys
 * BullMQ's own scripts use, the same way, and answer with BullMQ's codes where they overlap.
 */
import type { Queue as BullQueue } from "bullmq";
import type { Redis } from "ioredis";

import { DELAYED_SCORE_FACTOR, isRecord } from "./redis-item-envelope.js";

/** The Redis keys of BullMQ's states (and stall bookkeeping) for one queue. */
export function stateKeys(bull: BullQueue) {
  const key = (type: string) => bull.toKey(type);
  return {
    wait: key("wait"),
    paused: key("paused"),
    prioritized: key("prioritized"),
    delayed: key("delayed"),
    waitingChildren: key("waiting-children"),
    active: key("active"),
    stalled: key("stalled"),
    stalledCheck: key("stalled-check"),
    completed: key("completed"),
    failed: key("failed"),
    events: key("events"),
    marker: key("marker"),
  };
}

export type StateKeys = ReturnType<typeof stateKeys>;

/** Compare-and-set of the envelope, allowed to the lock holder or, with no token, to anyone
 * while nobody holds the lock. 1 written, 0 data changed meanwhile, -1 no job, -2 lock differs. */
const casDataScript = `
if redis.call("EXISTS", KEYS[1]) == 0 then return -1 end
local lock = redis.call("GET", KEYS[2])
if ARGV[3] == "" then
  if lock then return -2 end
elseif lock ~= ARGV[3] then
  return -2
end
if redis.call("HGET", KEYS[1], "data") ~= ARGV[1] then return 0 end
redis.call("HSET", KEYS[1], "data", ARGV[2])
return 1`;

/** Moves a waiting job (or, when ARGV[6] is "1", a running one, dropping its lock) to failed
 * with a new envelope, as BullMQ's moveToFinished would. 1 moved, 0 data changed meanwhile,
 * -1 no job, -3 not in a state it may leave that way. */
const failUnfinishedScript = `
local rcall = redis.call
local jobId = ARGV[1]
if rcall("EXISTS", KEYS[1]) == 0 then return -1 end
if rcall("HGET", KEYS[1], "data") ~= ARGV[2] then return 0 end
local prev = "waiting"
local removed = rcall("LREM", KEYS[3], 0, jobId) + rcall("LREM", KEYS[4], 0, jobId)
  + rcall("ZREM", KEYS[5], jobId) + rcall("ZREM", KEYS[6], jobId)
if removed == 0 then
  if ARGV[6] ~= "1" or rcall("LREM", KEYS[7], 0, jobId) == 0 then return -3 end
  prev = "active"
  rcall("DEL", KEYS[2])
  rcall("SREM", KEYS[8], jobId)
end
rcall("ZADD", KEYS[9], ARGV[5], jobId)
rcall("HSET", KEYS[1], "data", ARGV[3], "failedReason", ARGV[4], "finishedOn", ARGV[5])
rcall("XADD", KEYS[10], "MAXLEN", "~", 10000, "*", "event", "failed", "jobId", jobId,
  "failedReason", ARGV[4], "prev", prev)
return 1`;

/** Moves a waiting or delayed job to delayed with a new due time (score ARGV[2]), and sets the
 * marker BullMQ's blocking workers sleep on. 1 moved, -1 no job, -3 not waiting. */
const delayWaitingScript = `
local rcall = redis.call
local jobId = ARGV[1]
if rcall("EXISTS", KEYS[1]) == 0 then return -1 end
local removed = rcall("LREM", KEYS[2], 0, jobId) + rcall("LREM", KEYS[3], 0, jobId)
  + rcall("ZREM", KEYS[4], jobId) + rcall("ZREM", KEYS[5], jobId)
if removed == 0 then return -3 end
rcall("ZADD", KEYS[5], ARGV[2], jobId)
rcall("HSET", KEYS[1], "delay", ARGV[3])
local first = rcall("ZRANGE", KEYS[5], 0, 0, "WITHSCORES")
if first[2] then rcall("ZADD", KEYS[6], tonumber(first[2]) / 0x1000, "1") end
rcall("XADD", KEYS[7], "MAXLEN", "~", 10000, "*", "event", "delayed", "jobId", jobId,
  "delay", ARGV[4])
return 1`;

/** Our scripts, bound to one queue's keys. Each answers with the codes its comment lists. */
export interface RedisQueueScripts {
  /** Replaces the envelope if it is still `expected`; `token` "" means "only while unlocked". */
  casData(jobId: string, expected: string, next: string, token: string): Promise<number>;
  /** Fails a waiting (or, with `alsoRunning`, a running) job whose envelope is `expected`. */
  failUnfinished(
    jobId: string,
    expected: string,
    next: string,
    reason: string,
    now: number,
    alsoRunning: boolean,
  ): Promise<number>;
  /** Moves a waiting job to delayed until `notBeforeMs`. */
  delayWaiting(jobId: string, notBeforeMs: number, delayMs: number): Promise<number>;
}

type ScriptCommand = (...args: (string | number)[]) => Promise<number>;

function defineScript(client: Redis, name: string, keys: number, lua: string): ScriptCommand {
  client.defineCommand(name, { numberOfKeys: keys, lua });
  const command = (client as unknown as Record<string, ScriptCommand>)[name];
  if (!command) throw new Error(`ioredis did not define ${name}`);
  return (...args) => command.apply(client, args);
}

export function defineQueueScripts(
  client: Redis,
  bull: BullQueue,
  keys: StateKeys,
): RedisQueueScripts {
  const casData = defineScript(client, "harnessCasData", 2, casDataScript);
  const failUnfinished = defineScript(client, "harnessFailUnfinished", 10, failUnfinishedScript);
  const delayWaiting = defineScript(client, "harnessDelayWaiting", 7, delayWaitingScript);
  const jobKey = (jobId: string) => bull.toKey(jobId);
  return {
    casData: (jobId, expected, next, token) =>
      casData(jobKey(jobId), `${jobKey(jobId)}:lock`, expected, next, token),
    failUnfinished: (jobId, expected, next, reason, now, alsoRunning) =>
      failUnfinished(
        jobKey(jobId),
        `${jobKey(jobId)}:lock`,
        keys.wait,
        keys.paused,
        keys.prioritized,
        keys.delayed,
        keys.active,
        keys.stalled,
        keys.failed,
        keys.events,
        jobId,
        expected,
        next,
        reason,
        now,
        alsoRunning ? "1" : "0",
      ),
    delayWaiting: (jobId, notBeforeMs, delayMs) =>
      delayWaiting(
        jobKey(jobId),
        keys.wait,
        keys.paused,
        keys.prioritized,
        keys.delayed,
        keys.marker,
        keys.events,
        jobId,
        notBeforeMs * DELAYED_SCORE_FACTOR,
        delayMs,
        notBeforeMs,
      ),
  };
}

/** The numeric code a BullMQ move failed with (its lock and state errors carry one). */
export function errorCode(error: unknown): number | undefined {
  if (!isRecord(error)) return undefined;
  return typeof error.code === "number" ? error.code : undefined;
}

/** What a failed token-checked move means for the holder, by BullMQ's (and our) codes. */
export function leaseLostDetail(code: number | undefined): string {
  switch (code) {
    case -1:
      return "the item no longer exists (dropped)";
    case -2:
      return "its lease expired or it was cancelled";
    case -3:
      return "it is no longer running";
    case -6:
      return "another worker holds it now";
    default:
      return "the lock is gone";
  }
}
