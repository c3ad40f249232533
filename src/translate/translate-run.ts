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
import { createPriorityLimiter } from "./priority-limiter.js";
import { createBatchRunner } from "./translate-batch.js";
import {
  extractDocument,
  type DocumentContext,
  type DocumentResult,
} from "./translate-document.js";
import { planDryRun } from "./translate-dry-run.js";
import { resolveSources, type AdapterRegistry, type SourceFile } from "./translate-files.js";
import {
  createManifestWriter,
  hashBytes,
  isEntryCurrent,
  loadManifest,
  manifestPath,
} from "./translate-manifest.js";
import { buildTranslationSystemPrompt } from "./translate-prompt.js";
import { prepareTranslationQueue, translationJobId } from "./translate-queue.js";
import {
  addTotals,
  describeError,
  type Candidate,
  type DocumentUpdate,
  type TranslateRunSummary,
} from "./translate-summary.js";

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
  const languageGlossary = glossaryFor(options.glossary, language);
  const system = buildTranslationSystemPrompt(language, options.from);
  const file = manifestPath(options.repoRoot, language);
  const manifest = createManifestWriter(file, await loadManifest(file, language));

  const exclude = options.outDir === undefined ? [] : [options.outDir];
  // The default output root holds other languages' translations: never sources.
  const defaultOutRoot = path.join(options.repoRoot, "translated");
  if (options.outDir !== undefined && path.dirname(options.outDir) === defaultOutRoot) {
    exclude.push(defaultOutRoot);
  }
  const resolved = await resolveSources(options.inputs, {
    cwd: options.cwd,
    repoRoot: options.repoRoot,
    registry: options.registry,
    exclude,
  });
  // Translations written next to their sources (in place, guide.pdf.md) are not sources.
  const outputsOfOthers = new Set(
    manifest
      .entries()
      .flatMap((entry) => entry.targets.filter((target) => target !== entry.source)),
  );
  resolved.files = resolved.files.filter((source) => !outputsOfOthers.has(source.relative));

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

  // Parsing is CPU work on the one thread: two at a time, first documents of batches first.
  const extractions = createPriorityLimiter(2);
  // Load the format readers (remark, parse5, ...) while the sources are hashed and the queue
  // prepared, for formats with a document the manifest does not have as done.
  const warmed = new Set<string>();
  const warmUp = (source: SourceFile) => {
    const adapter = options.registry.adapterFor(source.absolute)!;
    if (options.dryRun || warmed.has(adapter.format)) return;
    warmed.add(adapter.format);
    void extractions.schedule(-1, () =>
      extractDocument(source, adapter, adapterOptions).catch(() => undefined),
    );
  };
  for (const source of resolved.files) {
    if (manifest.get(source.relative)?.status !== "done") warmUp(source);
  }

  const hashes = await mapWithLimit(resolved.files, 16, async (source) => {
    try {
      return hashBytes(await readFile(source.absolute));
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
    const sourceHash = hashes[index];
    if (sourceHash === undefined) return;
    const current = isEntryCurrent(manifest.get(source.relative), sourceHash, options.repoRoot);
    candidates.push({ file: source, sourceHash, current });
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
  const batches = createBatchRunner({
    manifest,
    registry: options.registry,
    repoRoot: options.repoRoot,
    adapterOptions,
    context,
    extractions,
    documentsTotal: candidates.length,
    documentsDoneBefore: candidates.length - todo.length,
    ...(options.onDocument ? { onDocument: options.onDocument } : {}),
  });

  for (const candidate of todo) warmUp(candidate.file);

  const queue = await takeQueue();
  const prepareAndRun = async () => {
    await prepareTranslationQueue({
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
    return fanOut<Candidate, DocumentResult>({
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
    await manifest.flush().catch(() => undefined);
    await queue.close();
  }

  summary.batches = Math.ceil(candidates.length / options.batchSize);
  summary.workers = fanned.summary.concurrency;
  summary.aborted = fanned.summary.aborted;
  summary.unchanged = [];
  for (const [index, outcome] of fanned.results.entries()) {
    const source = candidates[index]!.file.relative;
    const finished = batches.finishedHere.get(source);
    if (outcome.status !== "done" && finished) {
      // Its batch was stopped or failed after this document was written and recorded.
      summary.translated.push(finished);
    } else if (outcome.status === "done") {
      const result = outcome.value;
      if (result.status === "translated" && batches.processedHere.has(source)) {
        summary.translated.push(result);
      } else {
        summary.unchanged.push(source);
      }
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
