/**
 * Copies untracked env files (`.env.test`, `config/.env.local`) from the repository root into a
 * work item's worktree, so the project's tests can run there. The rules:
 *
 * - only files that exist and are regular files (a symlink is followed only while it stays
 *   inside the repository: a `.env` pointing at `~/.aws/credentials` is skipped);
 * - nothing is overwritten (a file already in the worktree, tracked or not, stays as it is), and
 *   nothing is written through a symlink that leads out of the worktree;
 * - names are relative paths inside the repository; an absolute or `..` name is a config
 *   mistake and throws;
 * - every copied name is recorded in the worktree's private git folder, so `commitAll` leaves
 *   those files out of commits even when the project's .gitignore does not ignore them.
 */
import { constants } from "node:fs";
import { appendFile, copyFile, lstat, mkdir, readFile, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { InputError } from "../errors.js";
import { git } from "./git-command.js";

export interface EnvFileCopyResult {
  /** Names copied by this call (relative, with `/`). */
  copied: string[];
  /** Names not copied, with the reason (missing, already present, symlink out, …). */
  skipped: { file: string; reason: string }[];
}

/** File in the worktree's own git folder listing what was copied in; removed with the worktree. */
const COPIED_FILES_RECORD = "harness-copied-env-files";

/**
 * Copies `files` from `repoRoot` into `worktree` (both real paths). Safe to call again: files
 * already copied are reported as skipped ("already present in the worktree").
 */
export async function copyEnvFiles(
  repoRoot: string,
  worktree: string,
  files: readonly string[],
): Promise<EnvFileCopyResult> {
  const result: EnvFileCopyResult = { copied: [], skipped: [] };
  for (const relative of normalizeEnvFileNames(files)) {
    const reason = await copyOne(repoRoot, worktree, relative);
    if (reason === undefined) result.copied.push(relative);
    else result.skipped.push({ file: relative, reason });
  }
  return result;
}

/** The names `copyEnvFiles` ever copied into this worktree, for `commitAll` to leave out. */
export async function readCopiedEnvFiles(worktree: string): Promise<string[]> {
  const record = await recordPath(worktree);
  const text = await readFile(record, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return "";
    throw error;
  });
  return [...new Set(text.split("\n").filter((line) => line !== ""))];
}

/** Returns undefined when copied, else why not. */
async function copyOne(
  repoRoot: string,
  worktree: string,
  relative: string,
): Promise<string | undefined> {
  const source = path.join(repoRoot, relative);
  if (!(await exists(source))) return "not present in the repository";
  const realSource = await realpath(source).catch(() => undefined);
  if (realSource === undefined) return "a symlink whose target does not exist";
  if (!isInside(repoRoot, realSource)) return "a symlink that leads outside the repository";
  if (!(await stat(realSource)).isFile()) return "not a regular file";

  const destination = path.join(worktree, relative);
  if (await exists(destination)) return "already present in the worktree";
  // Judge the folder by where its nearest existing part really is, before creating anything:
  // a tracked symlink `config -> /etc` must not let `config/.env` land in /etc.
  const ancestor = await realpath(await nearestExistingAncestor(path.dirname(destination))).catch(
    () => undefined,
  );
  if (ancestor === undefined || !isInside(worktree, ancestor))
    return "its folder in the worktree leads outside it";
  await mkdir(path.dirname(destination), { recursive: true });

  // Record first: a crash between the two leaves a harmless extra name, never an unrecorded copy.
  await appendFile(await recordPath(worktree), `${relative}\n`);
  try {
    // COPYFILE_EXCL: never overwrite, and never write through a symlink (even a dangling one).
    await copyFile(realSource, destination, constants.COPYFILE_EXCL);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST")
      return "already present in the worktree";
    throw error;
  }
  return undefined;
}

/**
 * The names as relative paths with `/`; throws InputError for one that is absolute, leaves the
 * repository, or points into `.git/` or `.harness/` (check before creating anything).
 */
export function normalizeEnvFileNames(files: readonly string[]): string[] {
  return files.map(normalizeEnvFileName);
}

function normalizeEnvFileName(requested: string): string {
  const normalized = path.posix.normalize(requested.replaceAll("\\", "/"));
  const segments = normalized.split("/");
  if (
    requested.trim() === "" ||
    requested.includes("\0") ||
    path.isAbsolute(requested) ||
    path.posix.isAbsolute(normalized) ||
    segments.includes("..") ||
    normalized === "." ||
    segments.some((segment) => segment === ".git" || segment === ".harness")
  ) {
    throw new InputError(`env file name ${JSON.stringify(requested)} is not a file in the repo`, {
      hint: "list env files as paths relative to the repository root, e.g. .env.test",
    });
  }
  return normalized;
}

async function recordPath(worktree: string): Promise<string> {
  const gitDir = (await git(worktree, ["rev-parse", "--absolute-git-dir"])).trim();
  return path.join(gitDir, COPIED_FILES_RECORD);
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    if ((error as NodeJS.ErrnoException).code === "ENOTDIR") return false;
    throw error;
  }
}

async function nearestExistingAncestor(folder: string): Promise<string> {
  let current = folder;
  while (!(await exists(current))) {
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return current;
}

/** True when `candidate` is `root` or inside it (both absolute, real). */
export function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return (
    relative === "" ||
    (relative !== ".." && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
  );
}
