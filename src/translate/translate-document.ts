/**
 * One document from source bytes to its translation: the adapter extracts its segments, the
 * chunks go through the model one after another (a worker never has two requests out, so
 * `--workers` caps the load on the backends), the adapter renders the translations (flagged
 * segments keep their source text), and every output file is written atomically (temp +
 * rename): a killed run leaves either the old file or the new one, never half of it.
 */
import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { InputError, isHarnessError } from "../errors.js";
import { needsTranslation, planChunks, type ChunkingOptions } from "./chunking.js";
import {
  translateChunk,
  type ChunkTranslatorOptions,
  type FlaggedSegment,
} from "./translate-chunk.js";
import { toPosix, targetPathFor, type SourceFile, type TargetOptions } from "./translate-files.js";
import { hashBytes, type TokenCounts } from "./translate-manifest.js";
import type { AdapterOptions, DocumentFormat, ExtractedDocument, FormatAdapter } from "./types.js";

/** What translating one document gave: the summary's entry, and its manifest entry's source. */
export interface DocumentResult {
  source: string;
  status: "translated" | "unchanged";
  format?: DocumentFormat;
  sourceHash: string;
  /** Repository-relative paths written (or, unchanged, written by an earlier run). */
  targets: string[];
  /** sha256 of each target's bytes. */
  targetHashes: string[];
  segments: number;
  /** Segments the model translated. */
  translated: number;
  flagged: FlaggedSegment[];
  requests: number;
  /** Segment retries (a segment sent again counts once per retry). */
  retries: number;
  tokens: TokenCounts;
  /** Characters of the prompts sent (for the bench and estimates). */
  promptChars: number;
  /** What the format loses (PDF: layout, images). */
  notes: string[];
  ms: number;
}

export interface DocumentContext {
  repoRoot: string;
  targets: TargetOptions;
  adapterOptions: AdapterOptions;
  chunking: ChunkingOptions;
  translator: Omit<ChunkTranslatorOptions, "sessionId" | "signal">;
  signal?: AbortSignal;
  /** After each chunk: segments finished in it (translated or flagged). */
  onSegments?: (count: number) => void;
}

/** Thrown for a document that cannot be translated (corrupt, unreadable): report and go on. */
export class DocumentError extends InputError {}

/** Writes bytes so that a reader or a crash sees the old file or the new one, never half. */
export async function writeBytesAtomically(file: string, bytes: Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID()}.tmp`);
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export interface ReadDocument {
  bytes: Uint8Array;
  document: ExtractedDocument;
}

export async function extractDocument(
  source: SourceFile,
  adapter: FormatAdapter,
  options: AdapterOptions,
  bytes?: Uint8Array,
): Promise<ReadDocument> {
  let content = bytes;
  try {
    content ??= await readFile(source.absolute);
  } catch (error) {
    throw new DocumentError(`cannot read ${source.relative}: ${(error as Error).message}`);
  }
  try {
    return { bytes: content, document: await adapter.extract(content, options) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const reason = isHarnessError(error)
      ? message
      : `the ${adapter.format} reader failed: ${message}`;
    throw new DocumentError(`${source.relative}: ${reason}`, {
      hint: "check that the file opens in its usual application; the other documents go on",
    });
  }
}

/** A file to write: absolute path and bytes. */
export interface DocumentOutput {
  path: string;
  bytes: Uint8Array;
}

/**
 * Translates one document and renders its outputs; `writeOutputs` writes them (the engine does
 * that off the path of the next request). `read` is the document already extracted (the engine
 * reads the next document of a batch while this one waits for the model).
 */
export async function translateDocument(
  source: SourceFile,
  adapter: FormatAdapter,
  context: DocumentContext,
  read?: ReadDocument,
): Promise<{ result: DocumentResult; outputs: DocumentOutput[] }> {
  const startedAt = Date.now();
  const { bytes, document } =
    read ?? (await extractDocument(source, adapter, context.adapterOptions));
  const sourceHash = hashBytes(bytes);
  const todo = document.segments.filter(needsTranslation);
  const chunks = planChunks(todo, context.chunking, document.segments);
  const translations = new Map<number, string>();
  const result: DocumentResult = {
    source: source.relative,
    status: "translated",
    format: document.format,
    sourceHash,
    targets: [],
    targetHashes: [],
    segments: document.segments.length,
    translated: 0,
    flagged: [],
    requests: 0,
    retries: 0,
    tokens: { input: 0, output: 0, cached: 0 },
    promptChars: 0,
    notes: document.notes,
    ms: 0,
  };
  const sessionId = `translate-${sourceHash.slice(0, 16)}`;
  for (const chunk of chunks) {
    context.signal?.throwIfAborted();
    const done = await translateChunk(chunk, {
      ...context.translator,
      sessionId,
      ...(context.signal ? { signal: context.signal } : {}),
    });
    for (const [index, text] of done.translations) translations.set(index, text);
    result.flagged.push(...done.flagged);
    result.requests += done.requests;
    result.retries += done.retries;
    result.tokens.input += done.usage.inputTokens;
    result.tokens.output += done.usage.outputTokens;
    result.tokens.cached += done.usage.cachedTokens;
    result.promptChars += done.promptChars;
    context.onSegments?.(chunk.segments.length);
  }
  result.translated = translations.size;
  const texts = document.segments.map((segment) => translations.get(segment.index) ?? segment.text);
  let files: Awaited<ReturnType<ExtractedDocument["render"]>>;
  try {
    files = await document.render(texts);
  } catch (error) {
    throw new DocumentError(
      `${source.relative}: the ${adapter.format} writer failed: ${(error as Error).message}`,
    );
  }
  context.signal?.throwIfAborted();
  const outputs: DocumentOutput[] = [];
  for (const file of files) {
    const target = targetPathFor(source, file.extension, context.targets);
    outputs.push({ path: target, bytes: file.bytes });
    result.targets.push(toPosix(path.relative(context.repoRoot, target)));
    result.targetHashes.push(hashBytes(file.bytes));
  }
  result.ms = Date.now() - startedAt;
  return { result, outputs };
}

/** Writes a document's outputs, each atomically. */
export async function writeOutputs(outputs: readonly DocumentOutput[]): Promise<void> {
  for (const output of outputs) await writeBytesAtomically(output.path, output.bytes);
}
