/**
 * Writes a file so that a reader (or a crash) sees the old content or the new, never half of
 * it: a temporary file in the same folder, renamed into place. An existing file keeps its mode
 * (an executable script stays executable).
 */
import { randomUUID } from "node:crypto";
import { chmod, mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";

/** Writes `content` to `absolutePath` (folders created); true when the file is new. */
export async function writeFileAtomically(absolutePath: string, content: string): Promise<boolean> {
  const folder = path.dirname(absolutePath);
  await mkdir(folder, { recursive: true });
  let mode: number | undefined;
  try {
    mode = (await stat(absolutePath)).mode & 0o7777;
  } catch {
    mode = undefined;
  }
  const temporary = path.join(folder, `.${path.basename(absolutePath)}.${randomUUID()}.tmp`);
  try {
    await writeFile(temporary, content, "utf8");
    if (mode !== undefined) await chmod(temporary, mode);
    await rename(temporary, absolutePath);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return mode === undefined;
}
