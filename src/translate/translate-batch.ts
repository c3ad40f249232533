/**
 * How a worker runs its batch: the documents one after another (a worker never has two model
 * requests out, so `--workers` caps the load on the backends), each one's outputs written and
 * its manifest entry recorded while the next one's requests run, and the next document
 * extracted ahead while the current one waits for the model. Document failures are per
 * document (`itemFailed`); an abort throws, so the fan-out gives the batch back.
 */
import { itemDone, itemFailed, type ItemOutcome } from "../queue/fan-out.js";
import type { PriorityLimiter } from "./priority-limiter.js";
import {
  DocumentError,
  extractDocument,
  translateDocument,
  writeOutputs,
  type DocumentContext,
  type DocumentResult,
  type ReadDocument,
} from "./translate-document.js";
import type { AdapterRegistry } from "./translate-files.js";
import { isEntryCurrent, type ManifestEntry, type ManifestWriter } from "./translate-manifest.js";
import { describeError, type Candidate, type DocumentUpdate } from "./translate-summary.js";
import type { AdapterOptions } from "./types.js";

export interface BatchRunnerOptions {
  manifest: ManifestWriter;
  registry: AdapterRegistry;
  repoRoot: string;
  adapterOptions: AdapterOptions;
  context: Omit<DocumentContext, "signal" | "onSegments">;
  /** Where extractions queue (CPU work, first documents of batches first). */
  extractions: PriorityLimiter;
  documentsTotal: number;
  /** Documents the manifest already had done (progress starts there). */
  documentsDoneBefore: number;
  onDocument?: (update: DocumentUpdate) => void;
}

export interface BatchRunner {
  runBatch(
    items: readonly Candidate[],
    signal: AbortSignal,
  ): Promise<ItemOutcome<DocumentResult>[]>;
  /** Documents this process started translating. */
  processedHere: ReadonlySet<string>;
  /** Documents this process translated and recorded (their batch may still be cut short). */
  finishedHere: ReadonlyMap<string, DocumentResult>;
}

type Extracted = ReadDocument | { error: unknown };

export function createBatchRunner(options: BatchRunnerOptions): BatchRunner {
  const { manifest, context } = options;
  const processedHere = new Set<string>();
  const finishedHere = new Map<string, DocumentResult>();
  let documentsDone = options.documentsDoneBefore;
  let segmentsDone = 0;
  const update = (
    entry: Omit<DocumentUpdate, "documentsDone" | "documentsTotal" | "segmentsDone">,
  ) =>
    options.onDocument?.({
      ...entry,
      documentsDone: ++documentsDone,
      documentsTotal: options.documentsTotal,
      segmentsDone,
    });

  const isDone = (candidate: Candidate) =>
    isEntryCurrent(manifest.get(candidate.file.relative), candidate.sourceHash, options.repoRoot);
  const adapterOf = (candidate: Candidate) => options.registry.adapterFor(candidate.file.absolute)!;
  /**
   * Extracts a document ahead of its turn (`priority`: its position in its batch); a failure
   * is kept for its turn to report.
   */
  const readAhead = (candidate: Candidate, priority: number): Promise<Extracted> | undefined =>
    isDone(candidate)
      ? undefined
      : options.extractions.schedule(priority, () =>
          extractDocument(candidate.file, adapterOf(candidate), options.adapterOptions).catch(
            (error: unknown) => ({ error }),
          ),
        );

  /**
   * One document of a batch. Its manifest entry is recorded in `records` (awaited before the
   * batch reports done), so the next document's request does not wait for the disk.
   */
  const runOne = async (
    candidate: Candidate,
    read: Promise<Extracted> | undefined,
    signal: AbortSignal,
    records: Promise<void>[],
  ): Promise<ItemOutcome<DocumentResult>> => {
    const entry = manifest.get(candidate.file.relative);
    if (isEntryCurrent(entry, candidate.sourceHash, options.repoRoot)) {
      return itemDone(resultFromEntry(entry!));
    }
    processedHere.add(candidate.file.relative);
    try {
      const extracted = await (read ?? readAhead(candidate, 0));
      if (extracted && "error" in extracted) throw extracted.error;
      const { result, outputs } = await translateDocument(
        candidate.file,
        adapterOf(candidate),
        { ...context, signal, onSegments: (count) => void (segmentsDone += count) },
        extracted,
      );
      // Written (then recorded) while the next document's request runs; the batch waits for it.
      records.push(
        writeOutputs(outputs)
          .then(() => manifest.record(entryFromResult(result)))
          .then(() => void finishedHere.set(result.source, result)),
      );
      update({
        source: result.source,
        status: "translated",
        segments: result.segments,
        flagged: result.flagged.length,
      });
      return itemDone(result);
    } catch (error) {
      if (signal.aborted) throw error;
      const message = describeError(error);
      records.push(
        manifest.record({
          source: candidate.file.relative,
          sourceHash: candidate.sourceHash,
          status: "failed",
          targets: [],
          targetHashes: [],
          segments: 0,
          translated: 0,
          flagged: [],
          tokens: { input: 0, output: 0, cached: 0 },
          error: message,
          finishedAt: new Date().toISOString(),
        }),
      );
      update({
        source: candidate.file.relative,
        status: "failed",
        segments: 0,
        flagged: 0,
        error: message,
      });
      // A document error is this file's problem; anything else may be the model's: both are
      // reported for the file, and the next run tries it again.
      return itemFailed(
        error instanceof DocumentError ? message : `translation failed: ${message}`,
      );
    }
  };

  /**
   * A batch, one document after another (a worker has at most one model request out). The
   * next document is extracted while the current one waits for the model, so parsing does not
   * hold up the requests.
   */
  const runBatch = async (items: readonly Candidate[], signal: AbortSignal) => {
    const outcomes: ItemOutcome<DocumentResult>[] = [];
    const records: Promise<void>[] = [];
    let next = readAhead(items[0]!, 0);
    try {
      for (const [position, candidate] of items.entries()) {
        const current = next;
        const following = items[position + 1];
        next = following ? readAhead(following, position + 1) : undefined;
        outcomes.push(await runOne(candidate, current, signal, records));
      }
    } finally {
      await Promise.allSettled([next, ...records]);
    }
    await Promise.all(records);
    return outcomes;
  };

  return { runBatch, processedHere, finishedHere };
}

function entryFromResult(result: DocumentResult): ManifestEntry {
  return {
    source: result.source,
    sourceHash: result.sourceHash,
    status: "done",
    ...(result.format ? { format: result.format } : {}),
    targets: result.targets,
    targetHashes: result.targetHashes,
    segments: result.segments,
    translated: result.translated,
    flagged: result.flagged,
    tokens: result.tokens,
    finishedAt: new Date().toISOString(),
  };
}

function resultFromEntry(entry: ManifestEntry): DocumentResult {
  return {
    source: entry.source,
    status: "unchanged",
    ...(entry.format ? { format: entry.format } : {}),
    sourceHash: entry.sourceHash,
    targets: entry.targets,
    targetHashes: entry.targetHashes,
    segments: entry.segments,
    translated: entry.translated,
    flagged: entry.flagged,
    requests: 0,
    retries: 0,
    tokens: { input: 0, output: 0, cached: 0 },
    promptChars: 0,
    notes: [],
    ms: 0,
  };
}
