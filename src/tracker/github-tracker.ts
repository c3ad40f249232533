/**
 * The Tracker on GitHub (or GitHub Enterprise through `baseUrl`), with @octokit/rest.
 *
 * Idempotency is checked here, not left to GitHub: the emulator the tests run against accepts a
 * second PR for the same branch, and even GitHub only refuses it once the first is visible. So
 * every write looks first (an open PR for the head, a comment starting with the marker, the
 * labels the issue has) and after a create looks again, keeping the oldest when a concurrent
 * worker made the same thing at the same moment.
 */
import { ConfigError, InputError } from "../errors.js";
import {
  assertValidMarker,
  commentWithMarker,
  isMarkedComment,
  sameText,
} from "./comment-marker.js";
import {
  createGitHubClient,
  GITHUB_API_URL,
  type GitHubClient,
  type GitHubClientOptions,
} from "./github-client.js";
import { toGitHubError } from "./github-errors.js";
import {
  isPullRequestRecord,
  labelNames,
  sameLabel,
  toTrackedIssue,
  toTrackedPullRequest,
  type GitHubCommentRecord,
  type GitHubIssueRecord,
} from "./github-records.js";
import {
  advanceIssueCursor,
  formatIssueCursor,
  parseIssueCursor,
  seenBefore,
} from "./issue-cursor.js";
import { assertValidLabel, labelStyleWithDefaults } from "./label-style.js";
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
  UpsertAction,
} from "./types.js";

export interface GitHubTrackerOptions extends GitHubClientOptions {
  /** owner/name. */
  repo: string;
}

const REPO_PATTERN = /^[\w.-]+\/[\w.-]+$/;

export class GitHubTracker implements Tracker {
  readonly kind = "github" as const;
  readonly description: string;
  private readonly client: GitHubClient;
  private readonly owner: string;
  private readonly name: string;
  private readonly repoName: string;
  private readonly baseUrl: string;
  private readonly token: string;
  /** Labels known to exist in the repository (lower case), so each is looked up once. */
  private readonly knownLabels = new Set<string>();

  constructor(options: GitHubTrackerOptions) {
    if (!REPO_PATTERN.test(options.repo)) {
      throw new ConfigError(`github.repo ${JSON.stringify(options.repo)} is not owner/name`, {
        hint: 'Set github.repo in harness.config.yaml to e.g. "octo-org/shop".',
      });
    }
    if (options.token.trim() === "") {
      throw new ConfigError("No GitHub token was given to the GitHub tracker", {
        hint: "Set GITHUB_TOKEN, or run `gh auth login`.",
      });
    }
    const [owner = "", name = ""] = options.repo.split("/");
    this.owner = owner;
    this.name = name;
    this.repoName = options.repo;
    this.baseUrl = (options.baseUrl ?? GITHUB_API_URL).replace(/\/+$/, "");
    this.token = options.token;
    this.client = createGitHubClient(options);
    this.description =
      this.baseUrl === GITHUB_API_URL
        ? `GitHub ${this.repoName}`
        : `GitHub ${this.repoName} at ${this.baseUrl}`;
  }

  /** Runs one GitHub call and turns whatever it throws into a typed error. */
  private async call<T>(action: string, run: () => Promise<T>, notFound?: string): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw this.typed(error, action, notFound);
    }
  }

  private typed(error: unknown, action: string, notFound?: string): Error {
    return toGitHubError(error, {
      action,
      repo: this.repoName,
      baseUrl: this.baseUrl,
      token: this.token,
      notFound,
    });
  }

  private get repo(): { owner: string; repo: string } {
    return { owner: this.owner, repo: this.name };
  }

  private missingIssue(number: number): string {
    return `Issue #${number} was not found in ${this.repoName} (or the token cannot see it)`;
  }

  // ---- issues --------------------------------------------------------------------------------

  async listChanged(cursorText?: string): Promise<IssueChanges> {
    const cursor = parseIssueCursor(cursorText);
    // Newest first: an issue updated while the pages are read moves to the front, so the later
    // pages shift back (one issue may show twice) instead of forward (one would be skipped).
    // The moved issue is newer than the cursor this call returns, so the next run sees it.
    const records = await this.call(`list the open issues of ${this.repoName}`, () =>
      this.client.paginate(this.client.rest.issues.listForRepo, {
        ...this.repo,
        state: "open",
        sort: "updated",
        direction: "desc",
        per_page: 100,
        ...(cursor ? { since: cursor.updatedAt } : {}),
      }),
    );
    const latest = new Map<number, TrackedIssue>();
    for (const record of records as GitHubIssueRecord[]) {
      if (isPullRequestRecord(record)) continue;
      const issue = toTrackedIssue(record);
      if (seenBefore(cursor, issue)) continue;
      const known = latest.get(issue.number);
      if (!known || Date.parse(known.updatedAt) < Date.parse(issue.updatedAt)) {
        latest.set(issue.number, issue);
      }
    }
    const next = advanceIssueCursor(
      cursor,
      records.map((record) => ({ number: record.number, updatedAt: record.updated_at })),
    );
    const issues = [...latest.values()].sort(
      (a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt) || a.number - b.number,
    );
    return { issues, cursor: formatIssueCursor(next) };
  }

  private async getIssueRecord(number: number): Promise<GitHubIssueRecord> {
    const response = await this.call(
      `read issue #${number} of ${this.repoName}`,
      () => this.client.rest.issues.get({ ...this.repo, issue_number: number }),
      this.missingIssue(number),
    );
    return response.data as GitHubIssueRecord;
  }

  async getIssue(number: number): Promise<TrackedIssue> {
    const record = await this.getIssueRecord(number);
    if (isPullRequestRecord(record)) {
      throw new InputError(`#${number} in ${this.repoName} is a pull request, not an issue`);
    }
    return toTrackedIssue(record);
  }

  async closeIssue(
    number: number,
    reason: CloseReason,
  ): Promise<{ action: "closed" | "unchanged" }> {
    const issue = await this.getIssue(number);
    if (issue.state === "closed") return { action: "unchanged" };
    await this.call(`close issue #${number} of ${this.repoName}`, () =>
      this.client.rest.issues.update({
        ...this.repo,
        issue_number: number,
        state: "closed",
        state_reason: reason,
      }),
    );
    return { action: "closed" };
  }

  /** Issues (open or closed) with `label` whose body starts with the marker, oldest first. */
  private async markedIssues(marker: string, label: string | undefined): Promise<TrackedIssue[]> {
    const records = await this.call(`list the issues of ${this.repoName}`, () =>
      this.client.paginate(this.client.rest.issues.listForRepo, {
        ...this.repo,
        state: "all",
        ...(label !== undefined ? { labels: label } : {}),
        per_page: 100,
      }),
    );
    return (records as GitHubIssueRecord[])
      .filter((record) => !isPullRequestRecord(record) && isMarkedComment(record.body, marker))
      .map(toTrackedIssue)
      .sort((a, b) => a.number - b.number);
  }

  async createIssue(input: NewIssueInput): Promise<CreatedIssue> {
    const labels = [...new Set(input.labels ?? [])];
    for (const label of labels) assertValidLabel(label);
    const marker = input.marker;
    if (marker !== undefined) {
      assertValidMarker(marker);
      const [existing] = await this.markedIssues(marker, labels[0]);
      if (existing) return { issue: existing, action: "unchanged" };
    }
    for (const label of labels) await this.ensureLabel(label);
    const created = await this.call(`file an issue in ${this.repoName}`, () =>
      this.client.rest.issues.create({
        ...this.repo,
        title: input.title,
        body: marker !== undefined ? commentWithMarker(marker, input.body) : input.body,
        labels,
      }),
    );
    const issue = toTrackedIssue(created.data as GitHubIssueRecord);
    if (marker === undefined) return { issue, action: "created" };
    // A worker that filed the same one at the same moment: the oldest stays, ours is closed.
    const [oldest] = await this.markedIssues(marker, labels[0]);
    if (!oldest || oldest.number === issue.number) return { issue, action: "created" };
    await this.call(`close the duplicate issue #${issue.number}`, () =>
      this.client.rest.issues.update({
        ...this.repo,
        issue_number: issue.number,
        state: "closed",
        state_reason: "not_planned",
      }),
    );
    return { issue: oldest, action: "unchanged" };
  }

  // ---- comments ------------------------------------------------------------------------------

  upsertComment(issue: number, marker: string, body: string): Promise<CommentResult> {
    return this.upsertMarkedComment(issue, marker, body, `issue #${issue}`);
  }

  upsertPullRequestComment(pull: number, marker: string, body: string): Promise<CommentResult> {
    // A pull request's conversation is its issue's comments on GitHub.
    return this.upsertMarkedComment(pull, marker, body, `pull request #${pull}`);
  }

  private async markedComments(number: number, marker: string, what: string) {
    const comments = await this.call(
      `read the comments on ${what} of ${this.repoName}`,
      () =>
        this.client.paginate(this.client.rest.issues.listComments, {
          ...this.repo,
          issue_number: number,
          per_page: 100,
        }),
      `${what} was not found in ${this.repoName} (or the token cannot see it)`,
    );
    return (comments as GitHubCommentRecord[])
      .filter((comment) => isMarkedComment(comment.body, marker))
      .sort((a, b) => a.id - b.id);
  }

  private async deleteComment(id: number, what: string): Promise<void> {
    try {
      await this.client.rest.issues.deleteComment({ ...this.repo, comment_id: id });
    } catch (error) {
      const typed = this.typed(error, `delete a duplicate comment on ${what}`);
      // Someone else removed it first: that is the outcome we wanted.
      if ((error as { status?: number }).status !== 404) throw typed;
    }
  }

  private async editComment(id: number, text: string, what: string): Promise<void> {
    await this.call(`edit a comment on ${what} of ${this.repoName}`, () =>
      this.client.rest.issues.updateComment({ ...this.repo, comment_id: id, body: text }),
    );
  }

  private async upsertMarkedComment(
    number: number,
    marker: string,
    body: string,
    what: string,
  ): Promise<CommentResult> {
    assertValidMarker(marker);
    const text = commentWithMarker(marker, body);
    const existing = await this.markedComments(number, marker, what);
    const [oldest, ...duplicates] = existing;
    if (oldest) {
      // Left behind by two workers that raced on an earlier run: the oldest one stays.
      for (const duplicate of duplicates) await this.deleteComment(duplicate.id, what);
      if (sameText(oldest.body, text)) return { id: String(oldest.id), action: "unchanged" };
      await this.editComment(oldest.id, text, what);
      return { id: String(oldest.id), action: "updated" };
    }

    const created = await this.call(
      `comment on ${what} of ${this.repoName}`,
      () =>
        this.client.rest.issues.createComment({ ...this.repo, issue_number: number, body: text }),
      `${what} was not found in ${this.repoName} (or the token cannot see it)`,
    );
    // A worker that got the same item at the same moment may have commented too: the oldest
    // comment stays, and whoever made a newer one deletes theirs and edits the oldest instead.
    const after = await this.markedComments(number, marker, what);
    const keep = after[0];
    if (!keep || keep.id === created.data.id)
      return { id: String(created.data.id), action: "created" };
    await this.deleteComment(created.data.id, what);
    if (!sameText(keep.body, text)) await this.editComment(keep.id, text, what);
    return { id: String(keep.id), action: "updated" };
  }

  // ---- labels --------------------------------------------------------------------------------

  async ensureLabel(label: string, style: LabelStyle = {}): Promise<"created" | "exists"> {
    assertValidLabel(label, style);
    if (this.knownLabels.has(label.toLowerCase())) return "exists";
    try {
      await this.client.rest.issues.getLabel({ ...this.repo, name: label });
      this.knownLabels.add(label.toLowerCase());
      return "exists";
    } catch (error) {
      if ((error as { status?: number }).status !== 404) {
        throw this.typed(error, `look up the label "${label}" in ${this.repoName}`);
      }
    }
    const { color, description } = labelStyleWithDefaults(style);
    try {
      await this.client.rest.issues.createLabel({ ...this.repo, name: label, color, description });
    } catch (error) {
      // 422 "already_exists": another worker created it between our look and our create.
      if ((error as { status?: number }).status !== 422) {
        throw this.typed(error, `create the label "${label}" in ${this.repoName}`);
      }
      await this.call(`look up the label "${label}" in ${this.repoName}`, () =>
        this.client.rest.issues.getLabel({ ...this.repo, name: label }),
      );
      this.knownLabels.add(label.toLowerCase());
      return "exists";
    }
    this.knownLabels.add(label.toLowerCase());
    return "created";
  }

  async setLabel(
    issue: number,
    label: string,
    options: SetLabelOptions = {},
  ): Promise<SetLabelResult> {
    assertValidLabel(label, options);
    const record = await this.getIssueRecord(issue);
    const current = labelNames(record.labels);
    const group = options.exclusiveGroup ?? [];
    const removed = current.filter(
      (name) => !sameLabel(name, label) && group.some((member) => sameLabel(member, name)),
    );
    const added = !current.some((name) => sameLabel(name, label));
    if (added) {
      await this.ensureLabel(label, options);
      await this.call(`label issue #${issue} of ${this.repoName}`, () =>
        this.client.rest.issues.addLabels({ ...this.repo, issue_number: issue, labels: [label] }),
      );
    }
    // Added before removing: a run stopped in between leaves two verdicts, never none.
    for (const name of removed) {
      try {
        await this.client.rest.issues.removeLabel({ ...this.repo, issue_number: issue, name });
      } catch (error) {
        if ((error as { status?: number }).status !== 404) {
          throw this.typed(error, `remove the label "${name}" from issue #${issue}`);
        }
      }
    }
    return { added, removed };
  }

  private async addMissingLabels(
    number: number,
    have: readonly string[],
    wanted: readonly string[],
  ): Promise<boolean> {
    const missing = wanted.filter((label) => !have.some((name) => sameLabel(name, label)));
    if (missing.length === 0) return false;
    for (const label of missing) await this.ensureLabel(label);
    await this.call(`label pull request #${number} of ${this.repoName}`, () =>
      this.client.rest.issues.addLabels({ ...this.repo, issue_number: number, labels: missing }),
    );
    return true;
  }

  // ---- pull requests -------------------------------------------------------------------------

  private async openPullRequestsFor(head: string): Promise<TrackedPullRequest[]> {
    const pulls = await this.call(`list the open pull requests of ${this.repoName}`, () =>
      this.client.paginate(this.client.rest.pulls.list, {
        ...this.repo,
        state: "open",
        head: `${this.owner}:${head}`,
        per_page: 100,
      }),
    );
    return pulls
      .filter((pull) => pull.head.ref === head && pull.head.repo?.full_name === this.repoName)
      .map(toTrackedPullRequest)
      .sort((a, b) => a.number - b.number);
  }

  async findOpenPullRequest(headBranch: string): Promise<TrackedPullRequest | undefined> {
    return (await this.openPullRequestsFor(headBranch))[0];
  }

  async listOpenPullRequests(filter: PullRequestFilter = {}): Promise<TrackedPullRequest[]> {
    const pulls = await this.call(`list the open pull requests of ${this.repoName}`, () =>
      this.client.paginate(this.client.rest.pulls.list, {
        ...this.repo,
        state: "open",
        per_page: 100,
      }),
    );
    return pulls
      .filter(
        (pull) =>
          filter.headPrefix === undefined ||
          (pull.head.ref.startsWith(filter.headPrefix) &&
            pull.head.repo?.full_name === this.repoName),
      )
      .map(toTrackedPullRequest)
      .filter(
        (pull) =>
          filter.label === undefined ||
          pull.labels.some((name) => sameLabel(name, filter.label as string)),
      )
      .sort((a, b) => a.number - b.number);
  }

  async upsertPullRequest(input: PullRequestInput): Promise<PullRequestResult> {
    if (input.head.trim() === "" || input.base.trim() === "" || input.head === input.base) {
      throw new InputError(
        `A pull request needs a head branch and a different base (head ${JSON.stringify(input.head)}, base ${JSON.stringify(input.base)})`,
      );
    }
    for (const label of input.labels ?? []) assertValidLabel(label);
    const existing = await this.findOpenPullRequest(input.head);
    if (existing) return this.updatePullRequest(existing, input, "unchanged");

    let createdNumber: number;
    try {
      const created = await this.client.rest.pulls.create({
        ...this.repo,
        head: input.head,
        base: input.base,
        title: input.title,
        body: input.body,
        draft: input.draft ?? false,
      });
      createdNumber = created.data.number;
    } catch (error) {
      // GitHub's 422 "A pull request already exists for owner:branch": another worker won.
      const winner =
        (error as { status?: number }).status === 422
          ? await this.findOpenPullRequest(input.head)
          : undefined;
      if (!winner) throw this.typed(error, `open a pull request from ${input.head}`);
      return this.updatePullRequest(winner, input, "updated");
    }

    const open = await this.openPullRequestsFor(input.head);
    const keep = open[0];
    if (keep && keep.number !== createdNumber) {
      // A concurrent worker's PR for this branch is older: ours goes, theirs is updated.
      await this.call(`close the duplicate pull request #${createdNumber}`, () =>
        this.client.rest.pulls.update({
          ...this.repo,
          pull_number: createdNumber,
          state: "closed",
        }),
      );
      return this.updatePullRequest(keep, input, "updated");
    }
    const mine = keep ?? (await this.readPullRequest(createdNumber));
    await this.addMissingLabels(mine.number, mine.labels, input.labels ?? []);
    return { number: mine.number, url: mine.url, action: "created" };
  }

  async mergePullRequest(
    number: number,
    options: MergeOptions = {},
  ): Promise<{ action: "merged" | "unchanged" }> {
    const what = `pull request #${number} of ${this.repoName}`;
    const { data } = await this.call(`read ${what}`, () =>
      this.client.rest.pulls.get({ ...this.repo, pull_number: number }),
    );
    if (data.merged) return { action: "unchanged" };
    if (data.state !== "open") {
      throw new InputError(`${what} is closed without a merge; not merging it`, {
        hint: "Reopen it on GitHub first if it should be merged.",
      });
    }
    try {
      await this.client.rest.pulls.merge({
        ...this.repo,
        pull_number: number,
        merge_method: options.method ?? "merge",
        // Only the commit that was checked: a push since then makes GitHub refuse (409).
        sha: data.head.sha,
      });
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 405) {
        throw new InputError(`GitHub would not merge ${what}: it is not mergeable right now`, {
          hint:
            "It may be a draft, have conflicts, wait for required checks or reviews, or the " +
            "merge method may be switched off for the repository; merge it by hand.",
        });
      }
      if (status === 409) {
        throw new InputError(`GitHub did not merge ${what}: its branch changed meanwhile`, {
          hint: "Someone pushed to the branch after it was checked; review the new commits.",
        });
      }
      throw this.typed(error, `merge ${what}`);
    }
    return { action: "merged" };
  }

  private async readPullRequest(number: number): Promise<TrackedPullRequest> {
    const response = await this.call(`read pull request #${number} of ${this.repoName}`, () =>
      this.client.rest.pulls.get({ ...this.repo, pull_number: number }),
    );
    return toTrackedPullRequest(response.data);
  }

  private async updatePullRequest(
    pull: TrackedPullRequest,
    input: PullRequestInput,
    baseline: UpsertAction,
  ): Promise<PullRequestResult> {
    let action = baseline;
    const changes: { title?: string; body?: string } = {};
    if (pull.title !== input.title) changes.title = input.title;
    if (!sameText(pull.body, input.body)) changes.body = input.body;
    if (Object.keys(changes).length > 0) {
      await this.call(`update pull request #${pull.number} of ${this.repoName}`, () =>
        this.client.rest.pulls.update({ ...this.repo, pull_number: pull.number, ...changes }),
      );
      action = "updated";
    }
    if (await this.addMissingLabels(pull.number, pull.labels, input.labels ?? [])) {
      action = "updated";
    }
    return { number: pull.number, url: pull.url, action };
  }
}

/** The GitHub tracker for `repo`, with the token already resolved (see github-token.ts). */
export function createGitHubTracker(options: GitHubTrackerOptions): GitHubTracker {
  return new GitHubTracker(options);
}
