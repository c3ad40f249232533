/**
 * The documents of a run read ahead of their turn: a worker reads the next document of its
 * batch while the current one waits for the model. Reading is parsing, CPU work on the one
 * JavaScript thread, so it goes through a priority limiter (a document's position in its
 * batch): every worker's first document is read before anyone's second.
 *
 * A read is kept until its document's turn takes it, failures included (the turn reports it),
 * and started at most once per document.
 */
import { createPriorityLimiter } from "./priority-limiter.js";
import { extractDocument, type ReadDocument } from "./translate-document.js";
import type { AdapterRegistry } from "./translate-files.js";
import type { Candidate } from "./translate-summary.js";
import type { AdapterOptions } from "./types.js";

/** A document as read, or why it could not be. */
export type Extracted = ReadDocument | { error: unknown };

export interface DocumentReads {
  /** Starts reading `candidate` at `priority` unless it is read or being read already. */
  prefetch(candidate: Candidate, priority: number): void;
  /** The read of `candidate`: the one started ahead, or one started now at `priority`. */
  take(candidate: Candidate, priority: number): Promise<Extracted>;
}

export function createDocumentReads(options: {
  registry: AdapterRegistry;
  adapterOptions: AdapterOptions;
  /** Reads at once (parsing holds the thread: more only helps while one waits for the disk). */
  concurrency: number;
}): DocumentReads {
  const limiter = createPriorityLimiter(options.concurrency);
  const started = new Map<string, Promise<Extracted>>();

  const start = (candidate: Candidate, priority: number): Promise<Extracted> =>
    limiter.schedule(priority, () => {
      // The bytes kept from hashing serve one read; a second one (a retried batch) reads again.
      const bytes = candidate.bytes;
      delete candidate.bytes;
      return extractDocument(
        candidate.file,
        options.registry.adapterFor(candidate.file.absolute)!,
        options.adapterOptions,
        bytes,
      ).catch((error: unknown) => ({ error }));
    });

  return {
    prefetch(candidate, priority) {
      const key = candidate.file.relative;
      if (!started.has(key)) started.set(key, start(candidate, priority));
    },
    take(candidate, priority) {
      const key = candidate.file.relative;
      const read = started.get(key) ?? start(candidate, priority);
      started.delete(key);
      return read;
    },
  };
}
