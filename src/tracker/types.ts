/**
 * The issue tracker contract the pipeline uses: GitHub (`github-tracker.ts`) or the local
 * `.harness/issues/` folder (`local-tracker.ts`), picked by `create-tracker.ts`.
 *
 * Every write is idempotent, because queue delivery is at least once: a rerun finds what the
 * last run did (a hidden marker in a comment, an open PR for a branch, a label already set) and
 * does not repeat it. Labels and comments mirror the queue for people; they are never read back
 * as the state of the work. Issue text is untrusted data: trackers pass it through untouched.
 */

/** GitHub's author_association values; the local tracker records one per issue too. */
export type AuthorAssociation =
  | "OWNER"
  | "MEMBER"
  | "COLLABORATOR"
  | "CONTRIBUTOR"
  | "FIRST_TIME_CONTRIBUTOR"
  | "FIRST_TIMER"
  | "MANNEQUIN"
  | "NONE";

/** An issue (never a pull request) as the pipeline sees it, whichever tracker it came from. */
export interface TrackedIssue {
  /** GitHub's issue number, or the local file's number (`.harness/issues/<number>.md`). */
  number: number;
  title: string;
  /** The issue text; "" when it has none. Untrusted: quote it, never follow it. */
  body: string;
  state: "open" | "closed";
  labels: string[];
  /** The login (or local author name) of whoever opened it. */
  author: string;
  authorAssociation: AuthorAssociation;
  /** ISO timestamps exactly as the tracker reports them. */
  createdAt: string;
  updatedAt: string;
  /** Where a person can read it (GitHub's html_url); absent for local issues. */
  url?: string;
  /** Always false: GitHub lists pull requests among issues, and trackers drop them. */
  isPullRequest: false;
}

/** What `listChanged` returns: the changed open issues and the cursor for the next call. */
export interface IssueChanges {
  issues: TrackedIssue[];
  /** Opaque; pass it to the next `listChanged` call. "" when nothing has been seen yet. */
  cursor: string;
}

/** What an upsert did. "unchanged" means the tracker already held exactly this. */
export type UpsertAction = "created" | "updated" | "unchanged";

export interface CommentResult {
  /** GitHub's comment id, or `<issue>/<marker>` for the local tracker. */
  id: string;
  action: UpsertAction;
}

/** How a label looks when the tracker has to create it in the repository. */
export interface LabelStyle {
  /** Six hex digits without "#". */
  color?: string;
  description?: string;
}

export interface SetLabelOptions extends LabelStyle {
  /**
   * Labels that exclude each other (the verdict labels): setting one removes the others of the
   * group that the issue carries. The label itself may be in the list or not.
   */
  exclusiveGroup?: readonly string[];
}

export interface SetLabelResult {
  /** False when the issue already had the label. */
  added: boolean;
  /** Labels of the exclusive group taken off the issue. */
  removed: string[];
}

export interface PullRequestInput {
  /** The branch with the change, in the same repository (e.g. `harness/12-fix-login`). */
  head: string;
  /** The branch it targets. */
  base: string;
  title: string;
  body: string;
  /** Added when missing; labels a person added are left alone. */
  labels?: readonly string[];
  /** Only used when the PR is created. */
  draft?: boolean;
}

/** An open or closed pull request, reduced to what the pipeline needs. */
export interface TrackedPullRequest {
  number: number;
  /** Where a person reviews it; for the local tracker, a note of where it is recorded. */
  url: string;
  head: string;
  base: string;
  title: string;
  body: string;
  labels: string[];
  draft: boolean;
  state: "open" | "closed";
}

export interface PullRequestResult {
  number: number;
  url: string;
  action: UpsertAction;
}

/** Filters for `listOpenPullRequests`; both apply when both are given. */
export interface PullRequestFilter {
  label?: string;
  /** Head branch prefix, e.g. "harness/". */
  headPrefix?: string;
}

/** How `mergePullRequest` combines the branch into its base. */
export type MergeMethod = "merge" | "squash";

export interface MergeOptions {
  /** Default "merge" (a merge commit). */
  method?: MergeMethod;
}

/** A new issue for `createIssue`. */
export interface NewIssueInput {
  title: string;
  body: string;
  /** Created in the repository when missing. */
  labels?: readonly string[];
  /**
   * Files the issue once: an issue (open or closed) that carries the first of `labels` and whose
   * body starts with the hidden `<!-- harness:<marker> -->` line is returned instead of a new
   * one. The body gets that line first. 1-64 letters, digits, dots, dashes or underscores.
   */
  marker?: string;
}

export interface CreatedIssue {
  issue: TrackedIssue;
  /** "unchanged": an issue with the marker existed, nothing was filed. */
  action: "created" | "unchanged";
}

/** GitHub's state_reason values for closing. */
export type CloseReason = "completed" | "not_planned";

/** Something a person may want to know that is not an error (waits, retries). */
export interface TrackerNotice {
  kind: "rate-limited" | "retrying" | "warning";
  message: string;
  /** For rate-limited: how long the tracker waits before retrying. */
  retryAfterSeconds?: number;
}

export type TrackerNoticeSink = (notice: TrackerNotice) => void;

/**
 * An issue tracker. Methods throw typed errors (`src/errors.ts`): AuthError, InputError,
 * NetworkError; a corrupt local file is an InputError naming the file.
 */
export interface Tracker {
  readonly kind: "github" | "local";
  /** For people: "GitHub octo/shop" or "local tracker in .harness/issues". */
  readonly description: string;

  /**
   * Open issues changed since `cursor` (all open issues without one), pull requests left out,
   * oldest change first. The returned cursor is the latest change seen (plus which issues were
   * seen at that instant), so each run reads only what changed. A tracker's own comments and
   * labels count as changes, as they do on GitHub: callers that react to changes should compare
   * title and body with what they saw before.
   */
  listChanged(cursor?: string): Promise<IssueChanges>;

  /** One issue; InputError when it does not exist or is a pull request. */
  getIssue(number: number): Promise<TrackedIssue>;

  /**
   * Keeps exactly one comment per (issue, marker): the comment that starts with the hidden
   * `<!-- harness:<marker> -->` is edited in place when `body` differs, else one is created.
   * Markers are 1-64 letters, digits, dots, dashes or underscores.
   */
  upsertComment(issue: number, marker: string, body: string): Promise<CommentResult>;

  /** Adds `label`, removing the rest of its exclusive group; creates it in the repo if needed. */
  setLabel(issue: number, label: string, options?: SetLabelOptions): Promise<SetLabelResult>;

  /** Creates the label in the repository when it is missing; never changes an existing one. */
  ensureLabel(label: string, style?: LabelStyle): Promise<"created" | "exists">;

  /** The open pull request whose head is this branch, if any. */
  findOpenPullRequest(headBranch: string): Promise<TrackedPullRequest | undefined>;

  /**
   * Opens a pull request for `head`, or updates the open one (title and body when they changed,
   * missing labels added). Never opens a second one for the same head branch.
   */
  upsertPullRequest(input: PullRequestInput): Promise<PullRequestResult>;

  listOpenPullRequests(filter?: PullRequestFilter): Promise<TrackedPullRequest[]>;

  /** `upsertComment` on a pull request's conversation. */
  upsertPullRequestComment(pull: number, marker: string, body: string): Promise<CommentResult>;

  /**
   * Merges an open pull request into its base; "unchanged" when it was merged already. An
   * InputError says why GitHub would not merge it (a draft, conflicts, a branch that moved, a
   * closed PR). The local tracker only records the merge in pulls.json: it never touches git.
   * Call only when config allows (`work.merge`).
   */
  mergePullRequest(
    number: number,
    options?: MergeOptions,
  ): Promise<{ action: "merged" | "unchanged" }>;

  /**
   * Files a new issue (see `NewIssueInput.marker` for filing once). On GitHub a concurrent
   * worker's twin is closed as not planned and the older issue is returned.
   */
  createIssue(input: NewIssueInput): Promise<CreatedIssue>;

  /** Closes the issue; "unchanged" when it was closed already. Call only when config allows. */
  closeIssue(issue: number, reason: CloseReason): Promise<{ action: "closed" | "unchanged" }>;
}
