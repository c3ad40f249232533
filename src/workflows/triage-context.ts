/**
 * The context a triage request carries, gathered cheaply and deterministically from git and the
 * tracker: the tracked files the issue names, the lines where identifiers it mentions occur
 * (`git grep`), the recent commits, the other open issues most similar to it (for duplicates)
 * and the open pull requests most related to it (work already under way). Everything is capped,
 * sorted and free of anything the secret scan flags, so the same repository, tracker and issue
 * give the same prompt. Text from other issues and pull requests is untrusted, like the issue.
 */
import { runGitCommand } from "../git/git-command.js";
import { scanText } from "../safety/secret-scan.js";
import type { TrackedIssue, TrackedPullRequest } from "../tracker/types.js";
import {
  createSimilarityIndex,
  rankBySimilarity,
  textTerms,
  type SimilarityIndex,
} from "./triage-similarity.js";

/** Another open issue that reads like this one. */
export interface SimilarIssue {
  number: number;
  /** "" when the secret scan flagged it. */
  title: string;
  /** The start of its text, whitespace collapsed; "" when empty or flagged. */
  excerpt: string;
}

/** An open pull request that looks related to the issue. */
export interface RelatedPullRequest {
  number: number;
  /** "" when the secret scan flagged it. */
  title: string;
  head: string;
}

export interface TriageContext {
  /** Tracked files the issue names (by path or by file name). */
  files: string[];
  /** `path:line: text` lines from `git grep` for identifiers in the issue. */
  matches: string[];
  /** `git log --oneline -20`. */
  recentCommits: string[];
  /** Other open issues most similar in title and body, best first; untrusted text. */
  similarIssues: SimilarIssue[];
  /** Open pull requests most related to the issue, best first; untrusted text. */
  openPullRequests: RelatedPullRequest[] | "unavailable";
}

/** Repository facts shared by every issue of a run: read once. */
export interface RepositorySnapshot {
  files: string[];
  recentCommits: string[];
}

/** The tracker's open issues and pull requests, indexed once per run. */
export interface OpenWork {
  issues: SimilarityIndex<TrackedIssue>;
  /** "unavailable" when the tracker could not list them. */
  pullRequests: SimilarityIndex<TrackedPullRequest> | "unavailable";
}

const MAX_FILES = 10;
const MAX_IDENTIFIERS = 12;
const MAX_MATCHES = 30;
const MAX_MATCHES_PER_FILE = 3;
const MAX_LINE_CHARS = 200;
const MAX_SIMILAR_ISSUES = 10;
const MAX_RELATED_PULL_REQUESTS = 10;
const MAX_EXCERPT_CHARS = 240;

async function gitLines(root: string, args: readonly string[]): Promise<string[]> {
  const result = await runGitCommand(root, args);
  if (result.exitCode !== 0) return [];
  return result.stdout.split("\n").filter((line) => line.trim() !== "");
}

export async function readRepositorySnapshot(root: string): Promise<RepositorySnapshot> {
  const [files, recentCommits] = await Promise.all([
    gitLines(root, ["ls-files", "-z"]).then((lines) =>
      lines.flatMap((line) => line.split("\0")).filter((file) => file !== ""),
    ),
    gitLines(root, ["log", "--oneline", "--no-decorate", "-20"]),
  ]);
  return { files, recentCommits };
}

/** Words that look like paths: a slash or a file extension. */
function pathCandidates(text: string): string[] {
  const found = text.match(/[\w.@-]*[\w-](?:\/[\w.@-]+)+|[\w-]+\.[a-zA-Z][\w]{0,9}\b/g) ?? [];
  return [...new Set(found.map((candidate) => candidate.replace(/^\.?\//, "")))];
}

/** Code-like identifiers: camelCase, PascalCase with an inner capital, snake_case, or `name(`. */
function identifierCandidates(text: string): string[] {
  const words = text.match(/[A-Za-z_$][\w$]{3,60}/g) ?? [];
  const codeLike = words.filter(
    (word) =>
      /[a-z][A-Z]/.test(word) ||
      /[A-Za-z0-9]_[A-Za-z0-9]/.test(word) ||
      /^[A-Z][a-z]+[A-Z]/.test(word),
  );
  const calls = [...text.matchAll(/([A-Za-z_$][\w$]{2,60})\(/g)].map((match) => match[1] ?? "");
  return [...new Set([...codeLike, ...calls].filter((word) => word !== ""))].slice(
    0,
    MAX_IDENTIFIERS,
  );
}

function namedFiles(text: string, tracked: readonly string[]): string[] {
  const trackedSet = new Set(tracked);
  const named = new Set<string>();
  for (const candidate of pathCandidates(text)) {
    if (trackedSet.has(candidate)) {
      named.add(candidate);
      continue;
    }
    const suffix = `/${candidate}`;
    for (const file of tracked) {
      if (file.endsWith(suffix)) named.add(file);
      if (named.size >= MAX_FILES) break;
    }
    if (named.size >= MAX_FILES) break;
  }
  return [...named].sort().slice(0, MAX_FILES);
}

function hasSecret(line: string): boolean {
  return scanText("context.txt", line).length > 0;
}

async function grepIdentifiers(root: string, identifiers: readonly string[]): Promise<string[]> {
  if (identifiers.length === 0) return [];
  const args = ["grep", "-n", "-I", "-F", "-w", `--max-count=${MAX_MATCHES_PER_FILE}`];
  for (const identifier of identifiers) args.push("-e", identifier);
  const lines = await gitLines(root, [...args, "--"]);
  return lines
    .map((line) => line.trim())
    .filter((line) => !hasSecret(line))
    .map((line) => (line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}...` : line))
    .slice(0, MAX_MATCHES);
}

export function indexOpenWork(
  issues: readonly TrackedIssue[],
  pullRequests: readonly TrackedPullRequest[] | "unavailable",
): OpenWork {
  return {
    issues: createSimilarityIndex(issues, (issue) => `${issue.title}\n${issue.body}`),
    pullRequests:
      pullRequests === "unavailable"
        ? "unavailable"
        : createSimilarityIndex(
            pullRequests,
            (pull) => `${pull.title}\n${pull.head}\n${pull.body}`,
          ),
  };
}

function excerptOf(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_EXCERPT_CHARS ? `${flat.slice(0, MAX_EXCERPT_CHARS)}...` : flat;
}

/** Title and excerpt, each dropped when the secret scan flags it. */
function similarIssue(issue: TrackedIssue): SimilarIssue {
  const excerpt = excerptOf(issue.body);
  return {
    number: issue.number,
    title: hasSecret(issue.title) ? "" : issue.title,
    excerpt: hasSecret(excerpt) ? "" : excerpt,
  };
}

/** A pull request names the issue: `#<n>` in its text or `<n>-...` as its branch's last part. */
function namesIssue(pull: TrackedPullRequest, issue: number): boolean {
  return (
    new RegExp(`(?:^|/)${issue}(?:-|$)`).test(pull.head) ||
    new RegExp(`#${issue}(?!\\d)`).test(`${pull.title}\n${pull.body}`)
  );
}

function relatedPullRequests(
  work: OpenWork,
  issue: number,
  terms: ReadonlySet<string>,
): RelatedPullRequest[] | "unavailable" {
  if (work.pullRequests === "unavailable") return "unavailable";
  return rankBySimilarity(work.pullRequests, terms, {
    limit: MAX_RELATED_PULL_REQUESTS,
    // Naming the issue outranks any overlap of words.
    bonus: (pull) => (namesIssue(pull, issue) ? 1 : 0),
  }).map(({ item }) => ({
    number: item.number,
    title: hasSecret(item.title) ? "" : item.title,
    head: item.head,
  }));
}

export async function gatherTriageContext(options: {
  root: string;
  issue: TrackedIssue;
  snapshot: RepositorySnapshot;
  openWork: OpenWork;
}): Promise<TriageContext> {
  const { issue, openWork } = options;
  const text = `${issue.title}\n${issue.body}`;
  const terms = textTerms(text);
  return {
    files: namedFiles(text, options.snapshot.files),
    matches: await grepIdentifiers(options.root, identifierCandidates(text)),
    recentCommits: options.snapshot.recentCommits.filter((line) => !hasSecret(line)),
    similarIssues: rankBySimilarity(openWork.issues, terms, {
      limit: MAX_SIMILAR_ISSUES,
      exclude: (other) => other.number === issue.number,
    }).map(({ item }) => similarIssue(item)),
    openPullRequests: relatedPullRequests(openWork, issue.number, terms),
  };
}
