/**
 * The manifest records what `harness init` wrote and the hash of each file as written. A file whose
 * current hash still matches was not touched by the user, so a later version may upgrade it; a file
 * whose hash differs was edited and is kept. It is committed with the repo (in .claude/) so that
 * every clone upgrades the same way.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";

export const MANIFEST_PATH = ".claude/harness-manifest.json";

export interface Manifest {
  version: 1;
  /** The harness version that last wrote files. */
  harnessVersion: string;
  /** Day of the first `harness init` (YYYY-MM-DD); kept across runs so output stays stable. */
  createdOn: string;
  /** Repo-relative path (forward slashes) → sha256 of the content harness wrote. */
  files: Record<string, string>;
}

export function hashContent(content: string | Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

/** Reads the manifest; a missing or unreadable one means "nothing written by harness yet". */
export async function readManifest(root: string): Promise<Manifest | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(root, MANIFEST_PATH), "utf8");
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<Manifest>;
    if (value.version !== 1 || typeof value.files !== "object" || value.files === null) {
      return undefined;
    }
    return {
      version: 1,
      harnessVersion: String(value.harnessVersion ?? "0.0.0"),
      createdOn: String(value.createdOn ?? ""),
      files: Object.fromEntries(
        Object.entries(value.files).filter(
          (entry): entry is [string, string] => typeof entry[1] === "string",
        ),
      ),
    };
  } catch {
    // A corrupt manifest only costs upgrades: every existing file is then treated as the user's.
    return undefined;
  }
}

export function serializeManifest(manifest: Manifest): string {
  const files = Object.fromEntries(
    Object.entries(manifest.files).sort(([a], [b]) => a.localeCompare(b)),
  );
  return `${JSON.stringify({ ...manifest, files }, null, 2)}\n`;
}
