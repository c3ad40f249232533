/**
 * The Tracker without GitHub: `.harness/issues/` in the repository, so the whole loop runs
 * offline.
 *
 * - `<n>.md`: one issue (format in `local-issue-file.ts`), created by `createLocalIssue` with the
 *   next free number (`harness issue new`), or by hand.
 * - `<n>.comments/<marker>.md`: the one comment per (issue, marker), the marker line first as
 *   on GitHub. One file per comment keeps every upsert a single atomic replace, and no comment
 *   text (model output) can break the issue file's format.
 * - `pulls.json`: the pull requests the loop would have opened (`local-pulls.ts`).
 *
 * A file that cannot be read is reported as a diagnostic by the listing functions and as an
 * InputError naming it by the methods that need that one issue; it never stops the others.
 */
import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";

import { formatDiagnostic, type Diagnostic, type LoadResult } from "../diagnostics.js";
import { InputError } from "../errors.js";
import {
  assertValidMarker,
  commentWithMarker,
  isMarkedComment,
  sameText,
} from "./comment-marker.js";
import { sameLabel } from "./github-records.js";
import {
  advanceIssueCursor,
  formatIssueCursor,
  parseIssueCursor,
  seenBefore,
} from "./issue-cursor.js";
import { assertValidLabel } from "./label-style.js";
import {
  parseLocalIssue,
  serializeLocalIssue,
  toTrackedLocalIssue,
  type LocalIssueRecord,
} from "./local-issue-file.js";
import {
  createExclusive,
  prepareFolder,
  readIfExists,
  replaceAtomically,
  statIfExists,
  statKey,
  withLock,
} from "./local-files.js";
import {
  PULLS_FILE,
  parsePullsFile,
  serializePullsFile,
  toTrackedLocalPull,
  type LocalPullsFile,
} from "./local-pulls.js";
import type {
  CloseReason,
  CommentResult,
  CreatedIssue,
  IssueChanges,
  LabelStyle,
  MergeOptions,
  NewIssueInput,
  PullRequestFilter,
  PullRequestInput,
  PullRequestResult,
  SetLabelOptions,
  SetLabelResult,
  TrackedIssue,
  TrackedPullRequest,
  Tracker,
  TrackerNoticeSink,
  UpsertAction,
} from "./types.js";

/** The folder, relative to the repository root. */
export const LOCAL_ISSUES_DIR = path.join(".harness", "issues");

const ISSUE_FILE = /^([1-9][0-9]{0,8})\.md$/;

export interface LocalTrackerOptions {
  clock?: { now(): number };
  onNotice?: TrackerNoticeSink;
}

export interface NewLocalIssue {
  title: string;
  body?: string;
  labels?: readonly string[];
  /** Who filed it; default "local". */
  author?: string;
}

export interface CreatedLocalIssue {
  issue: TrackedIssue;
  /** The new file, relative to the repository root. */
  file: string;
}

function issuesDir(root: string): string {
  return path.join(root, LOCAL_ISSUES_DIR);
}

function relativeIssueFile(number: number): string {
  return path.join(LOCAL_ISSUES_DIR, `${number}.md`);
}

type ReadIssue =
  | { kind: "missing" }
  | { kind: "corrupt"; diagnostic: Diagnostic }
  | { kind: "ok"; record: LocalIssueRecord; issue: TrackedIssue; version: string };

function readIssueFile(root: string, number: number): ReadIssue {
  const file = path.join(issuesDir(root), `${number}.md`);
  const stats = statIfExists(file);
  const text = stats && readIfExists(file);
  if (!stats || text === undefined) return { kind: "missing" };
  const parsed = parseLocalIssue(
    text,
    number,
    relativeIssueFile(number),
    new Date(Math.floor(stats.mtimeMs)).toISOString(),
  );
  if (!parsed.ok) return { kind: "corrupt", diagnostic: parsed.diagnostic };
  return {
    kind: "ok",
    record: parsed.record,
    issue: toTrackedLocalIssue(parsed.record, stats.mtimeMs),
    version: statKey(stats),
  };
}

async function issueNumbers(dir: string): Promise<{ numbers: number[]; others: string[] }> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { numbers: [], others: [] };
    throw error;
  }
  const numbers: number[] = [];
  const others: string[] = [];
  for (const name of names) {
    const match = ISSUE_FILE.exec(name);
    if (match) numbers.push(Number(match[1]));
    else if (name.endsWith(".md") && !name.startsWith(".")) others.push(name);
  }
  return { numbers: numbers.sort((a, b) => a - b), others };
}

/**
 * The local issues (open ones by default), by number, with a diagnostic for each file that
 * cannot be read instead of an exception.
 */
export async function listLocalIssues(
  root: string,
  options: { state?: "open" | "closed" | "all" } = {},
): Promise<LoadResult<TrackedIssue>> {
  const state = options.state ?? "open";
  const { numbers, others } = await issueNumbers(issuesDir(root));
  const items: TrackedIssue[] = [];
  const diagnostics: Diagnostic[] = others.map((name) => ({
    severity: "warning",
    file: path.join(LOCAL_ISSUES_DIR, name),
    rule: "local-issue-name",
    message: "ignored: local issue files are named <number>.md",
    hint: "rename it to the next free number, or create issues with `harness issue new`",
  }));
  for (const number of numbers) {
    const read = readIssueFile(root, number);
    if (read.kind === "corrupt") diagnostics.push(read.diagnostic);
    if (read.kind !== "ok") continue;
    if (state === "all" || read.issue.state === state) items.push(read.issue);
  }
  return { items, diagnostics };
}

/**
 * Files a new local issue under the next free number. The file appears complete or not at
 * all, and never replaces another: when two processes pick the same number, one of them
 * moves on to the next.
 */
export async function createLocalIssue(
  root: string,
  input: NewLocalIssue,
  options: { clock?: { now(): number } } = {},
): Promise<CreatedLocalIssue> {
  const title = input.title.replace(/\s+/g, " ").trim();
  if (title === "") {
    throw new InputError("An issue needs a title", { hint: 'Run harness issue new "<title>".' });
  }
  const labels = [...new Set(input.labels ?? [])];
  for (const label of labels) assertValidLabel(label);
  const dir = issuesDir(root);
  await prepareFolder(dir);
  const now = new Date((options.clock ?? Date).now()).toISOString();
  const { numbers } = await issueNumbers(dir);
  let number = (numbers.at(-1) ?? 0) + 1;
  for (let attempt = 0; attempt < 1000; attempt++, number++) {
    const record: LocalIssueRecord = {
      number,
      title,
      body: input.body ?? "",
      state: "open",
      labels,
      author: input.author?.trim() || "local",
      authorAssociation: "OWNER",
      created: now,
      updated: now,
      extra: {},
    };
    const target = path.join(dir, `${number}.md`);
    if (createExclusive(dir, target, serializeLocalIssue(record))) {
      return {
        issue: toTrackedLocalIssue(record, Date.parse(now)),
        file: relativeIssueFile(number),
      };
    }
  }
  throw new InputError(`No free issue number found in ${LOCAL_ISSUES_DIR}`);
}

export class LocalTracker implements Tracker {
  readonly kind = "local" as const;
  readonly description = `local tracker in ${LOCAL_ISSUES_DIR}`;
  private readonly dir: string;
  private readonly clock: { now(): number };
  private readonly notify: TrackerNoticeSink;
  private prepared: Promise<void> | undefined;

  constructor(
    private readonly root: string,
    options: LocalTrackerOptions = {},
  ) {
    this.dir = issuesDir(root);
    this.clock = options.clock ?? Date;
    this.notify = options.onNotice ?? (() => {});
  }

  private prepare(): Promise<void> {
    this.prepared ??= prepareFolder(this.dir);
    return this.prepared;
  }

  private nowIso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  private readOrThrow(number: number): Extract<ReadIssue, { kind: "ok" }> {
    const read = readIssueFile(this.root, number);
    if (read.kind === "missing") {
      throw new InputError(`Local issue #${number} not found (${relativeIssueFile(number)})`, {
        hint: "List the local issues with `harness issue ls`.",
      });
    }
    if (read.kind === "corrupt") {
      throw new InputError(
        `Local issue file ${read.diagnostic.file} is corrupt: ${read.diagnostic.message}`,
        {
          hint: read.diagnostic.hint,
        },
      );
    }
    return read;
  }

  async listChanged(cursorText?: string): Promise<IssueChanges> {
    const cursor = parseIssueCursor(cursorText);
    const { items, diagnostics } = await listLocalIssues(this.root, { state: "open" });
    for (const diagnostic of diagnostics) {
      this.notify({ kind: "warning", message: formatDiagnostic(diagnostic) });
    }
    const issues = items
      .filter((issue) => !seenBefore(cursor, issue))
      .sort((a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt) || a.number - b.number);
    return { issues, cursor: formatIssueCursor(advanceIssueCursor(cursor, items)) };
  }

  async getIssue(number: number): Promise<TrackedIssue> {
    return this.readOrThrow(number).issue;
  }

  /**
   * Rewrites an issue file under its lock. `change` returns the new record, or undefined when
   * nothing is to change. A person's edit that lands between the read and the write is not
   * overwritten: the file's identity is checked just before the replace, and a changed file
   * is read again.
   */
  private async changeIssue(
    number: number,
    change: (record: LocalIssueRecord) => LocalIssueRecord | undefined,
  ): Promise<boolean> {
    await this.prepare();
    return withLock(this.dir, `issue-${number}`, () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const read = this.readOrThrow(number);
        const next = change(read.record);
        if (!next) return false;
        const file = path.join(this.dir, `${number}.md`);
        if (statKey(statIfExists(file)) !== read.version) continue;
        replaceAtomically(this.dir, file, serializeLocalIssue({ ...next, updated: this.nowIso() }));
        return true;
      }
      throw new InputError(`${relativeIssueFile(number)} kept changing while harness updated it`, {
        hint: "Save your edit, then run again.",
      });
    });
  }

  async createIssue(input: NewIssueInput): Promise<CreatedIssue> {
    const labels = input.labels ?? [];
    const options = { clock: this.clock };
    const marker = input.marker;
    if (marker === undefined) {
      const created = await createLocalIssue(
        this.root,
        { title: input.title, body: input.body, labels, author: "harness" },
        options,
      );
      return { issue: created.issue, action: "created" };
    }
    assertValidMarker(marker);
    await this.prepare();
    // The look and the create under one lock: two workers never both file it.
    return withLock(this.dir, `marker-${marker}`, async () => {
      const { items } = await listLocalIssues(this.root, { state: "all" });
      const label = labels[0];
      const existing = items.find(
        (issue) =>
          isMarkedComment(issue.body, marker) &&
          (label === undefined || issue.labels.some((name) => sameLabel(name, label))),
      );
      if (existing) return { issue: existing, action: "unchanged" as const };
      const created = await createLocalIssue(
        this.root,
        {
          title: input.title,
          body: commentWithMarker(marker, input.body),
          labels,
          author: "harness",
        },
        options,
      );
      return { issue: created.issue, action: "created" as const };
    });
  }

  async closeIssue(
    number: number,
    reason: CloseReason,
  ): Promise<{ action: "closed" | "unchanged" }> {
    const changed = await this.changeIssue(number, (record) =>
      record.state === "closed"
        ? undefined
        : { ...record, state: "closed", extra: { ...record.extra, closed_reason: reason } },
    );
    return { action: changed ? "closed" : "unchanged" };
  }

  async ensureLabel(label: string, style: LabelStyle = {}): Promise<"created" | "exists"> {
    // Local issues carry label names only; there is no list of labels to add one to.
    assertValidLabel(label, style);
    return "exists";
  }

  async setLabel(
    number: number,
    label: string,
    options: SetLabelOptions = {},
  ): Promise<SetLabelResult> {
    assertValidLabel(label, options);
    const group = options.exclusiveGroup ?? [];
    let result: SetLabelResult = { added: false, removed: [] };
    await this.changeIssue(number, (record) => {
      const removed = record.labels.filter(
        (name) => !sameLabel(name, label) && group.some((member) => sameLabel(member, name)),
      );
      const added = !record.labels.some((name) => sameLabel(name, label));
      result = { added, removed };
      if (!added && removed.length === 0) return undefined;
      const kept = record.labels.filter((name) => !removed.includes(name));
      return { ...record, labels: added ? [...kept, label] : kept };
    });
    return result;
  }

  async upsertComment(number: number, marker: string, body: string): Promise<CommentResult> {
    assertValidMarker(marker);
    this.readOrThrow(number);
    await this.prepare();
    const folder = path.join(this.dir, `${number}.comments`);
    const file = path.join(folder, `${marker}.md`);
    const text = `${commentWithMarker(marker, body).trimEnd()}\n`;
    const id = `${number}/${marker}`;
    const existing = readIfExists(file);
    if (existing !== undefined && sameText(existing, text)) return { id, action: "unchanged" };
    await mkdir(folder, { recursive: true });
    replaceAtomically(this.dir, file, text);
    return { id, action: existing === undefined ? "created" : "updated" };
  }

  // ---- pull requests, recorded in pulls.json -------------------------------------------------

  private pullsPath(): string {
    return path.join(this.dir, PULLS_FILE);
  }

  private readPulls(): LocalPullsFile {
    return parsePullsFile(readIfExists(this.pullsPath()), path.join(LOCAL_ISSUES_DIR, PULLS_FILE));
  }

  private async changePulls<T>(
    change: (file: LocalPullsFile) => { result: T; write: boolean },
  ): Promise<T> {
    await this.prepare();
    return withLock(this.dir, "pulls", () => {
      const file = this.readPulls();
      const { result, write } = change(file);
      if (write) replaceAtomically(this.dir, this.pullsPath(), serializePullsFile(file));
      return result;
    });
  }

  private tracked(record: LocalPullsFile["pulls"][number]): TrackedPullRequest {
    return toTrackedLocalPull(record, path.join(LOCAL_ISSUES_DIR, PULLS_FILE));
  }

  async findOpenPullRequest(headBranch: string): Promise<TrackedPullRequest | undefined> {
    const open = this.readPulls()
      .pulls.filter((pull) => pull.state === "open" && pull.head === headBranch)
      .sort((a, b) => a.number - b.number);
    return open[0] && this.tracked(open[0]);
  }

  async listOpenPullRequests(filter: PullRequestFilter = {}): Promise<TrackedPullRequest[]> {
    return this.readPulls()
      .pulls.filter(
        (pull) =>
          pull.state === "open" &&
          (filter.headPrefix === undefined || pull.head.startsWith(filter.headPrefix)) &&
          (filter.label === undefined ||
            pull.labels.some((name) => sameLabel(name, filter.label as string))),
      )
      .sort((a, b) => a.number - b.number)
      .map((pull) => this.tracked(pull));
  }

  async upsertPullRequest(input: PullRequestInput): Promise<PullRequestResult> {
    if (input.head.trim() === "" || input.base.trim() === "" || input.head === input.base) {
      throw new InputError(
        `A pull request needs a head branch and a different base (head ${JSON.stringify(input.head)}, base ${JSON.stringify(input.base)})`,
      );
    }
    const wanted = [...new Set(input.labels ?? [])];
    for (const label of wanted) assertValidLabel(label);
    return this.changePulls((file) => {
      const now = this.nowIso();
      const existing = file.pulls
        .filter((pull) => pull.state === "open" && pull.head === input.head)
        .sort((a, b) => a.number - b.number)[0];
      if (!existing) {
        const number = Math.max(0, ...file.pulls.map((pull) => pull.number)) + 1;
        const record = {
          number,
          head: input.head,
          base: input.base,
          title: input.title,
          body: input.body,
          labels: wanted,
          draft: input.draft ?? false,
          state: "open" as const,
          created: now,
          updated: now,
          comments: {},
        };
        file.pulls.push(record);
        const tracked = this.tracked(record);
        return {
          result: { number, url: tracked.url, action: "created" as UpsertAction },
          write: true,
        };
      }
      const missing = wanted.filter(
        (label) => !existing.labels.some((name) => sameLabel(name, label)),
      );
      const changed =
        existing.title !== input.title ||
        !sameText(existing.body, input.body) ||
        missing.length > 0;
      if (changed) {
        existing.title = input.title;
        existing.body = input.body;
        existing.labels = [...existing.labels, ...missing];
        existing.updated = now;
      }
      const action: UpsertAction = changed ? "updated" : "unchanged";
      return {
        result: { number: existing.number, url: this.tracked(existing).url, action },
        write: changed,
      };
    });
  }

  async mergePullRequest(
    pull: number,
    options: MergeOptions = {},
  ): Promise<{ action: "merged" | "unchanged" }> {
    const where = path.join(LOCAL_ISSUES_DIR, PULLS_FILE);
    return this.changePulls<{ action: "merged" | "unchanged" }>((file) => {
      const record = file.pulls.find((candidate) => candidate.number === pull);
      if (!record) throw new InputError(`Pull request #${pull} is not recorded in ${where}`);
      if (record.merged) return { result: { action: "unchanged" }, write: false };
      if (record.state !== "open") {
        throw new InputError(`Pull request #${pull} is closed without a merge; not merging it`, {
          hint: `Set its "state" back to "open" in ${where} if it should be merged.`,
        });
      }
      if (record.draft) {
        throw new InputError(`Pull request #${pull} is a draft; drafts are not merged`, {
          hint: `Set "draft" to false in ${where} once it is ready.`,
        });
      }
      const now = this.nowIso();
      record.merged = true;
      record.mergedAt = now;
      record.mergeMethod = options.method ?? "merge";
      record.state = "closed";
      record.updated = now;
      return { result: { action: "merged" }, write: true };
    });
  }

  async upsertPullRequestComment(
    pull: number,
    marker: string,
    body: string,
  ): Promise<CommentResult> {
    assertValidMarker(marker);
    const text = commentWithMarker(marker, body);
    return this.changePulls((file) => {
      const record = file.pulls.find((candidate) => candidate.number === pull);
      if (!record) {
        throw new InputError(
          `Pull request #${pull} is not recorded in ${path.join(LOCAL_ISSUES_DIR, PULLS_FILE)}`,
        );
      }
      const existing = record.comments[marker];
      const id = `pull-${pull}/${marker}`;
      if (existing !== undefined && sameText(existing, text)) {
        return { result: { id, action: "unchanged" as UpsertAction }, write: false };
      }
      record.comments[marker] = text;
      return {
        result: { id, action: (existing === undefined ? "created" : "updated") as UpsertAction },
        write: true,
      };
    });
  }
}

export function createLocalTracker(root: string, options: LocalTrackerOptions = {}): LocalTracker {
  return new LocalTracker(root, options);
}
