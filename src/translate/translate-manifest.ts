/**
 * What a translation run remembers between runs, per target language:
 * `.harness/translate/<lang>/manifest.json`, one entry per source document (its hash, the
 * files written for it, segment counts, what was flagged). It is rewritten atomically (temp +
 * rename) as documents finish, so a run that is killed keeps everything it finished, and a
 * rerun skips a document whose source is unchanged and whose outputs are still there.
 *
 * Writes are grouped: documents that finish while a write is under way go into the next one,
 * so 25 workers finishing at once cost two writes, not 25. Each write reads the file again and
 * keeps the entries other processes added (several processes may share a job).
 */
import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { InputError } from "../errors.js";
import type { FlaggedSegment } from "./translate-chunk.js";
import type { DocumentFormat } from "./types.js";

export interface TokenCounts {
  input: number;
  output: number;
  cached: number;
}

export interface ManifestEntry {
  /** Repository-relative, `/`-separated. */
  source: string;
  /** sha256 of the source bytes this entry was made from. */
  sourceHash: string;
  status: "done" | "failed";
  format?: DocumentFormat;
  /** Repository-relative paths of the files written. */
  targets: string[];
  /** sha256 of each target as written (an in-place translation is recognised by it). */
  targetHashes: string[];
  segments: number;
  /** Segments the model translated (the rest kept their text: flagged or nothing to translate). */
  translated: number;
  flagged: FlaggedSegment[];
  tokens: TokenCounts;
  error?: string;
  /** ISO timestamp. */
  finishedAt: string;
}

export interface TranslationManifest {
  version: 1;
  language: string;
  documents: Record<string, ManifestEntry>;
}

/** `.harness/translate/<lang>`: the manifest and (file driver) the run's queue. */
export function translateStateDir(repoRoot: string, language: string): string {
  return path.join(repoRoot, ".harness", "translate", language);
}

export function manifestPath(repoRoot: string, language: string): string {
  return path.join(translateStateDir(repoRoot, language), "manifest.json");
}

export function hashBytes(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function emptyManifest(language: string): TranslationManifest {
  return { version: 1, language, documents: {} };
}

export async function loadManifest(file: string, language: string): Promise<TranslationManifest> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return emptyManifest(language);
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<TranslationManifest>;
    if (parsed.version !== 1 || typeof parsed.documents !== "object" || !parsed.documents) {
      throw new Error("not a version 1 translation manifest");
    }
    return { version: 1, language, documents: parsed.documents };
  } catch (error) {
    throw new InputError(
      `the translation manifest ${file} cannot be read: ${(error as Error).message}`,
      {
        hint: "delete it to translate every document again",
      },
    );
  }
}

/**
 * Whether `entry` still stands for the source as it is now: done, from these bytes (or, in
 * place, the bytes are our own output), with every target where the entry says.
 */
export function isEntryCurrent(
  entry: ManifestEntry | undefined,
  sourceHash: string,
  repoRoot: string,
): boolean {
  if (!entry || entry.status !== "done") return false;
  const fromSource = entry.sourceHash === sourceHash || entry.targetHashes.includes(sourceHash);
  return (
    fromSource &&
    entry.targets.length > 0 &&
    entry.targets.every((target) => existsSync(path.join(repoRoot, target)))
  );
}

export interface ManifestWriter {
  /** The entry as loaded or last recorded. */
  get(source: string): ManifestEntry | undefined;
  /** Every entry, as loaded or last recorded. */
  entries(): ManifestEntry[];
  /** Records an entry; resolves once a write holding it reached the disk. */
  record(entry: ManifestEntry): Promise<void>;
  /** Resolves when every recorded entry is on disk. */
  flush(): Promise<void>;
}

export function createManifestWriter(file: string, manifest: TranslationManifest): ManifestWriter {
  const documents = { ...manifest.documents };
  const mine = new Map<string, ManifestEntry>();
  // Generations: `recorded` counts entries recorded, `written` the ones a finished write holds.
  let recorded = 0;
  let written = 0;
  let loop: Promise<void> | undefined;

  const writeOnce = async () => {
    let onDisk: TranslationManifest;
    try {
      onDisk = await loadManifest(file, manifest.language);
    } catch {
      onDisk = emptyManifest(manifest.language);
    }
    const merged: TranslationManifest = {
      version: 1,
      language: manifest.language,
      documents: sortedByKey({ ...onDisk.documents, ...Object.fromEntries(mine) }),
    };
    await mkdir(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
    try {
      await writeFile(temporary, `${JSON.stringify(merged, null, 2)}\n`, "utf8");
      await rename(temporary, file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  };

  // One write at a time; entries recorded while one runs ride on the next.
  const writeLoop = (): Promise<void> =>
    (loop ??= (async () => {
      try {
        while (written < recorded) {
          const target = recorded;
          await writeOnce();
          written = target;
        }
      } finally {
        loop = undefined;
      }
    })());

  const waitFor = async (generation: number) => {
    while (written < generation) await writeLoop();
  };

  return {
    get: (source) => documents[source],
    entries: () => Object.values(documents),
    async record(entry) {
      documents[entry.source] = entry;
      mine.set(entry.source, entry);
      await waitFor(++recorded);
    },
    flush: () => waitFor(recorded),
  };
}

function sortedByKey<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}
