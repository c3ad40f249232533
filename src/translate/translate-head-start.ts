/**
 * Head starts: the first document of each batch the worker pool starts with is read and sent
 * to the model as soon as the queue is prepared, before the durable fan-out enqueues and claims
 * the batches (tens of milliseconds of file or Redis work per run, all before the first
 * request otherwise). The worker that claims the batch takes the translation over; nothing is
 * written or recorded before that, so the queue still decides who does what.
 *
 * A head start nobody takes (its batch was claimed by another process of the same job) is
 * stopped and dropped at the end of the run. Head starts run only when no other process holds
 * a batch of the job, one per worker at most, and the run's request slots keep the cap on
 * requests in flight whatever the order the batches are claimed in.
 */
import {
  translateDocument,
  type DocumentContext,
  type DocumentOutput,
  type DocumentResult,
} from "./translate-document.js";
import type { AdapterRegistry } from "./translate-files.js";
import type { DocumentReads } from "./translate-reads.js";
import type { Candidate } from "./translate-summary.js";

export interface TranslatedDocument {
  result: DocumentResult;
  outputs: DocumentOutput[];
}

export interface HeadStart {
  /** The document translated and rendered, not written. */
  translation: Promise<TranslatedDocument>;
  /** From now on its progress goes to `onSegments` (with what it counted before). */
  adopt(onSegments: (count: number) => void): void;
}

export interface HeadStarts {
  /** Starts the head starts (once). */
  start(options: HeadStartOptions): void;
  /** The head start of this document, if there is one; each is taken once. */
  take(source: string): HeadStart | undefined;
  /** Whether this document has a head start nobody took yet. */
  has(source: string): boolean;
  /**
   * Resolves once every head start has its first request out (or ended), or one of them
   * finished: the queue work can take the thread then.
   */
  launched(): Promise<void>;
  /** Stops every head start still running (the run is over) and waits for them. */
  dispose(): Promise<void>;
}

export interface HeadStartOptions {
  /** The run's documents in input order (batch `k` holds `k * batchSize` onwards). */
  candidates: readonly Candidate[];
  batchSize: number;
  /** How many batches to start: the workers. */
  count: number;
  reads: DocumentReads;
  registry: AdapterRegistry;
  context: Omit<DocumentContext, "signal" | "onSegments">;
  signal?: AbortSignal;
}

interface Running extends HeadStart {
  controller: AbortController;
  /** Settles once its first request is out (or it ended). */
  sent: Promise<unknown>;
}

export function createHeadStarts(): HeadStarts {
  const running = new Map<string, Running>();
  const all: Running[] = [];

  const begin = (first: Candidate, options: HeadStartOptions) => {
    const controller = new AbortController();
    const signal = options.signal
      ? AbortSignal.any([options.signal, controller.signal])
      : controller.signal;
    let counted = 0;
    let onSegments: (count: number) => void = (count) => void (counted += count);
    const read = options.reads.take(first, 0);
    const translation = read.then(async (extracted) => {
      if ("error" in extracted) throw extracted.error;
      return translateDocument(
        first.file,
        options.registry.adapterFor(first.file.absolute)!,
        { ...options.context, signal, onSegments: (count) => onSegments(count) },
        extracted,
      );
    });
    translation.catch(() => undefined);
    const entry: Running = {
      translation,
      controller,
      // The request leaves in the turn the read ends in; a macrotask later it is out.
      sent: read.then(() => new Promise((resolve) => setImmediate(resolve))),
      adopt(forward) {
        onSegments = forward;
        if (counted > 0) forward(counted);
        counted = 0;
      },
    };
    running.set(first.file.relative, entry);
    all.push(entry);
  };

  return {
    start(options) {
      if (all.length > 0 || options.signal?.aborted) return;
      const { candidates, batchSize } = options;
      for (let offset = 0; offset < candidates.length && all.length < options.count;) {
        const batch = candidates.slice(offset, offset + batchSize);
        offset += batchSize;
        const first = batch.find((candidate) => !candidate.current);
        if (first) begin(first, options);
      }
    },
    take(source) {
      const entry = running.get(source);
      running.delete(source);
      return entry;
    },
    has: (source) => running.has(source),
    async launched() {
      if (all.length === 0) return;
      await Promise.race([
        Promise.allSettled(all.map((entry) => entry.sent)),
        Promise.race(all.map((entry) => entry.translation.then(() => undefined))).catch(
          () => undefined,
        ),
      ]);
    },
    async dispose() {
      running.clear();
      for (const entry of all) entry.controller.abort(new Error("the run is over"));
      await Promise.allSettled(all.map((entry) => entry.translation));
    },
  };
}
