/**
 * Finds the folder that holds skills/, commands/ and agents/. The user may point at a repo (we
 * look in its `.claude/`) or at the `.claude` folder itself; a plugin folder has the same layout
 * and works too.
 */
import { stat } from "node:fs/promises";
import path from "node:path";

export const CLAUDE_ITEM_FOLDERS = ["skills", "commands", "agents"] as const;

/** Where the items live, and the base that diagnostic paths are relative to. */
export interface ClaudeDirLocation {
  /** Absolute path of the directory the user pointed at. */
  base: string;
  /** Absolute path of the folder holding skills/, commands/ and agents/. */
  root: string;
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

async function holdsItemFolders(dir: string): Promise<boolean> {
  for (const folder of CLAUDE_ITEM_FOLDERS) {
    if (await isDirectory(path.join(dir, folder))) return true;
  }
  return false;
}

/** Undefined when neither `dir/.claude` nor `dir` has a skills/, commands/ or agents/ folder. */
export async function resolveClaudeDir(dir: string): Promise<ClaudeDirLocation | undefined> {
  const base = path.resolve(dir);
  for (const root of [path.join(base, ".claude"), base]) {
    if (await holdsItemFolders(root)) return { base, root };
  }
  return undefined;
}

/** A path for people and JSON: relative to what the user pointed at, "/" on every platform. */
export function toDisplayPath(location: ClaudeDirLocation, file: string): string {
  return path.relative(location.base, file).split(path.sep).join("/");
}

/** Says which of the two reasons applies, naming the folder as the user wrote it (`shownAs`). */
export async function describeMissingClaudeDir(dir: string, shownAs: string): Promise<string> {
  if (!(await isDirectory(dir))) return `${shownAs} is not a directory`;
  return `no skills, commands or agents in ${shownAs}: neither it nor its .claude/ folder has a skills/, commands/ or agents/ folder`;
}
