/**
 * One queue item as a file: Markdown with YAML frontmatter, written for people to read and,
 * while the item is pending, to edit. The file driver (`file-queue.ts` and its `file-queue-*.ts`
 * parts) owns where files live; this module only turns text into an `ItemRecord` and back.
 *
 * Frontmatter keys the queue owns: `id`, `title`, `priority`, `attempts`, `max_attempts`,
 * `not_before`, `created`, `updated`, `lease` (running only: `owner`, `process`, `claimed_at`,
 * `expires_at`, `token`), `result` (done), `errors` (`attempt`, `at`, `message`, `kind`) and
 * `data`. Any other top-level key (a planner's `issue`, `status`, `base_commit`, `depends_on`,
 * see the plan-issue skill's plan-format.md) is kept verbatim and in order when the queue
 * rewrites the file, and is also shown to workers through `QueueItem.data` (where the `data`
 * key's own entries win). `status`, when present, is set to the folder the file is written to;
 * the queue itself never reads it: the folder is the state.
 *
 * Timestamps are ISO strings; the YAML writer quotes them (unquoted, YAML reads them as dates,
 * which a hand-written file may do: they are turned back into ISO strings). The `expires_at` in a
 * running file is the one from the claim: renewals move the file's mtime instead of rewriting it
 * (see file-queue-fs.ts), and `toQueueItem` reports that live time.
 */
import matter from "gray-matter";

import { isValidItemId, type AttemptError, type QueueItem, type QueueState } from "./types.js";

/** The lease block of a running file. `token` proves which claim wrote this file. */
export interface ItemLease {
  owner: string;
  /** The process that claimed it (host:pid by default), for people reading the file. */
  process?: string;
  claimedAt: string;
  expiresAt: string;
  token: string;
}

/** Everything an item file holds. `state` is not here: it is the folder the file is in. */
export interface ItemRecord {
  id: string;
  title: string;
  body: string;
  priority: number;
  attempts: number;
  maxAttempts: number;
  notBefore?: string;
  createdAt: string;
  updatedAt: string;
  lease?: ItemLease;
  /** Written as the `result` key when not undefined. */
  result?: unknown;
  errors: AttemptError[];
  data: Record<string, unknown>;
  /** Top-level keys the queue does not own, verbatim, in file order. */
  extra: Record<string, unknown>;
}

export type ParsedItemFile = { ok: true; record: ItemRecord } | { ok: false; message: string };

/** What claim order needs from a pending file, small enough to cache for every file. */
export interface ItemSummary {
  priority: number;
  /** Epoch ms from which the item may be claimed: `not_before`, else `created`. */
  readyAtMs: number;
  createdAtMs: number;
  notBeforeMs?: number;
}

const ownedKeys = new Set([
  "id",
  "title",
  "priority",
  "attempts",
  "max_attempts",
  "not_before",
  "created",
  "updated",
  "lease",
  "result",
  "errors",
  "data",
]);

const errorKinds = new Set<AttemptError["kind"]>(["failed", "lease-expired", "cancelled"]);

// gray-matter's own YAML engine (js-yaml's safe schema) reads and writes, so what the queue
// writes reads back the same; it is also about six times faster than the `yaml` package here
// (22 µs against 133 µs to parse a running item's frontmatter), which the claim path feels.
// Passing options at all keeps gray-matter from caching every parsed text forever.
const parseOptions = {};
// No line folding, no anchors for repeated objects, undefined values left out (as in JSON).
const dumpOptions = { lineWidth: -1, noRefs: true, skipInvalid: true };

class FieldError extends Error {}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function yamlProblem(error: unknown): string {
  const yamlError = error as { name?: string; reason?: string; mark?: { line: number } };
  if (yamlError.name === "YAMLException" && yamlError.reason) {
    // js-yaml counts from 0 in the text after the opening `---`, which is the file's line 1.
    const where = yamlError.mark ? ` at line ${yamlError.mark.line + 1}` : "";
    return `invalid YAML in the frontmatter${where}: ${yamlError.reason}`;
  }
  return `invalid frontmatter: ${error instanceof Error ? error.message : String(error)}`;
}

/** Unquoted YAML timestamps come back as Dates; items hold JSON values, so make them strings. */
function withoutDates(value: unknown): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value)) return value.map(withoutDates);
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutDates(v)]));
  }
  return value;
}

function timestamp(value: unknown, key: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || Number.isNaN(Date.parse(value))) {
    throw new FieldError(`${key} must be an ISO timestamp like "2026-01-31T09:12:00Z"`);
  }
  return value;
}

function integer(value: unknown, key: string, min: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new FieldError(`${key} must be a whole number of at least ${min}`);
  }
  return value;
}

function readErrors(value: unknown, fallbackTime: string): AttemptError[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new FieldError("errors must be a list");
  return value.map((entry: unknown, index) => {
    if (!isPlainObject(entry)) throw new FieldError(`errors[${index}] must be a mapping`);
    const kind = errorKinds.has(entry.kind as AttemptError["kind"])
      ? (entry.kind as AttemptError["kind"])
      : "failed";
    return {
      attempt: typeof entry.attempt === "number" ? entry.attempt : 0,
      at: timestamp(entry.at, `errors[${index}].at`) ?? fallbackTime,
      message: typeof entry.message === "string" ? entry.message : String(entry.message ?? ""),
      kind,
    };
  });
}

function readLease(value: unknown): ItemLease | undefined {
  // A malformed lease is treated as none: it cannot prove anything, and recovery takes back a
  // running file without a valid lease once its mtime has passed.
  if (!isPlainObject(value) || typeof value.token !== "string") return undefined;
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  return {
    owner: text(value.owner),
    ...(typeof value.process === "string" ? { process: value.process } : {}),
    claimedAt: text(value.claimed_at),
    expiresAt: text(value.expires_at),
    token: value.token,
  };
}

function firstHeading(body: string): string | undefined {
  return /^#\s+(.+?)\s*$/m.exec(body)?.[1];
}

/**
 * Parses an item file. `fileId` is the id its name gives (`<id>.md`); the frontmatter must
 * agree. `fallbackTime` stands in for a missing `created` (a hand-written file).
 */
export function parseItemFile(
  text: string,
  fileId: string,
  defaults: { maxAttempts: number; fallbackTime: string },
): ParsedItemFile {
  let file: { data: unknown; content: string };
  try {
    file = matter(text, parseOptions);
  } catch (error) {
    return { ok: false, message: yamlProblem(error) };
  }
  const front = withoutDates(file.data);
  if (!isPlainObject(front)) return { ok: false, message: "the frontmatter is not a mapping" };
  try {
    const rawId = typeof front.id === "number" ? String(front.id) : front.id;
    if (rawId === undefined || rawId === null) {
      throw new FieldError("missing id in the frontmatter");
    }
    if (typeof rawId !== "string" || !isValidItemId(rawId)) {
      throw new FieldError(`id ${JSON.stringify(rawId)} is not a valid item id`);
    }
    if (rawId !== fileId) {
      throw new FieldError(`id ${rawId} does not match the file name ${fileId}.md`);
    }
    const rawTitle = front.title;
    if (rawTitle !== undefined && typeof rawTitle !== "string" && typeof rawTitle !== "number") {
      throw new FieldError("title must be text");
    }
    const priority = front.priority ?? 0;
    if (typeof priority !== "number" || !Number.isFinite(priority)) {
      throw new FieldError("priority must be a number");
    }
    if (front.data !== undefined && front.data !== null && !isPlainObject(front.data)) {
      throw new FieldError("data must be a mapping");
    }
    const createdAt = timestamp(front.created, "created") ?? defaults.fallbackTime;
    const notBefore = timestamp(front.not_before, "not_before");
    const lease = readLease(front.lease);
    const extra: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(front)) if (!ownedKeys.has(key)) extra[key] = value;
    const record: ItemRecord = {
      id: rawId,
      title: rawTitle === undefined ? (firstHeading(file.content) ?? rawId) : String(rawTitle),
      body: file.content,
      priority,
      attempts: integer(front.attempts, "attempts", 0, 0),
      maxAttempts: integer(front.max_attempts, "max_attempts", 1, defaults.maxAttempts),
      ...(notBefore ? { notBefore } : {}),
      createdAt,
      updatedAt: timestamp(front.updated, "updated") ?? createdAt,
      ...(lease ? { lease } : {}),
      ...(front.result !== undefined ? { result: front.result } : {}),
      errors: readErrors(front.errors, defaults.fallbackTime),
      data: isPlainObject(front.data) ? front.data : {},
      extra,
    };
    return { ok: true, record };
  } catch (error) {
    if (error instanceof FieldError) return { ok: false, message: error.message };
    throw error;
  }
}

/** The file text for `record` stored in the `state` folder. Round-trips through parseItemFile. */
export function serializeItemFile(record: ItemRecord, state: QueueState): string {
  const front: Record<string, unknown> = {
    id: record.id,
    title: record.title,
    priority: record.priority,
    attempts: record.attempts,
    max_attempts: record.maxAttempts,
  };
  if (record.notBefore) front.not_before = record.notBefore;
  front.created = record.createdAt;
  front.updated = record.updatedAt;
  if (record.lease) {
    front.lease = {
      owner: record.lease.owner,
      ...(record.lease.process ? { process: record.lease.process } : {}),
      claimed_at: record.lease.claimedAt,
      expires_at: record.lease.expiresAt,
      token: record.lease.token,
    };
  }
  if (record.result !== undefined) front.result = record.result;
  if (record.errors.length > 0) front.errors = record.errors;
  for (const [key, value] of Object.entries(record.extra)) {
    front[key] = key === "status" ? state : value;
  }
  if (Object.keys(record.data).length > 0) front.data = record.data;
  // "---\n<yaml>---\n" and a newline for the empty body; the body is appended as it is.
  const head = matter.stringify("", front, dumpOptions as object);
  return head.slice(0, head.lastIndexOf("---\n") + 4) + record.body;
}

/** The record without its lease and delay (for a move out of running), optionally its result. */
export function withoutLease(record: ItemRecord, options: { result?: boolean } = {}): ItemRecord {
  const next = { ...record };
  delete next.lease;
  delete next.notBefore;
  if (options.result) delete next.result;
  return next;
}

function epochMs(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

export function summarizeRecord(record: ItemRecord): ItemSummary {
  const createdAtMs = epochMs(record.createdAt) ?? 0;
  const notBeforeMs = epochMs(record.notBefore);
  return {
    priority: record.priority,
    readyAtMs: notBeforeMs ?? createdAtMs,
    createdAtMs,
    ...(notBeforeMs !== undefined ? { notBeforeMs } : {}),
  };
}

/** Claim order: higher priority first, then the earliest ready time, then the oldest, then id. */
export function compareForClaim(
  a: { id: string; summary: ItemSummary },
  b: { id: string; summary: ItemSummary },
): number {
  return (
    b.summary.priority - a.summary.priority ||
    a.summary.readyAtMs - b.summary.readyAtMs ||
    a.summary.createdAtMs - b.summary.createdAtMs ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** Unknown top-level keys as workers see them; `status` is left out: the folder is the state. */
function publicExtra(extra: Record<string, unknown>): Record<string, unknown> {
  if (!("status" in extra)) return extra;
  const rest = { ...extra };
  delete rest.status;
  return rest;
}

/**
 * The public view of a record in `state`. `leaseExpiresAtMs` is the live lease end of a running
 * file (its mtime); without it the lease's own `expires_at` is reported.
 */
export function toQueueItem(
  record: ItemRecord,
  state: QueueState,
  leaseExpiresAtMs?: number,
): QueueItem {
  const item: QueueItem = {
    id: record.id,
    state,
    title: record.title,
    body: record.body,
    data: { ...publicExtra(record.extra), ...record.data },
    priority: record.priority,
    attempts: record.attempts,
    maxAttempts: record.maxAttempts,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    errors: record.errors.map((error) => ({ ...error })),
  };
  if (record.notBefore) item.notBefore = record.notBefore;
  if (state === "running" && record.lease) {
    item.lease = {
      owner: record.lease.owner,
      claimedAt: record.lease.claimedAt,
      expiresAt:
        leaseExpiresAtMs === undefined
          ? record.lease.expiresAt
          : new Date(leaseExpiresAtMs).toISOString(),
    };
  }
  if (record.result !== undefined) item.result = record.result;
  return item;
}
