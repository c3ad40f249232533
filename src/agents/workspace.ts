/**
 * Confinement of the built-in agent's tools to their workspace (a worktree). Every path a tool
 * takes goes through `resolveInWorkspace`, which answers with the real path it may touch or
 * throws a `ToolError` the model can read and act on. It refuses:
 *
 * - `..` escapes and absolute paths outside the root (an absolute path inside it is fine);
 * - symlinks, at any component, that lead outside, including dangling ones and a path that does
 *   not exist yet (judged by where its nearest existing ancestor really is);
 * - NUL bytes;
 * - `.harness/` (the harness's own state) for reads and writes, `.git/` internals for writes.
 *
 * It checks the file system at call time; a process racing the agent inside its own workspace
 * could still swap a folder for a symlink afterwards. The agent itself cannot: its only way to
 * make a symlink is `run_command`, whose commands run in the workspace anyway.
 */
import { lstat, readlink, realpath } from "node:fs/promises";
import path from "node:path";
import { ToolError, toToolError } from "./tool-error.js";

export interface ResolveInWorkspaceOptions {
  /** The path must exist (reads, edits, listings). */
  mustExist?: boolean;
  /** The caller will write there: `.git/` internals are refused too. */
  forWrite?: boolean;
}

/** Linux gives up after 40 symlinks in one lookup; so do we. */
const MAX_SYMLINK_HOPS = 40;

/** Folder names no tool may read or write: machine state that is not the agent's business. */
const MACHINE_STATE_FOLDER = ".harness";
const GIT_FOLDER = ".git";

/** Returns the absolute real path of `requested` inside the workspace `root`, or throws. */
export async function resolveInWorkspace(
  root: string,
  requested: string,
  options: ResolveInWorkspaceOptions = {},
): Promise<string> {
  if (requested.includes("\0")) {
    throw new ToolError("path contains a NUL byte; use a plain path relative to the workspace");
  }
  if (requested.trim() === "") {
    throw new ToolError(
      "path is empty; use . for the workspace root or a path relative to the root",
    );
  }
  const realRoot = await realpath(root);
  const absolute = path.isAbsolute(requested);
  const lexical = path.resolve(realRoot, requested);
  const lexicallyInside = isInside(realRoot, lexical);
  if (!absolute && !lexicallyInside) {
    throw new ToolError(
      `path ${requested} is outside the workspace; use a path relative to the workspace root`,
    );
  }

  const resolved = await resolveRealPath(lexical, requested);
  if (!isInside(realRoot, resolved.path)) {
    throw new ToolError(
      absolute && !lexicallyInside
        ? `path ${requested} is outside the workspace (${realRoot}); use a path relative to the workspace root`
        : `path ${requested} leads outside the workspace through a symlink; only files inside the workspace can be used`,
    );
  }

  // Both the path as written and where it really leads: a symlink must not open a way in.
  const relatives = [path.relative(realRoot, resolved.path)];
  if (lexicallyInside) relatives.push(path.relative(realRoot, lexical));
  for (const relative of relatives) {
    const segments = relative.split(path.sep).map((segment) => segment.toLowerCase());
    if (segments.includes(MACHINE_STATE_FOLDER)) {
      throw new ToolError(
        `path ${requested} is inside ${MACHINE_STATE_FOLDER}/, the harness's own state; agents may not read or write it`,
      );
    }
    if (options.forWrite && segments.includes(GIT_FOLDER)) {
      throw new ToolError(
        `path ${requested} is inside ${GIT_FOLDER}/; change the repository with git commands through run_command, never by writing its internals`,
      );
    }
  }

  if (options.mustExist && !resolved.exists) {
    throw new ToolError(`path ${requested} does not exist; check the path with list_dir or glob`);
  }
  return resolved.path;
}

/** The workspace-relative form of a real path inside `root` (`.` for the root), with `/`. */
export function toWorkspaceRelative(root: string, absolutePath: string): string {
  const relative = path.relative(root, absolutePath);
  return relative === "" ? "." : relative.split(path.sep).join("/");
}

export function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return (
    relative === "" ||
    (relative !== ".." && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
  );
}

interface RealPath {
  path: string;
  exists: boolean;
}

/**
 * `realpath` that also answers for paths that do not exist yet: the real path of the nearest
 * existing ancestor plus the rest. A dangling symlink is followed to where it points, so a
 * write through it is judged by where the file would land.
 */
async function resolveRealPath(target: string, requested: string, hops = 0): Promise<RealPath> {
  try {
    return { path: await realpath(target), exists: true };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw toToolError(error, `path ${requested}`);
  }
  const parent = path.dirname(target);
  if (parent === target) return { path: target, exists: false };
  const realParent = await resolveRealPath(parent, requested, hops);
  const candidate = path.join(realParent.path, path.basename(target));
  let isSymlink = false;
  try {
    isSymlink = (await lstat(candidate)).isSymbolicLink();
  } catch {
    return { path: candidate, exists: false };
  }
  if (!isSymlink) return { path: candidate, exists: false };
  if (hops >= MAX_SYMLINK_HOPS) {
    throw new ToolError(`path ${requested} has too many levels of symlinks`);
  }
  const linkTarget = path.resolve(realParent.path, await readlink(candidate));
  return resolveRealPath(linkTarget, requested, hops + 1);
}
