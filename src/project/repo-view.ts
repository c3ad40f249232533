/**
 * A read-only view of the repository's file list that ecosystem detectors share: membership
 * checks without touching the disk, and cached reads of the few manifests they open.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";

/** Manifests bigger than this are not configuration a person wrote; skip rather than parse. */
const MAX_MANIFEST_BYTES = 2 * 1024 * 1024;

export interface RepoView {
  /** Absolute path of the repository root. */
  readonly root: string;
  /** Folder of this view relative to the repo root ("" for the root itself, else "web"). */
  readonly folder: string;
  /** Not-ignored files relative to this view's folder, sorted. */
  readonly files: readonly string[];
  has(file: string): boolean;
  /** Whether some file lies under `dir` (relative, no trailing slash). */
  hasDir(dir: string): boolean;
  /** The file's text, or undefined when it is unreadable, too big or not in the file list. */
  readText(file: string): Promise<string | undefined>;
}

/** A view of the repo root; `files` must be relative to `root` and already sorted. */
export function createRepoView(root: string, files: readonly string[]): RepoView {
  const cache = new Map<string, Promise<string | undefined>>();
  return createView(root, "", files, cache);
}

/** The same repo seen from one of its top-level folders, as if that folder were the root. */
export function createFolderView(rootView: RepoView, folder: string): RepoView {
  const prefix = `${folder}/`;
  const files = rootView.files
    .filter((file) => file.startsWith(prefix))
    .map((file) => file.slice(prefix.length));
  return createView(rootView.root, folder, files, new Map());
}

function createView(
  root: string,
  folder: string,
  files: readonly string[],
  cache: Map<string, Promise<string | undefined>>,
): RepoView {
  const fileSet = new Set(files);
  let dirs: Set<string> | undefined;
  return {
    root,
    folder,
    files,
    has: (file) => fileSet.has(file),
    hasDir(dir) {
      // Built on first use: most detections never ask.
      dirs ??= collectDirs(files);
      return dirs.has(dir);
    },
    readText(file) {
      if (!fileSet.has(file)) return Promise.resolve(undefined);
      let pending = cache.get(file);
      if (!pending) {
        pending = readSmallText(path.join(root, folder, file));
        cache.set(file, pending);
      }
      return pending;
    },
  };
}

function collectDirs(files: readonly string[]): Set<string> {
  const dirs = new Set<string>();
  for (const file of files) {
    let slash = file.indexOf("/");
    while (slash !== -1) {
      dirs.add(file.slice(0, slash));
      slash = file.indexOf("/", slash + 1);
    }
  }
  return dirs;
}

async function readSmallText(absolutePath: string): Promise<string | undefined> {
  try {
    const buffer = await readFile(absolutePath);
    if (buffer.length > MAX_MANIFEST_BYTES) return undefined;
    // Drop a UTF-8 byte-order mark: JSON.parse rejects it and editors on Windows add it.
    return buffer.toString("utf8").replace(/^\uFEFF/, "");
  } catch {
    return undefined;
  }
}
