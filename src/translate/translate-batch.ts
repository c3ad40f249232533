/**
 * How a worker runs its batch: the documents one after another (a worker never has two model
 * requests out, so `--workers` caps the load on the backends), each one's outputs written and
 * its manifest entry recorded while the next one's requests run, and the next document
 * read ahead while the current one waits for the model. A document with a head start (its
 * request went out before the batch was claimed) takes that translation over. Document
 * failures are per document (`itemFailed`); an abort throws, so the fan-out gives the batch
 * back.
 */
import { itemDone, itemFailed, type ItemOutcome } from "../queue/fan-out.js";
import {
  DocumentError,
  translateDocument,
  writeOutputs,
  type DocumentContext,
  type DocumentResult,
} from "./translate-document.js";
import type { AdapterRegistry } from "./translate-files.js";
import type { HeadStarts, TranslatedDocument } from "./translate-head-start.js";
import { isEntryCurrent, type ManifestEntry, type ManifestWriter } from "./translate-manifest.js";
import type { DocumentReads } from "./translate-reads.js";
import { describeError, type Candidate, type DocumentUpdate } from "./translate-summary.js";

export interface BatchRunnerOptions {
  manifest: ManifestWriter;
  registry: AdapterRegistry;
  repoRoot: string;
  context: Omit<DocumentContext, "signal" | "onSegments">;
  /** Where documents are read ahead (CPU work, first documents of batches first). */
  reads: DocumentReads;
  /** Translations started before their batch was claimed. */
  headStarts?: HeadStarts;
  documentsTotal: number;
  /** Documents the manifest already had done (progress starts there). */
  documentsDoneBefore: number;
  onDocument?: (update: DocumentUpdate) => void;
}

/**
 * What a batch stores per document in the durable queue (a JSON value): small, because the
 * queue writes it at every batch's end; the manifest and `finishedHere` hold the details.
 */
export interface StoredDocumentOutcome {
  source: string;
  status: "translated" | "unchanged";
}

export interface BatchRunner {
  runBatch(
    items: readonly Candidate[],
    signal: AbortSignal,
  ): Promise<ItemOutcome<StoredDocumentOutcome>[]>;
  /** Documents this process translated and recorded (their batch may still be cut short). */
  finishedHere: ReadonlyMap<string, DocumentResult>;
}

export function createBatchRunner(options: BatchRunnerOptions): BatchRunner {
  const { manifest, context } = options;
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
  /** Reads a document ahead of its turn (`priority`: its position in its batch). */
  const readAhead = (candidate: Candidate, priority: number) => {
    if (options.headStarts?.has(candidate.file.relative) || isDone(candidate)) return;
    options.reads.prefetch(candidate, priority);
  };
  const onSegments = (count: number) => void (segmentsDone += count);

  /** The document translated: its head start's translation, or one made now. */
  const translate = async (
    candidate: Candidate,
    position: number,
    signal: AbortSignal,
  ): Promise<TranslatedDocument> => {
    const headStart = options.headStarts?.take(candidate.file.relative);
    if (headStart) {
      headStart.adopt(onSegments);
      return untilAborted(headStart.translation, signal);
    }
    const extracted = await options.reads.take(candidate, position);
    if ("error" in extracted) throw extracted.error;
    return translateDocument(
      candidate.file,
      adapterOf(candidate),
      { ...context, signal, onSegments },
      extracted,
    );
  };

  /**
   * One document of a batch. Its manifest entry is recorded in `records` (awaited before the
   * batch reports done), so the next document's request does not wait for the disk.
   */
  const runOne = async (
    candidate: Candidate,
    position: number,
    signal: AbortSignal,
    records: Promise<void>[],
  ): Promise<ItemOutcome<StoredDocumentOutcome>> => {
    const source = candidate.file.relative;
    if (isDone(candidate)) return itemDone({ source, status: "unchanged" });
    try {
      const { result, outputs } = await translate(candidate, position, signal);
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
      return itemDone({ source, status: "translated" });
    } catch (error) {
      if (signal.aborted) throw error;
      const message = describeError(error);
      records.push(
        manifest.record({
          source,
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
        source,
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
   * next document is read while the current one waits for the model, so parsing does not
   * hold up the requests; one ahead, not all, so the reads spread over the waits instead of
   * holding the thread (and an in-process router's sockets) in one long burst.
   */
  const runBatch = async (items: readonly Candidate[], signal: AbortSignal) => {
    const outcomes: ItemOutcome<StoredDocumentOutcome>[] = [];
    const records: Promise<void>[] = [];
    try {
      for (const [position, candidate] of items.entries()) {
        const following = items[position + 1];
        if (following) readAhead(following, position + 1);
        outcomes.push(await runOne(candidate, position, signal, records));
      }
    } finally {
      await Promise.allSettled(records);
    }
    await Promise.all(records);
    return outcomes;
  };

  return { runBatch, finishedHere };
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

/** `promise`, or the signal's reason as soon as it aborts (the work itself goes on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
