/**
 * The batch translation engine behind `harness translate`: resolve the sources, skip what the
 * manifest says is done, split the rest into batches of at most `batchSize` documents, and run
 * them on at most `workers` workers through the durable fan-out (each worker translates its
 * batch's documents one after another, chunk by chunk), recording each document in the
 * manifest as it finishes. A dry run stops after extracting: it lists the work and estimates
 * the tokens, and writes nothing.
 *
 * Failures stay per document: an unsupported, unreadable or corrupt file, or a model call that
 * failed, is reported for that file and the others go on. Cancelling (Ctrl-C) stops new
 * documents; what finished is in the manifest and the outputs, and the next run picks up the
 * rest (`translate-queue.ts`).
 */
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import path from "node:path";
import type { HarnessConfig } from "../config/schema.js";
import { nullSink, type EventSink } from "../events.js";
import type { ModelClient } from "../models/model-client.js";
import { fanOut } from "../queue/fan-out.js";
import { QueueItemStateError } from "../queue/errors.js";
import type { Queue } from "../queue/types.js";
import { glossaryFor, type Glossary } from "./glossary.js";
import { createRequestSlots } from "./request-slots.js";
import { createBatchRunner, type StoredDocumentOutcome } from "./translate-batch.js";
import type { DocumentContext } from "./translate-document.js";
import { planDryRun } from "./translate-dry-run.js";
import { createHeadStarts } from "./translate-head-start.js";
import { resolveSources, type AdapterRegistry } from "./translate-files.js";
import {
  createManifestWriter,
  hashBytes,
  isEntryCurrent,
  loadManifest,
  manifestPath,
} from "./translate-manifest.js";
import { buildTranslationSystemPrompt } from "./translate-prompt.js";
import { prepareTranslationQueue, translationJobId } from "./translate-queue.js";
import { createDocumentReads } from "./translate-reads.js";
import {
  addTotals,
  describeError,
  type Candidate,
  type DocumentUpdate,
  type TranslateRunSummary,
} from "./translate-summary.js";
import type { FormatAdapter } from "./types.js";

export type {
  DocumentFailure,
  DocumentUpdate,
  FlaggedSegmentReport,
  PlannedDocument,
  TranslateRunSummary,
} from "./translate-summary.js";

export interface TranslateRunOptions {
  repoRoot: string;
  /** Where relative inputs are resolved from. */
  cwd: string;
  /** Files, folders or globs. */
  inputs: readonly string[];
  /** Target language code (BCP 47: "ko", "pt-BR"). */
  to: string;
  /** Source language code; undefined or "auto": the model detects it. */
  from?: string;
  /** Batches at once, or "auto" to follow `capacity` (at most `maxWorkers`). */
  workers: number | "auto";
  capacity?: () => Promise<number>;
  maxWorkers?: number;
  /** Documents per batch (per worker at a time). */
  batchSize: number;
  /** Absolute output folder; undefined translates in place. */
  outDir: string | undefined;
  glossary: Glossary;
  /** Model id or router alias. */
  model: string;
  config: HarnessConfig;
  /** Required unless `dryRun`. */
  client?: ModelClient;
  registry: AdapterRegistry;
  /** Opens the run's own queue (`openTranslationQueue`); closed by the engine. */
  openQueue: () => Promise<Queue>;
  dryRun?: boolean;
  signal?: AbortSignal;
  /** Fan-out events (batches, progress, ETA) for the reporter. */
  events?: EventSink;
  /** After each document ends (translated, failed or found unchanged). */
  onDocument?: (update: DocumentUpdate) => void;
  /** Durable fan-out timing (tests use short ones). */
  leaseMs?: number;
  pollMs?: number;
}

/** Source bytes kept from hashing to the first read of their documents, at most. */
const keptBytesBudget = 64 * 1024 * 1024;

export async function runTranslation(options: TranslateRunOptions): Promise<TranslateRunSummary> {
  // The queue opens (and its driver loads) while the sources are read; a dry run opens none.
  const opening = options.dryRun ? undefined : options.openQueue();
  opening?.catch(() => undefined);
  let taken = false;
  try {
    return await translateSources(options, () => {
      taken = true;
      return opening ?? options.openQueue();
    });
  } finally {
    if (!taken && opening) await opening.then((queue) => queue.close()).catch(() => undefined);
  }
}

async function translateSources(
  options: TranslateRunOptions,
  /** The run's queue; whoever calls it closes the queue. */
  takeQueue: () => Promise<Queue>,
): Promise<TranslateRunSummary> {
  const startedAt = new Date();
  const events = options.events ?? nullSink;
  const language = options.to;
  const translateConfig = options.config.translate;
  const adapterOptions = {
    frontMatterKeys: translateConfig.frontMatterKeys,
    htmlAttributes: translateConfig.htmlAttributes,
  };
  const chunking = {
    chunkTokens: translateConfig.chunkTokens,
    contextSegments: translateConfig.contextSegments,
  };
  const file = manifestPath(options.repoRoot, language);

  const exclude = options.outDir === undefined ? [] : [options.outDir];
  // The default output root holds other languages' translations: never sources.
  const defaultOutRoot = path.join(options.repoRoot, "translated");
  if (options.outDir !== undefined && path.dirname(options.outDir) === defaultOutRoot) {
    exclude.push(defaultOutRoot);
  }
  // The manifest and the sources are read at once (a broken manifest is still the error shown).
  const resolving = resolveSources(options.inputs, {
    cwd: options.cwd,
    repoRoot: options.repoRoot,
    registry: options.registry,
    exclude,
  });
  resolving.catch(() => undefined);
  const manifest = createManifestWriter(file, await loadManifest(file, language));
  const resolved = await resolving;
  // Translations written next to their sources (in place, guide.pdf.md) are not sources.
  const outputsOfOthers = new Set(
    manifest
      .entries()
      .flatMap((entry) => entry.targets.filter((target) => target !== entry.source)),
  );
  resolved.files = resolved.files.filter((source) => !outputsOfOthers.has(source.relative));
  // Load the format readers (remark, parse5, ...) the run needs while the sources are hashed
  // and the queue prepared: formats with a document the manifest does not have as done.
  const loading = new Set<FormatAdapter>();
  for (const source of resolved.files) {
    if (manifest.get(source.relative)?.status === "done") continue;
    loading.add(options.registry.adapterFor(source.absolute)!);
  }
  for (const adapter of loading) adapter.load?.().catch(() => undefined);

  const languageGlossary = glossaryFor(options.glossary, language);
  const system = buildTranslationSystemPrompt(language, options.from);

  const summary: TranslateRunSummary = {
    language,
    from: options.from ?? "auto",
    model: options.model,
    dryRun: options.dryRun === true,
    documents: resolved.files.length,
    translated: [],
    unchanged: [],
    failures: [],
    cancelled: [],
    problems: resolved.problems,
    skippedInFolders: resolved.skippedInFolders,
    segments: { total: 0, translated: 0, flagged: 0 },
    flagged: [],
    tokens: { input: 0, output: 0, cached: 0 },
    requests: 0,
    retries: 0,
    promptChars: 0,
    notes: {},
    batchSize: options.batchSize,
    batches: 0,
    workers: 0,
    ms: 0,
    startedAt: startedAt.toISOString(),
    aborted: false,
    manifest: path.relative(options.repoRoot, file).split(path.sep).join("/"),
  };

  // The bytes hashed are kept (up to a budget) for the document's first read: no second
  // trip to the disk when the worker gets to it, and the text translated is the text hashed.
  let keptBytes = 0;
  const reads = await mapWithLimit(resolved.files, 16, async (source) => {
    try {
      const bytes = await readFile(source.absolute);
      return { bytes, sourceHash: hashBytes(bytes) };
    } catch (error) {
      summary.failures.push({
        source: source.relative,
        error: `cannot read it: ${describeError(error)}`,
      });
      return undefined;
    }
  });
  const candidates: Candidate[] = [];
  resolved.files.forEach((source, index) => {
    const read = reads[index];
    if (read === undefined) return;
    const { bytes, sourceHash } = read;
    const current = isEntryCurrent(manifest.get(source.relative), sourceHash, options.repoRoot);
    const keep = !current && keptBytes + bytes.byteLength <= keptBytesBudget;
    if (keep) keptBytes += bytes.byteLength;
    candidates.push({ file: source, sourceHash, current, ...(keep ? { bytes } : {}) });
  });

  const finish = () => {
    summary.ms = Date.now() - startedAt.getTime();
    return summary;
  };

  if (options.dryRun) {
    await planDryRun(candidates, summary, {
      registry: options.registry,
      adapterOptions,
      chunking,
      system,
      languageGlossary,
    });
    return finish();
  }

  const todo = candidates.filter((candidate) => !candidate.current);
  for (const candidate of candidates) {
    if (candidate.current) summary.unchanged.push(candidate.file.relative);
  }
  if (todo.length === 0) return finish();
  if (!options.client) throw new Error("runTranslation needs a model client unless dryRun");

  // A fixed pool: its size caps the requests in flight, head starts included.
  const poolSize = typeof options.workers === "number" ? options.workers : undefined;
  const slots = poolSize === undefined ? undefined : createRequestSlots(poolSize);
  const context: Omit<DocumentContext, "signal" | "onSegments"> = {
    repoRoot: options.repoRoot,
    targets: { repoRoot: options.repoRoot, outDir: options.outDir },
    adapterOptions,
    chunking,
    translator: {
      client: options.client,
      model: options.model,
      models: options.config.models,
      system,
      glossary: languageGlossary,
      segmentRetries: translateConfig.segmentRetries,
      ...(slots ? { slots } : {}),
    },
  };

  // Every candidate is an item, done ones included: the job id (and so the batches) stay the
  // same when a killed run is started again, whatever it finished.
  const jobId = translationJobId(
    language,
    options.batchSize,
    candidates.map((c) => ({
      source: c.file.relative,
      sourceHash: c.sourceHash,
    })),
  );
  summary.jobId = jobId;
  // Parsing is CPU work on the one thread: one document at a time (the bytes are mostly in
  // memory already), the thread free in between, first documents of batches first.
  const documentReads = createDocumentReads({
    registry: options.registry,
    adapterOptions,
    concurrency: 1,
  });
  const headStarts = createHeadStarts();
  const batches = createBatchRunner({
    manifest,
    registry: options.registry,
    repoRoot: options.repoRoot,
    context,
    reads: documentReads,
    headStarts,
    documentsTotal: candidates.length,
    documentsDoneBefore: candidates.length - todo.length,
    ...(options.onDocument ? { onDocument: options.onDocument } : {}),
  });

  const queue = await takeQueue();
  const prepareAndRun = async () => {
    const prepared = await prepareTranslationQueue({
      queue,
      jobId,
      batchSize: options.batchSize,
      documents: candidates.length,
      needsWork: (index) => {
        const candidate = candidates[index]!;
        return !isEntryCurrent(
          manifest.get(candidate.file.relative),
          candidate.sourceHash,
          options.repoRoot,
        );
      },
      warn: (message) => events.emit({ type: "warning-raised", message }),
    });
    // The first requests leave now; enqueueing and claiming the batches comes after them.
    if (poolSize !== undefined && prepared.heldElsewhere === 0) {
      headStarts.start({
        candidates,
        batchSize: options.batchSize,
        count: poolSize,
        reads: documentReads,
        registry: options.registry,
        context,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    }
    await headStarts.launched();
    return fanOut<Candidate, StoredDocumentOutcome>({
      items: candidates,
      batchSize: options.batchSize,
      concurrency: options.workers,
      ...(options.capacity ? { capacity: options.capacity } : {}),
      ...(options.maxWorkers ? { maxConcurrency: options.maxWorkers } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      events,
      durable: {
        queue,
        jobId,
        ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
        ...(options.pollMs ? { pollMs: options.pollMs } : {}),
      },
      run: (batch, { signal }) => batches.runBatch(batch.items, signal),
    });
  };
  let fanned: Awaited<ReturnType<typeof prepareAndRun>>;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        fanned = await prepareAndRun();
        break;
      } catch (error) {
        // A process killed while it moved a batch leaves it in the file queue's claims folder
        // ("being moved"); recovery adopts it once it is a second old. Then start again.
        if (!(error instanceof QueueItemStateError) || attempt >= 10) throw error;
        options.signal?.throwIfAborted();
        await sleep(300);
        await queue.recoverExpired().catch(() => []);
      }
    }
  } finally {
    await headStarts.dispose();
    await manifest.flush().catch(() => undefined);
    await queue.close();
  }

  summary.batches = Math.ceil(candidates.length / options.batchSize);
  summary.workers = fanned.summary.concurrency;
  summary.aborted = fanned.summary.aborted;
  summary.unchanged = [];
  for (const [index, outcome] of fanned.results.entries()) {
    const source = candidates[index]!.file.relative;
    // Written and recorded here, whatever became of its batch after that.
    const finished = batches.finishedHere.get(source);
    if (finished) {
      summary.translated.push(finished);
    } else if (outcome.status === "done") {
      // Done in an earlier run, or by another process sharing the job.
      summary.unchanged.push(source);
    } else if (outcome.status === "failed") {
      summary.failures.push({ source, error: outcome.error });
    } else {
      summary.cancelled.push(source);
    }
  }
  addTotals(summary);
  return finish();
}

/** `map` over `items`, at most `limit` at a time, results in input order. */
async function mapWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
