/**
 * GitHub's REST shapes, reduced to the fields the tracker reads, and their mapping to the
 * tracker types. Octokit's generated types stay in this folder; the pipeline sees only
 * `TrackedIssue` and `TrackedPullRequest`.
 */
import type { AuthorAssociation, TrackedIssue, TrackedPullRequest } from "./types.js";

export interface GitHubIssueRecord {
  number: number;
  title: string;
  body?: string | null;
  state: string;
  labels: (string | { name?: string | null })[];
  user: { login: string } | null;
  author_association?: string;
  created_at: string;
  updated_at: string;
  html_url: string;
  /** Present when the "issue" is a pull request (GitHub lists both under /issues). */
  pull_request?: unknown;
}

export interface GitHubPullRecord {
  number: number;
  html_url: string;
  title: string;
  body: string | null;
  state: string;
  draft?: boolean;
  labels: { name?: string | null }[];
  head: { ref: string; repo: { full_name: string } | null };
  base: { ref: string };
}

export interface GitHubCommentRecord {
  id: number;
  body?: string;
}

const associations = new Set<AuthorAssociation>([
  "OWNER",
  "MEMBER",
  "COLLABORATOR",
  "CONTRIBUTOR",
  "FIRST_TIME_CONTRIBUTOR",
  "FIRST_TIMER",
  "MANNEQUIN",
  "NONE",
]);

export function labelNames(labels: GitHubIssueRecord["labels"]): string[] {
  return labels
    .map((label) => (typeof label === "string" ? label : (label.name ?? "")))
    .filter((name) => name !== "");
}

export function isPullRequestRecord(record: GitHubIssueRecord): boolean {
  return record.pull_request !== undefined && record.pull_request !== null;
}

/** An unknown association is treated as the least trusted one. */
export function toAuthorAssociation(value: string | undefined): AuthorAssociation {
  return associations.has(value as AuthorAssociation) ? (value as AuthorAssociation) : "NONE";
}

export function toTrackedIssue(record: GitHubIssueRecord): TrackedIssue {
  return {
    number: record.number,
    title: record.title,
    body: record.body ?? "",
    state: record.state === "closed" ? "closed" : "open",
    labels: labelNames(record.labels),
    // A deleted account shows as null; GitHub itself calls it "ghost".
    author: record.user?.login ?? "ghost",
    authorAssociation: toAuthorAssociation(record.author_association),
    createdAt: record.created_at,
    updatedAt: record.updated_at,
    url: record.html_url,
    isPullRequest: false,
  };
}

export function toTrackedPullRequest(record: GitHubPullRecord): TrackedPullRequest {
  return {
    number: record.number,
    url: record.html_url,
    head: record.head.ref,
    base: record.base.ref,
    title: record.title,
    body: record.body ?? "",
    labels: labelNames(record.labels),
    draft: record.draft ?? false,
    state: record.state === "closed" ? "closed" : "open",
  };
}

/** GitHub compares label names without regard to case. */
export function sameLabel(left: string, right: string): boolean {
  return left.toLowerCase() === right.toLowerCase();
}
