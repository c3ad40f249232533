/**
 * One git worktree per work item, at `.harness/worktrees/<id>/` on its own branch.
 *
 * The queue delivers an item at least once, so opening is idempotent: a second attempt finds
 * the worktree the first one made and reuses it, or, when only the branch survived (the worktree
 * was removed, the machine was wiped), checks that branch out again without resetting it, so
 * commits an earlier attempt made are kept. Removing is idempotent too.
 *
 * Nothing is written outside the repository: the worktrees folder must really be inside it (a
 * `.harness` symlink pointing elsewhere is refused), and env files are copied under the rules in
 * `copy-env-files.ts`.
 */
import { lstat, mkdir, readdir, realpath, rmdir } from "node:fs/promises";
import path from "node:path";
import { InputError } from "../errors.js";
import { isWorkBranch } from "./branch-names.js";
import {
  copyEnvFiles,
  isInside,
  normalizeEnvFileNames,
  type EnvFileCopyResult,
} from "./copy-env-files.js";
import { git, runGitCommand } from "./git-command.js";

// Committing in a worktree and diffing it against its base live next door.
export { commitAll, diffAgainst } from "./worktree-changes.js";
export type { CommitAuthor, WorktreeDiff, DiffFileStat } from "./worktree-changes.js";

/** Where worktrees live, relative to the repository root. */
export const WORKTREES_FOLDER = path.join(".harness", "worktrees");

export interface OpenWorktreeOptions {
  /** The repository's top folder (the main checkout). */
  repoRoot: string;
  /** The folder name: `[a-z0-9][a-z0-9._-]*`, e.g. `worktreeId(issue, title)` or a queue item id. */
  id: string;
  /** The branch to work on, e.g. `workBranchName(issue, title)`. */
  branch: string;
  /** A local ref or commit the branch starts from when it does not exist yet (no fetch). */
  base: string;
  /** Env files to copy from the repository root, relative names such as `.env.test`. */
  copyEnvFiles?: readonly string[];
}

export interface OpenedWorktree {
  /** Absolute real path of the worktree. */
  path: string;
  branch: string;
  /** False when the worktree was already there on `branch` and is reused as it is. */
  created: boolean;
  /** False when the branch already existed (an earlier attempt made it) and was kept as it is. */
  branchCreated: boolean;
  /** Where the branch forked from `base`: `base` itself for a new branch, else their merge base. */
  baseCommit: string;
  envFiles: EnvFileCopyResult;
}

/** Opens (or finds again) the worktree for one work item. Throws InputError when it cannot. */
export async function openWorktree(options: OpenWorktreeOptions): Promise<OpenedWorktree> {
  const { id, branch, base } = options;
  const root = await resolveRepoRoot(options.repoRoot);
  assertWorktreeId(id);
  await assertBranchName(root, branch);
  const envFiles = normalizeEnvFileNames(options.copyEnvFiles ?? []);
  const target = path.join(await ensureWorktreesFolder(root), id);

  await git(root, ["worktree", "prune"]);
  const worktrees = await readWorktreeList(root);
  const baseSha = await resolveCommit(root, base);
  const existing = worktrees.find((entry) => samePath(entry.path, target));
  if (existing) {
    if (existing.branch !== branch) {
      const onWhat = existing.branch ? `branch ${existing.branch}` : "a detached HEAD";
      throw new InputError(`worktree ${target} is on ${onWhat}, not on ${branch}`, {
        hint: `remove it with removeWorktree (id ${id}) or pick another id`,
      });
    }
    return {
      path: target,
      branch,
      created: false,
      branchCreated: false,
      baseCommit: await forkPoint(root, baseSha, branch),
      envFiles: await copyEnvFiles(root, target, envFiles),
    };
  }

  await assertFolderFree(target, root);
  const holder = worktrees.find((entry) => entry.branch === branch);
  if (holder) {
    throw new InputError(`branch ${branch} is already checked out at ${holder.path}`, {
      hint: "a branch can be checked out in one worktree only; switch that checkout away first",
    });
  }
  const branchExists = await refExists(root, `refs/heads/${branch}`);
  if (branchExists) {
    await git(root, ["worktree", "add", "--quiet", target, branch]);
  } else {
    // The resolved commit, not the ref: the base cannot move between the check and the add.
    await git(root, ["worktree", "add", "--quiet", "-b", branch, target, baseSha]);
  }
  return {
    path: target,
    branch,
    created: true,
    branchCreated: !branchExists,
    baseCommit: branchExists ? await forkPoint(root, baseSha, branch) : baseSha,
    envFiles: await copyEnvFiles(root, target, envFiles),
  };
}

export interface RemoveWorktreeOptions {
  repoRoot: string;
  id: string;
  /** Also delete the worktree's branch (only `harness/…` branches are ever deleted). */
  deleteBranch?: boolean;
  /**
   * The branch to delete when the worktree is already gone (a rerun after a crash between the
   * two steps); when the worktree is there, its own branch is the one deleted.
   */
  branch?: string;
}

export interface RemovedWorktree {
  /** False when there was nothing to remove. */
  removed: boolean;
  /** The branch deleted, if one was. */
  branchDeleted?: string;
}

/** Removes a work item's worktree (uncommitted changes included) and prunes. Missing is fine. */
export async function removeWorktree(options: RemoveWorktreeOptions): Promise<RemovedWorktree> {
  const root = await resolveRepoRoot(options.repoRoot);
  assertWorktreeId(options.id);
  const target = path.join(root, WORKTREES_FOLDER, options.id);
  await git(root, ["worktree", "prune"]);
  const entry = (await readWorktreeList(root)).find((worktree) => samePath(worktree.path, target));
  let removed = false;
  if (entry) {
    await git(root, ["worktree", "remove", "--force", target]);
    removed = true;
  } else if (await isEmptyFolder(target)) {
    await rmdir(target);
    removed = true;
  } else if (await pathExists(target)) {
    throw new InputError(`${target} is not a git worktree of ${root}; not removing it`, {
      hint: "look at what is in it, then move it away or delete it by hand",
    });
  }
  await git(root, ["worktree", "prune"]);

  const branch = entry?.branch ?? options.branch;
  if (!options.deleteBranch || branch === undefined) return { removed };
  if (!isWorkBranch(branch)) {
    throw new InputError(`refusing to delete branch ${branch}: harness deletes only harness/…`, {
      hint: "delete that branch yourself if you mean to",
    });
  }
  if (!(await refExists(root, `refs/heads/${branch}`))) return { removed };
  await git(root, ["branch", "-D", "--", branch]);
  return { removed, branchDeleted: branch };
}

export interface HarnessWorktree {
  /** The folder name under `.harness/worktrees/`. */
  id: string;
  path: string;
  /** Short branch name; undefined on a detached HEAD. */
  branch?: string;
  head?: string;
  locked: boolean;
  /** Git sees its folder gone; the next prune drops it. */
  prunable: boolean;
}

/** The worktrees harness made in this repository (those under `.harness/worktrees/`). */
export async function listWorktrees(repoRoot: string): Promise<HarnessWorktree[]> {
  const root = await resolveRepoRoot(repoRoot);
  const folder = path.join(root, WORKTREES_FOLDER);
  return (await readWorktreeList(root))
    .filter((entry) => samePath(path.dirname(entry.path), folder))
    .map((entry) => ({
      id: path.basename(entry.path),
      path: entry.path,
      branch: entry.branch,
      head: entry.head,
      locked: entry.locked,
      prunable: entry.prunable,
    }));
}

interface WorktreeListEntry {
  path: string;
  head?: string;
  branch?: string;
  locked: boolean;
  prunable: boolean;
}

/** `git worktree list --porcelain`: blocks of `key value` lines separated by blank lines. */
async function readWorktreeList(root: string): Promise<WorktreeListEntry[]> {
  const output = await git(root, ["worktree", "list", "--porcelain"]);
  const entries: WorktreeListEntry[] = [];
  let current: WorktreeListEntry | undefined;
  for (const line of output.split("\n")) {
    const space = line.indexOf(" ");
    const key = space === -1 ? line : line.slice(0, space);
    const value = space === -1 ? "" : line.slice(space + 1);
    if (key === "worktree") {
      current = { path: value, locked: false, prunable: false };
      entries.push(current);
    } else if (current && key === "HEAD") {
      current.head = value;
    } else if (current && key === "branch") {
      current.branch = value.replace(/^refs\/heads\//, "");
    } else if (current && key === "locked") {
      current.locked = true;
    } else if (current && key === "prunable") {
      current.prunable = true;
    }
  }
  return entries;
}

/** The real path of the repository's top folder; InputError when it is not one. */
async function resolveRepoRoot(repoRoot: string): Promise<string> {
  const root = await realpath(repoRoot).catch(() => {
    throw new InputError(`repository folder ${repoRoot} does not exist`, {
      hint: "pass the repository's top folder",
    });
  });
  const result = await runGitCommand(root, ["rev-parse", "--show-toplevel"]);
  const topLevel = result.exitCode === 0 ? result.stdout.trim() : "";
  if (topLevel === "" || !samePath(await realpath(topLevel), root)) {
    throw new InputError(`${repoRoot} is not the top folder of a git repository`, {
      hint: topLevel ? `use ${topLevel}` : "run git init there, or pass the repository's folder",
    });
  }
  return root;
}

/** Same rule as queue item ids: one safe folder name, never `.` or `..`. */
function assertWorktreeId(id: string): void {
  if (!/^[a-z0-9][a-z0-9._-]{0,119}$/.test(id) || id.includes("..")) {
    throw new InputError(`worktree id ${JSON.stringify(id)} is not a safe folder name`, {
      hint: "use lowercase letters, digits, dot, dash or underscore, e.g. worktreeId(issue, title)",
    });
  }
}

async function assertBranchName(root: string, branch: string): Promise<void> {
  const valid =
    !branch.startsWith("-") &&
    (await runGitCommand(root, ["check-ref-format", `refs/heads/${branch}`])).exitCode === 0;
  if (!valid) {
    throw new InputError(`${JSON.stringify(branch)} is not a valid branch name`, {
      hint: "use workBranchName(issue, title), e.g. harness/42-fix-login",
    });
  }
}

async function resolveCommit(root: string, ref: string): Promise<string> {
  const result = ref.startsWith("-")
    ? undefined
    : await runGitCommand(root, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  if (!result || result.exitCode !== 0) {
    throw new InputError(`base ${JSON.stringify(ref)} is not a commit in ${root}`, {
      hint: "pass a local branch, tag or commit (fetch first if it is a remote branch)",
    });
  }
  return result.stdout.trim();
}

async function refExists(root: string, ref: string): Promise<boolean> {
  return (await git(root, ["for-each-ref", "--format=%(refname)", ref])).trim() === ref;
}

async function forkPoint(root: string, baseSha: string, branch: string): Promise<string> {
  const result = await runGitCommand(root, ["merge-base", baseSha, `refs/heads/${branch}`]);
  // No common history (an orphan branch): the base is the best answer there is.
  return result.exitCode === 0 ? result.stdout.trim() : baseSha;
}

/** Creates `.harness/worktrees/` and checks that it really is inside the repository. */
async function ensureWorktreesFolder(root: string): Promise<string> {
  const folder = path.join(root, WORKTREES_FOLDER);
  await mkdir(folder, { recursive: true });
  if (!samePath(await realpath(folder), folder) || !isInside(root, folder)) {
    throw new InputError(`${folder} leads outside the repository (a symlink)`, {
      hint: `replace the symlink with a real folder: rm ${path.join(root, ".harness")} (if it is a link)`,
    });
  }
  return folder;
}

/** The target may be missing or an empty folder (git fills it); anything else is refused. */
async function assertFolderFree(target: string, root: string): Promise<void> {
  if (!(await pathExists(target)) || (await isEmptyFolder(target))) return;
  throw new InputError(`${target} exists but is not a worktree of ${root}`, {
    hint: "look at what is in it, then move it away or delete it, and retry",
  });
}

/** lstat, not stat: a symlink (even a dangling one) counts as something in the way. */
async function pathExists(target: string): Promise<boolean> {
  return lstat(target).then(
    () => true,
    () => false,
  );
}

async function isEmptyFolder(target: string): Promise<boolean> {
  try {
    return (await lstat(target)).isDirectory() && (await readdir(target)).length === 0;
  } catch {
    return false;
  }
}

function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}
