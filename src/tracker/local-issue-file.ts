/**
 * One local issue as a file, `.harness/issues/<number>.md`: YAML frontmatter, then the issue text.
 *
 * ```
 * ---
 * id: 3
 * title: Login fails with an empty password
 * state: open
 * labels: [bug]
 * author: alice
 * created: "2026-11-20T09:12:00.000Z"
 * updated: "2026-11-20T09:12:00.000Z"
 * ---
 * Steps to reproduce ...
 * ```
 *
 * Only `id` and `title` are required, so a person can write one by hand. `author_association`
 * defaults to OWNER (whoever can write files in the repository is trusted like its owner);
 * `closed_reason` is written when harness closes one. Other keys are kept, in order, when the
 * tracker rewrites the file; the body is kept byte for byte.
 */
import matter from "gray-matter";

import type { Diagnostic } from "../diagnostics.js";
import { toAuthorAssociation } from "./github-records.js";
import type { AuthorAssociation, TrackedIssue } from "./types.js";

export interface LocalIssueRecord {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  labels: string[];
  author: string;
  authorAssociation: AuthorAssociation;
  /** From the frontmatter (or the file's time for a hand-written file without them). */
  created: string;
  updated: string;
  /** Frontmatter keys the tracker does not own, verbatim, in file order. */
  extra: Record<string, unknown>;
}

export type ParsedLocalIssue =
  { ok: true; record: LocalIssueRecord } | { ok: false; diagnostic: Diagnostic };

const ownedKeys = new Set([
  "id",
  "title",
  "state",
  "labels",
  "author",
  "author_association",
  "created",
  "updated",
]);

// Passing options at all keeps gray-matter from caching every parsed text forever.
const parseOptions = {};
const dumpOptions = { lineWidth: -1, noRefs: true, skipInvalid: true };

class FieldError extends Error {}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Unquoted YAML timestamps come back as Dates; the tracker holds ISO strings. */
function withoutDates(value: unknown): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value)) return value.map(withoutDates);
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutDates(v)]));
  }
  return value;
}

function text(value: unknown, key: string, fallback?: string): string {
  if (value === undefined || value === null) {
    if (fallback !== undefined) return fallback;
    throw new FieldError(`missing ${key} in the frontmatter`);
  }
  if (typeof value === "number") return String(value);
  if (typeof value !== "string") throw new FieldError(`${key} must be text`);
  return value;
}

function timestamp(value: unknown, key: string, fallback: string): string {
  if (value === undefined || value === null || value === "") return fallback;
  if (typeof value !== "string" || Number.isNaN(Date.parse(value))) {
    throw new FieldError(`${key} must be an ISO timestamp like "2026-01-31T09:12:00Z"`);
  }
  return value;
}

function labels(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return value.trim() === "" ? [] : [value.trim()];
  if (
    !Array.isArray(value) ||
    value.some((item) => typeof item !== "string" && typeof item !== "number")
  ) {
    throw new FieldError("labels must be a list of names, e.g. [bug, docs]");
  }
  return value.map((item) => String(item));
}

/**
 * Parses `<number>.md`. `file` names it in diagnostics; `fileTime` (ISO) stands in for a missing
 * `created` or `updated`.
 */
export function parseLocalIssue(
  source: string,
  number: number,
  file: string,
  fileTime: string,
): ParsedLocalIssue {
  const problem = (rule: string, message: string, hint: string): ParsedLocalIssue => ({
    ok: false,
    diagnostic: { severity: "error", file, rule, message, hint },
  });
  if (!source.replace(/^\uFEFF/, "").startsWith("---")) {
    return problem(
      "local-issue-frontmatter",
      "the file does not start with a --- frontmatter block",
      "start it with ---, id and title lines, then --- and the issue text",
    );
  }
  let parsed: { data: unknown; content: string };
  try {
    parsed = matter(source, parseOptions);
  } catch (error) {
    const yaml = error as { reason?: string; mark?: { line: number } };
    const where = yaml.mark ? ` at line ${yaml.mark.line + 1}` : "";
    return problem(
      "local-issue-yaml",
      `invalid YAML in the frontmatter${where}: ${yaml.reason ?? String(error)}`,
      "fix the YAML; quote a title that holds a colon followed by a space",
    );
  }
  const front = withoutDates(parsed.data);
  if (!isPlainObject(front)) {
    return problem(
      "local-issue-yaml",
      "the frontmatter is not a mapping",
      "write key: value lines",
    );
  }
  try {
    if (front.id !== number) {
      throw new FieldError(
        front.id === undefined
          ? "missing id in the frontmatter"
          : `id ${JSON.stringify(front.id)} does not match the file name ${number}.md`,
      );
    }
    const title = text(front.title, "title").trim();
    if (title === "") throw new FieldError("title is empty");
    const state = front.state ?? "open";
    if (state !== "open" && state !== "closed") {
      throw new FieldError(`state must be open or closed, not ${JSON.stringify(state)}`);
    }
    const created = timestamp(front.created, "created", fileTime);
    const extra: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(front)) {
      if (!ownedKeys.has(key)) extra[key] = value;
    }
    return {
      ok: true,
      record: {
        number,
        title,
        body: parsed.content.replace(/^\r?\n/, ""),
        state,
        labels: labels(front.labels),
        author: text(front.author, "author", "local"),
        authorAssociation:
          front.author_association === undefined
            ? "OWNER"
            : toAuthorAssociation(text(front.author_association, "author_association")),
        created,
        updated: timestamp(front.updated, "updated", created),
        extra,
      },
    };
  } catch (error) {
    if (!(error instanceof FieldError)) throw error;
    return problem("local-issue-field", error.message, `fix it in ${file}`);
  }
}

export function serializeLocalIssue(record: LocalIssueRecord): string {
  const front: Record<string, unknown> = {
    id: record.number,
    title: record.title,
    state: record.state,
    labels: record.labels,
    author: record.author,
    ...(record.authorAssociation === "OWNER"
      ? {}
      : { author_association: record.authorAssociation }),
    created: record.created,
    updated: record.updated,
    ...record.extra,
  };
  const body = record.body === "" || record.body.endsWith("\n") ? record.body : `${record.body}\n`;
  // "---\n<yaml>---\n", then the body as it is.
  const head = matter.stringify("", front, dumpOptions as object);
  return head.slice(0, head.lastIndexOf("---\n") + 4) + body;
}

/**
 * The issue as the pipeline sees it. `updatedAt` is the later of `updated` and the file's
 * modification time, so an edit made by hand counts as a change too.
 */
export function toTrackedLocalIssue(record: LocalIssueRecord, mtimeMs: number): TrackedIssue {
  const updatedMs = Math.max(Date.parse(record.updated), Math.floor(mtimeMs));
  return {
    number: record.number,
    title: record.title,
    body: record.body,
    state: record.state,
    labels: record.labels,
    author: record.author,
    authorAssociation: record.authorAssociation,
    createdAt: record.created,
    updatedAt: new Date(updatedMs).toISOString(),
    isPullRequest: false,
  };
}
