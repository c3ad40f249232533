/** Temporary folders for tests, removed by the returned cleanup (safe to call twice). */
import { mkdtemp, realpath, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** A fresh folder and the function that removes it. */
export interface TempDir {
  path: string;
  remove(): Promise<void>;
}

export async function createTempDir(prefix: string): Promise<TempDir> {
  // realpath: macOS hands out /var/... which git and Claude Code report as /private/var/...
  const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), `${prefix}-`)));
  return { path: dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
