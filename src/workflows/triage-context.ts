/**
 * The context a triage request carries, gathered cheaply and deterministically from git: the
 * tracked files the issue names, the lines where identifiers it mentions occur (`git grep`),
 * the recent commits, and the titles of the other open issues (for duplicates). Everything is
 * capped, sorted and free of anything the secret scan flags, so the same repository and issue
 * give the same prompt.
 */
import { runGitCommand } from "../git/git-command.js";
import { scanText } from "../safety/secret-scan.js";
import type { TrackedIssue } from "../tracker/types.js";

export interface TriageContext {
  /** Tracked files the issue names (by path or by file name). */
  files: string[];
  /** `path:line: text` lines from `git grep` for identifiers in the issue. */
  matches: string[];
  /** `git log --oneline -20`. */
  recentCommits: string[];
  /** Other open issues, for duplicates; their titles are untrusted text too. */
  otherIssues: { number: number; title: string }[];
}

/** Repository facts shared by every issue of a run: read once. */
export interface RepositorySnapshot {
  files: string[];
  recentCommits: string[];
}

const MAX_FILES = 10;
const MAX_IDENTIFIERS = 12;
const MAX_MATCHES = 30;
const MAX_MATCHES_PER_FILE = 3;
const MAX_LINE_CHARS = 200;
const MAX_OTHER_ISSUES = 50;

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

export async function gatherTriageContext(options: {
  root: string;
  issue: TrackedIssue;
  snapshot: RepositorySnapshot;
  openIssues: readonly TrackedIssue[];
}): Promise<TriageContext> {
  const text = `${options.issue.title}\n${options.issue.body}`;
  return {
    files: namedFiles(text, options.snapshot.files),
    matches: await grepIdentifiers(options.root, identifierCandidates(text)),
    recentCommits: options.snapshot.recentCommits.filter((line) => !hasSecret(line)),
    otherIssues: options.openIssues
      .filter((other) => other.number !== options.issue.number)
      .sort((a, b) => a.number - b.number)
      .slice(0, MAX_OTHER_ISSUES)
      .map((other) => ({ number: other.number, title: other.title })),
  };
}
