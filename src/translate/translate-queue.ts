/**
 * The durable queue a translation run hands its batches through. A durable fan-out needs a
 * queue of its own (it cannot filter claims), so each target language gets one next to the
 * repository's: `.harness/translate/<lang>/queue` with the file driver, the Redis queue
 * `<queue.name>-translate-<lang>` with Redis. Same settings (lease, attempts, backoff).
 *
 * The job id is derived from the run's inputs (language, batch size, every document and its
 * hash), so a run started again after a crash or a kill finds its batches: done ones are not
 * run again, and the ones a dead process held go back to pending at once (same machine) or
 * when their lease runs out. Before a run, `prepareTranslationQueue` clears what earlier jobs
 * left (their inputs changed) and reopens done batches whose documents need work again (an
 * output was deleted, a document failed).
 */
import { createHash } from "node:crypto";
import { hostname } from "node:os";
import path from "node:path";
import type { HarnessConfig } from "../config/schema.js";
import { InputError } from "../errors.js";
import type { EventSink } from "../events.js";
import { batchItemId } from "../queue/fan-out-durable.js";
import { openQueue, queueSettings } from "../queue/open-queue.js";
import type { Queue, QueueItem } from "../queue/types.js";
import { translateStateDir } from "./translate-manifest.js";

export async function openTranslationQueue(options: {
  config: HarnessConfig;
  repoRoot: string;
  language: string;
  events?: EventSink;
}): Promise<Queue> {
  const { config } = options;
  if (config.queue.driver === "redis") {
    const name = `${config.queue.name}-translate-${options.language.replace(/[^a-zA-Z0-9_.-]/g, "_")}`;
    return openQueue({
      config: { ...config, queue: { ...config.queue, name } },
      root: options.repoRoot,
      ...(options.events ? { events: options.events } : {}),
    });
  }
  const { createFileQueue } = await import("../queue/file-queue.js");
  return createFileQueue({
    dir: path.join(translateStateDir(options.repoRoot, options.language), "queue"),
    settings: queueSettings(config),
    ...(options.events ? { events: options.events } : {}),
  });
}

/** `translate-<lang>-<12 hex>`: the same inputs give the same id. */
export function translationJobId(
  language: string,
  batchSize: number,
  documents: ReadonlyArray<{ source: string; sourceHash: string }>,
): string {
  const hash = createHash("sha256")
    .update(JSON.stringify([language, batchSize, documents.map((d) => [d.source, d.sourceHash])]))
    .digest("hex")
    .slice(0, 12);
  const slug =
    language
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "x";
  return `translate-${slug}-${hash}`;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether a running item's holder is certainly gone: its lease ran out, or it was a process
 * of this machine that no longer exists (owners are `host:pid:worker`).
 */
function holderIsGone(item: QueueItem, now: number): boolean {
  const lease = item.lease;
  if (!lease) return true;
  if (Date.parse(lease.expiresAt) <= now) return true;
  const [host, pid] = lease.owner.split(":");
  const number = Number(pid);
  return host === hostname() && Number.isInteger(number) && number > 0 && number !== process.pid
    ? !isProcessAlive(number)
    : false;
}

export interface PrepareQueueOptions {
  queue: Queue;
  jobId: string;
  batchSize: number;
  documents: number;
  /** Whether the document at this input index still needs translating. */
  needsWork: (index: number) => boolean;
  warn?: (message: string) => void;
}

export interface PreparedQueue {
  /** This job's batches held by live workers of other processes (the job is shared). */
  heldElsewhere: number;
}

/**
 * Leaves the queue holding only this job's batches, each in a state that lets the fan-out do
 * what is left. Throws InputError when another job's batch is held by a live worker (another
 * translation to the same language is running).
 */
export async function prepareTranslationQueue(
  options: PrepareQueueOptions,
): Promise<PreparedQueue> {
  const { queue, jobId } = options;
  let heldElsewhere = 0;
  const now = Date.now();
  const listing = await queue.list();
  const ours = new Set(
    Array.from({ length: Math.ceil(options.documents / options.batchSize) }, (_, index) =>
      batchItemId(jobId, index),
    ),
  );
  for (const item of listing.items) {
    const mine = ours.has(item.id) && item.data.jobId === jobId;
    if (item.state === "running" && !holderIsGone(item, now)) {
      if (mine) {
        heldElsewhere++;
        continue;
      }
      throw new InputError(
        `another translation to this language is running (${item.id} is held by ${item.lease?.owner ?? "a worker"})`,
        { hint: "wait for it to finish, or stop it; its finished documents are kept" },
      );
    }
    if (!mine) {
      if (item.state === "running")
        await queue.cancel(item.id, "replaced by a new translation job");
      await queue.drop(item.id);
      continue;
    }
    if (item.state === "running") {
      // Its process died on this machine: back to pending now rather than after the lease.
      await queue.cancel(item.id, "its worker process is gone");
      await queue.retry(item.id);
      options.warn?.(`batch ${item.id} of a stopped run goes back to pending`);
      continue;
    }
    if (item.state === "done") {
      const offset = Number(item.data.offset);
      const count = Number(item.data.count);
      const reopen = Array.from({ length: count }, (_, position) => offset + position).some(
        (index) => options.needsWork(index),
      );
      if (reopen) await queue.retry(item.id);
    }
  }
  return { heldElsewhere };
}
