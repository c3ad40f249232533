/**
 * How a queue item is stored as a BullMQ job, and how a job becomes a `QueueItem` again.
 *
 * - The job is named `item`; its id is the item id, except that BullMQ refuses integer ids and
 *   ids equal to its own key names (`wait`, `meta`, …): those get a `#` in front.
 * - The job's `data` is an envelope: the item's title, body and data plus what BullMQ has no
 *   field for (max attempts, error history, timestamps).
 * - Priority: ours is "higher first", BullMQ's "lower first" from 1 (0 means none), so a job
 *   gets `PRIORITY_BASE - priority`.
 * - `attempts` is BullMQ's `attemptsStarted`; a lease expiry is BullMQ's `stalledCounter`, which
 *   the envelope catches up with as `lease-expired` entries (`withStallsRecorded`).
 */
import { PRIORITY_LIMIT, QueueKeys } from "bullmq";
import type { JobJson } from "bullmq";

import { InputError } from "../errors.js";
import {
  errorMessage,
  isValidItemId,
  type AttemptError,
  type QueueItem,
  type QueueState,
} from "./types.js";

export const JOB_NAME = "item";
/** Our priority 0 in BullMQ terms; BullMQ's range is 1..PRIORITY_LIMIT, lower first. */
const PRIORITY_BASE = 2 ** 20;
const MIN_PRIORITY = PRIORITY_BASE - PRIORITY_LIMIT;
const MAX_PRIORITY = PRIORITY_BASE - 1;
/** BullMQ stores a delayed job's due time as `ms * 0x1000` (+ a tie breaker). */
export const DELAYED_SCORE_FACTOR = 0x1000;
/** BullMQ's own keys: an item id equal to one of them cannot be a job id as is. */
const reservedJobIds = new Set(Object.keys(new QueueKeys().getKeys("q")).filter(Boolean));

/** What the job's `data` field holds. */
export interface ItemEnvelope {
  title: string;
  body: string;
  data: Record<string, unknown>;
  maxAttempts: number;
  createdAt: string;
  updatedAt: string;
  /** Failed and cancelled attempts, and the lease expiries the queue has written down. */
  errors: AttemptError[];
  /** How many of BullMQ's stall recoveries (`stalledCounter`) `errors` already records. */
  stallsRecorded: number;
  /** Unique per enqueue call: tells `enqueue` whether its add created the job. */
  enqueueId: string;
}

/** The BullMQ job fields the queue reads. */
export interface JobFacts {
  name: string | undefined;
  /** The raw `data` field, compared as is by the compare-and-set script. */
  rawData: string | undefined;
  priority: number;
  attemptsStarted: number;
  stalledCounter: number;
  processedOn: number | undefined;
  finishedOn: number | undefined;
  processedBy: string | undefined;
  returnValue: string | undefined;
}

/** Where a job is, read in one transaction with its hash. */
export interface JobRead {
  jobId: string;
  facts: JobFacts;
  state: QueueState | undefined;
  notBeforeMs: number | undefined;
  lockTtlMs: number;
}

let lastIsoMs = Number.NaN;
let lastIso = "";

/** ISO text of an epoch ms. A claim and its complete ask for the same few instants several
 * times, so the last answer is kept. */
export function iso(ms: number): string {
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString();
    lastIsoMs = ms;
  }
  return lastIso;
}

export function toJobId(itemId: string): string {
  return /^\d+$/.test(itemId) || reservedJobIds.has(itemId) ? `#${itemId}` : itemId;
}

export function toItemId(jobId: string): string | undefined {
  const id = jobId.startsWith("#") ? jobId.slice(1) : jobId;
  return isValidItemId(id) ? id : undefined;
}

export function toBullPriority(priority: number): number {
  return PRIORITY_BASE - priority;
}

function fromBullPriority(priority: number): number {
  return priority > 0 ? PRIORITY_BASE - priority : 0;
}

export function checkPriority(priority: number): number {
  if (!Number.isInteger(priority) || priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
    throw new InputError(
      `Priority ${priority} is not an integer in ${MIN_PRIORITY}..${MAX_PRIORITY}.`,
      {
        hint: "Use a whole number; higher runs sooner, 0 is the default.",
      },
    );
  }
  return priority;
}

export function optionalNumber(value: string | number | undefined | null): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

export function factsFromHash(hash: Record<string, string>): JobFacts {
  return {
    name: hash.name,
    rawData: hash.data,
    priority: optionalNumber(hash.priority) ?? 0,
    attemptsStarted: optionalNumber(hash.ats) ?? 0,
    stalledCounter: optionalNumber(hash.stc) ?? 0,
    processedOn: optionalNumber(hash.processedOn),
    finishedOn: optionalNumber(hash.finishedOn),
    processedBy: hash.pb,
    returnValue: hash.returnvalue,
  };
}

export function factsFromJobJson(json: JobJson): JobFacts {
  return {
    name: json.name,
    rawData: json.data,
    priority: optionalNumber(json.priority) ?? 0,
    attemptsStarted: optionalNumber(json.attemptsStarted) ?? 0,
    stalledCounter: optionalNumber(json.stalledCounter) ?? 0,
    processedOn: optionalNumber(json.processedOn),
    finishedOn: optionalNumber(json.finishedOn),
    processedBy: json.processedBy,
    returnValue: json.returnvalue,
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isAttemptError(value: unknown): value is AttemptError {
  return (
    isRecord(value) &&
    typeof value.attempt === "number" &&
    typeof value.at === "string" &&
    typeof value.message === "string" &&
    (value.kind === "failed" || value.kind === "lease-expired" || value.kind === "cancelled")
  );
}

/** The envelope, or what is wrong with it. */
export function parseEnvelope(facts: Pick<JobFacts, "name" | "rawData">): ItemEnvelope | string {
  if (facts.name !== JOB_NAME) {
    return `job name is ${JSON.stringify(facts.name)}, not "${JOB_NAME}"`;
  }
  let value: unknown;
  try {
    value = JSON.parse(facts.rawData ?? "");
  } catch (error) {
    return `job data is not JSON (${errorMessage(error)})`;
  }
  if (
    !isRecord(value) ||
    typeof value.title !== "string" ||
    typeof value.body !== "string" ||
    !isRecord(value.data) ||
    typeof value.maxAttempts !== "number" ||
    typeof value.createdAt !== "string" ||
    typeof value.updatedAt !== "string" ||
    !Array.isArray(value.errors) ||
    !value.errors.every(isAttemptError) ||
    typeof value.stallsRecorded !== "number" ||
    typeof value.enqueueId !== "string"
  ) {
    return "job data is not a harness item (title, body, data, maxAttempts, errors, … missing)";
  }
  return value as unknown as ItemEnvelope;
}

/**
 * Adds a `lease-expired` entry for each stall recovery BullMQ made that `errors` does not hold
 * yet. The stalled attempts are the ones right before the current one (running) or the last
 * ones started (pending): every other way an attempt ends writes the envelope.
 */
export function withStallsRecorded(
  envelope: ItemEnvelope,
  facts: JobFacts,
  state: QueueState,
  now: number,
): ItemEnvelope {
  const unrecorded = facts.stalledCounter - envelope.stallsRecorded;
  if (unrecorded <= 0) return envelope;
  const last = state === "running" ? facts.attemptsStarted - 1 : facts.attemptsStarted;
  const entries: AttemptError[] = [];
  for (let attempt = last - unrecorded + 1; attempt <= last; attempt++) {
    entries.push({
      attempt: Math.max(1, attempt),
      at: iso(now),
      message: "lease expired: the worker stopped renewing it (it died or hung)",
      kind: "lease-expired",
    });
  }
  return {
    ...envelope,
    errors: [...envelope.errors, ...entries],
    stallsRecorded: facts.stalledCounter,
  };
}

export function decodeResult(returnValue: string | undefined): unknown {
  if (returnValue === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(returnValue);
    return isRecord(parsed) ? parsed.result : undefined;
  } catch {
    return undefined;
  }
}

export function toQueueItem(
  itemId: string,
  read: Omit<JobRead, "jobId" | "state"> & { state: QueueState },
  envelope: ItemEnvelope,
  now: number,
): QueueItem {
  const { facts, state } = read;
  const shown = withStallsRecorded(envelope, facts, state, now);
  const updated = Math.max(
    Date.parse(envelope.updatedAt) || 0,
    facts.processedOn ?? 0,
    facts.finishedOn ?? 0,
  );
  const item: QueueItem = {
    id: itemId,
    state,
    title: envelope.title,
    body: envelope.body,
    data: envelope.data,
    priority: fromBullPriority(facts.priority),
    attempts: facts.attemptsStarted,
    maxAttempts: envelope.maxAttempts,
    createdAt: envelope.createdAt,
    updatedAt: iso(updated),
    errors: shown.errors,
  };
  if (state === "pending" && read.notBeforeMs !== undefined) item.notBefore = iso(read.notBeforeMs);
  if (state === "running") {
    const claimedAt = facts.processedOn ?? now;
    item.lease = {
      owner: facts.processedBy ?? "unknown",
      claimedAt: iso(claimedAt),
      // No lock left means the lease has run out and the stalled check has not run yet.
      expiresAt: iso(now + Math.max(0, read.lockTtlMs)),
    };
  }
  if (state === "done") item.result = decodeResult(facts.returnValue);
  return item;
}

/** A claimed item after its holder moved it on (no lease, no delay). */
export function settledItem(item: QueueItem, state: QueueState, now: number): QueueItem {
  const settled: QueueItem = { ...item, state, updatedAt: iso(now) };
  delete settled.lease;
  delete settled.notBefore;
  return settled;
}

export function sortForList(items: QueueItem[], state: QueueState): QueueItem[] {
  const time = (value: string | undefined) => (value ? Date.parse(value) : 0);
  if (state === "pending") {
    return items.sort(
      (a, b) =>
        b.priority - a.priority ||
        time(a.notBefore ?? a.createdAt) - time(b.notBefore ?? b.createdAt) ||
        a.id.localeCompare(b.id),
    );
  }
  const started = (item: QueueItem) => time(item.lease?.claimedAt ?? item.updatedAt);
  return items.sort((a, b) => started(b) - started(a));
}
