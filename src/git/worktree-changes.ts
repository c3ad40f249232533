/**
 * What a work item changed in its worktree: `commitAll` turns it into one commit (or none), and
 * `diffAgainst` gives the diff a secret scan and a tech report read.
 */
import { InputError } from "../errors.js";
import { readCopiedEnvFiles } from "./copy-env-files.js";
import { GitCommandError, git, runGitCommand } from "./git-command.js";

export interface CommitAuthor {
  name: string;
  email: string;
}

/** Paths never committed from a worktree: the harness's own machine state. */
const ALWAYS_LEFT_OUT = [".harness"];

/**
 * Stages everything in `worktree` (new, changed and deleted files) and commits it. Returns the
 * new commit's sha, or undefined when there was nothing to commit, so a rerun after a crash
 * makes no empty commit. Left out: the env files `openWorktree` copied in (even when the
 * project's .gitignore misses them) and `.harness/`. `author` sets author and committer; without
 * it git's own configuration decides. The project's commit hooks run as they would for a person.
 */
export async function commitAll(
  worktree: string,
  message: string,
  author?: CommitAuthor,
): Promise<string | undefined> {
  if (message.trim() === "") {
    throw new InputError("commit message is empty", { hint: "say what the change does" });
  }
  await git(worktree, ["add", "--all"]);
  const leftOut = [...(await readCopiedEnvFiles(worktree)), ...ALWAYS_LEFT_OUT];
  // reset, not an exclude pathspec on add: it also unstages what an agent staged by itself.
  await git(worktree, ["--literal-pathspecs", "reset", "--quiet", "--", ...leftOut]);
  const staged = await git(worktree, ["diff", "--cached", "--name-only", "-z"]);
  if (staged === "") return undefined;

  const env = author && {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
  };
  // The message on stdin: any length, any characters, and never read as an option.
  const result = await runGitCommand(worktree, ["commit", "--quiet", "--file=-"], {
    input: message,
    ...(env ? { env } : {}),
  });
  if (result.exitCode !== 0) {
    if (/tell me who you are|empty ident|unable to auto-detect email/i.test(result.stderr)) {
      throw new InputError(`git has no author identity to commit with in ${worktree}`, {
        hint: "pass an author, or set user.name and user.email in the repository's git config",
      });
    }
    throw new GitCommandError(
      `git commit failed in ${worktree} (exit ${result.exitCode}): ${firstLines(result)}`,
      { hint: "a commit hook may have refused it; run git commit there to see why" },
    );
  }
  return (await git(worktree, ["rev-parse", "HEAD"])).trim();
}

export interface DiffFileStat {
  path: string;
  additions: number;
  deletions: number;
  /** Binary files have no line counts (0 and 0 here). */
  binary: boolean;
}

export interface WorktreeDiff {
  /** Unified diff (3 lines of context) from where HEAD forked off `base` to HEAD. */
  diff: string;
  files: DiffFileStat[];
  stats: { files: number; additions: number; deletions: number };
}

/**
 * The committed changes on the worktree's branch since it forked from `base` (`base...HEAD`;
 * uncommitted work is not included: commit first). Renames are shown as a deletion and an
 * addition, so every line that arrives in a file is an added line a secret scan sees. The
 * user's git configuration cannot change the format: no colour, external diff, textconv, or
 * other path prefixes than `a/` and `b/`.
 */
export async function diffAgainst(worktree: string, base: string): Promise<WorktreeDiff> {
  if (base.startsWith("-") || base.trim() === "") {
    throw new InputError(`base ${JSON.stringify(base)} is not a ref`, {
      hint: "pass the base branch or the baseCommit openWorktree returned",
    });
  }
  const range = `${base}...HEAD`;
  const options = ["--no-color", "--no-ext-diff", "--no-textconv", "--no-renames"];
  const [diff, numstat] = await Promise.all([
    git(worktree, [
      "-c",
      "core.quotePath=false",
      "diff",
      ...options,
      "--src-prefix=a/",
      "--dst-prefix=b/",
      range,
      "--",
    ]),
    git(worktree, ["diff", ...options, "--numstat", "-z", range, "--"]),
  ]);
  const files = parseNumstatZ(numstat);
  return {
    diff,
    files,
    stats: {
      files: files.length,
      additions: files.reduce((sum, file) => sum + file.additions, 0),
      deletions: files.reduce((sum, file) => sum + file.deletions, 0),
    },
  };
}

/** `--numstat -z` without renames: `added\tdeleted\tpath\0` per file; binary counts are `-`. */
export function parseNumstatZ(output: string): DiffFileStat[] {
  const files: DiffFileStat[] = [];
  for (const record of output.split("\0")) {
    const match = /^(-|\d+)\t(-|\d+)\t([\s\S]+)$/.exec(record.replace(/^\n/, ""));
    if (!match) continue;
    const [, added = "-", deleted = "-", file = ""] = match;
    const binary = added === "-" && deleted === "-";
    files.push({
      path: file,
      additions: binary ? 0 : Number(added),
      deletions: binary ? 0 : Number(deleted),
      binary,
    });
  }
  return files;
}

function firstLines(result: { stdout: string; stderr: string }): string {
  const text = (result.stderr.trim() || result.stdout.trim()).split("\n").slice(0, 3);
  return text.join(" / ") || "no message";
}
