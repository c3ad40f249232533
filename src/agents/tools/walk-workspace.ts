/**
 * Walks the files under a folder of the workspace for `glob` and `grep`. It never leaves the
 * workspace: symlinked folders are not entered (no loops, no escapes) and a symlinked file is
 * listed only when it really is a file inside the workspace. `.git` and `.harness` are never
 * entered; other folder names can be skipped by the caller (`node_modules`).
 */
import { readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { isInside, toWorkspaceRelative } from "../workspace.js";

/** Folders no walk enters: git's internals and the harness's own state. */
export const ALWAYS_SKIPPED_FOLDERS: ReadonlySet<string> = new Set([".git", ".harness"]);

/** Skipped unless the search asks for them by name. */
export const DEFAULT_SKIPPED_FOLDERS: ReadonlySet<string> = new Set(["node_modules"]);

export interface WalkedFile {
  /** Where to read it (the link's own path for a symlinked file; its target is inside). */
  absolutePath: string;
  /** Relative to the workspace root, with `/`. */
  workspacePath: string;
  /** Relative to the search's base folder (`base`, else `start`), with `/`. */
  searchPath: string;
}

export interface WalkOptions {
  /** The workspace root, a real path. */
  root: string;
  /** The folder to walk, a real path inside `root`. */
  start: string;
  /** What `searchPath` is relative to, when not `start` (a folder above it). */
  base?: string;
  /** Folder names not entered besides `.git` and `.harness`. */
  skippedFolders: ReadonlySet<string>;
  signal: AbortSignal;
}

/** Yields every file under `start`, folder by folder in name order. */
export async function* walkWorkspaceFiles(options: WalkOptions): AsyncGenerator<WalkedFile> {
  const pending = [options.start];
  while (pending.length > 0) {
    if (options.signal.aborted) return;
    const folder = pending.shift()!;
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      continue; // unreadable or vanished mid-walk: not the model's concern
    }
    entries.sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
    for (const entry of entries) {
      const absolutePath = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!ALWAYS_SKIPPED_FOLDERS.has(entry.name) && !options.skippedFolders.has(entry.name)) {
          pending.push(absolutePath);
        }
        continue;
      }
      if (entry.isSymbolicLink() && !(await isFileInside(options.root, absolutePath))) continue;
      if (!entry.isFile() && !entry.isSymbolicLink()) continue;
      yield {
        absolutePath,
        workspacePath: toWorkspaceRelative(options.root, absolutePath),
        searchPath: toWorkspaceRelative(options.base ?? options.start, absolutePath),
      };
    }
  }
}

async function isFileInside(root: string, link: string): Promise<boolean> {
  try {
    const target = await realpath(link);
    if (!isInside(root, target)) return false;
    const relative = path.relative(root, target).toLowerCase().split(path.sep);
    if (relative.some((segment) => ALWAYS_SKIPPED_FOLDERS.has(segment))) return false;
    return (await stat(target)).isFile();
  } catch {
    return false;
  }
}
