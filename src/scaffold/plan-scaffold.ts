/**
 * Decides, file by file, what `harness init` does: create, update an untouched file, keep a file
 * the user edited, or overwrite it with --force. Pure except for reading the current files, so
 * --dry-run and the real run share every decision.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { FileAction } from "../events.js";
import { hashContent, type Manifest } from "./manifest.js";

export interface RenderedFile {
  /** Repo-relative, forward slashes. */
  path: string;
  content: string;
  /** Recorded in the manifest (false for files harness only edits, like .gitignore). */
  tracked: boolean;
}

export interface FileChange {
  path: string;
  action: FileAction;
  reason?: string;
  /** What would be on disk after the run (the rendered text, or the kept text). */
  content: string;
  tracked: boolean;
}

export interface ScaffoldPlan {
  changes: FileChange[];
  /** The manifest after the run. */
  manifest: Manifest;
  manifestChanged: boolean;
}

export interface PlanScaffoldOptions {
  root: string;
  files: readonly RenderedFile[];
  previous: Manifest | undefined;
  force: boolean;
  harnessVersion: string;
  createdOn: string;
}

export async function planScaffold(options: PlanScaffoldOptions): Promise<ScaffoldPlan> {
  const recorded = options.previous?.files ?? {};
  const nextFiles: Record<string, string> = { ...recorded };
  const changes: FileChange[] = [];

  for (const file of options.files) {
    const current = await readIfFile(path.join(options.root, file.path));
    const decision = decide(file, current, recorded[file.path], options.force);
    changes.push({ ...decision, path: file.path, tracked: file.tracked });
    if (file.tracked && decision.action !== "kept")
      nextFiles[file.path] = hashContent(file.content);
  }

  const manifest: Manifest = {
    version: 1,
    harnessVersion: options.harnessVersion,
    createdOn: options.createdOn,
    files: nextFiles,
  };
  const previous = options.previous;
  const manifestChanged =
    previous === undefined ||
    previous.harnessVersion !== manifest.harnessVersion ||
    previous.createdOn !== manifest.createdOn ||
    JSON.stringify(sortedEntries(previous.files)) !== JSON.stringify(sortedEntries(nextFiles));
  return { changes, manifest, manifestChanged };
}

function decide(
  file: RenderedFile,
  current: string | undefined | null,
  recordedHash: string | undefined,
  force: boolean,
): Omit<FileChange, "path" | "tracked"> {
  if (current === null) {
    return { action: "kept", reason: "a folder is in the way", content: "" };
  }
  if (current === undefined) return { action: "created", content: file.content };
  if (current === file.content) return { action: "unchanged", content: current };
  if (!file.tracked) {
    // Untracked files (.gitignore) are merged by their own rule before they get here.
    return { action: "updated", reason: "added what harness needs", content: file.content };
  }
  if (recordedHash !== undefined && hashContent(current) === recordedHash) {
    return { action: "updated", reason: "untouched since harness wrote it", content: file.content };
  }
  if (force) {
    return { action: "overwritten", reason: "--force", content: file.content };
  }
  return {
    action: "kept",
    reason: recordedHash === undefined ? "already existed before harness" : "modified by you",
    content: current,
  };
}

/** The file's text; undefined when absent; null when a folder (or other non-file) is there. */
async function readIfFile(file: string): Promise<string | undefined | null> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "EISDIR") return null;
    throw error;
  }
}

function sortedEntries(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
}
