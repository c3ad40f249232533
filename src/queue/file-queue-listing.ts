/**
 * Read-only views of the whole file queue: `list` (items with the files it could not read) and
 * `stats` (counts per state). Neither takes or moves a file; a file that moves while it is being
 * looked at is left out. Long listings let other work (lease renewals) run every FILES_PER_TURN
 * files.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";

import {
  FILES_PER_TURN,
  idOfFileName,
  nextTurn,
  readIfExists,
  statIfExists,
  statKey,
  type FileQueueFolder,
} from "./file-queue-fs.js";
import { compareForClaim, summarizeRecord, toQueueItem, type ItemSummary } from "./item-file.js";
import {
  isValidItemId,
  queueStates,
  type ListOptions,
  type ListResult,
  type QueueItem,
  type QueueProblem,
  type QueueStats,
} from "./types.js";

/** Pending by claim order, the other states newest first; unreadable files as problems. */
export async function listFileQueue(
  folder: FileQueueFolder,
  options: ListOptions = {},
): Promise<ListResult> {
  const states = options.state ? [options.state] : queueStates;
  const items: QueueItem[] = [];
  const problems: QueueProblem[] = [];
  for (const state of states) {
    const stateFolder = path.join(folder.dir, state);
    const names = (await readdir(stateFolder)).filter(
      (n) => n.endsWith(".md") && !n.startsWith("."),
    );
    const found: { item: QueueItem; summary: ItemSummary }[] = [];
    for (const [index, name] of names.entries()) {
      if (index > 0 && index % FILES_PER_TURN === 0) await nextTurn();
      const id = name.slice(0, -3);
      const file = path.join(stateFolder, name);
      if (!isValidItemId(id)) {
        problems.push({ id, location: file, message: "the file name is not a valid item id" });
        continue;
      }
      const stats = statIfExists(file);
      const text = stats && readIfExists(file);
      if (!stats || text === undefined) continue; // moved meanwhile
      const parsed = folder.parse(text, id, stats.mtimeMs);
      if (!parsed.ok) {
        problems.push({ id, location: file, message: parsed.message });
        continue;
      }
      const expiresAt = state === "running" ? stats.mtimeMs : undefined;
      const item = toQueueItem(parsed.record, state, expiresAt);
      found.push({ item, summary: summarizeRecord(parsed.record) });
    }
    if (state === "pending") {
      found.sort((a, b) => compareForClaim({ id: a.item.id, ...a }, { id: b.item.id, ...b }));
    } else {
      found.sort((a, b) => b.item.updatedAt.localeCompare(a.item.updatedAt));
    }
    items.push(...found.map((entry) => entry.item));
  }
  problems.sort((a, b) => a.location.localeCompare(b.location));
  return { items: options.limit === undefined ? items : items.slice(0, options.limit), problems };
}

/** Counts per state; remembers what each file said, so a repeat only reads files that changed. */
export class FileQueueCounter {
  private readonly cache = new Map<string, { key: string; ok: boolean; notBeforeMs?: number }>();

  constructor(
    private readonly folder: FileQueueFolder,
    private readonly clock: { now(): number },
  ) {}

  async count(): Promise<QueueStats> {
    const stats: QueueStats = {
      pending: 0,
      running: 0,
      done: 0,
      failed: 0,
      delayed: 0,
      corrupt: 0,
    };
    const now = this.clock.now();
    const seen = new Set<string>();
    for (const state of queueStates) {
      const stateFolder = path.join(this.folder.dir, state);
      const names = (await readdir(stateFolder)).filter(
        (n) => n.endsWith(".md") && !n.startsWith("."),
      );
      for (const [index, name] of names.entries()) {
        if (index > 0 && index % FILES_PER_TURN === 0) await nextTurn();
        const id = idOfFileName(name);
        if (!id) {
          stats.corrupt++;
          continue;
        }
        const file = path.join(stateFolder, name);
        const fileStats = statIfExists(file);
        if (!fileStats) continue;
        seen.add(file);
        let entry = this.cache.get(file);
        if (entry?.key !== statKey(fileStats)) {
          const text = readIfExists(file);
          if (text === undefined) continue;
          const parsed = this.folder.parse(text, id, fileStats.mtimeMs);
          const notBeforeMs = parsed.ok ? summarizeRecord(parsed.record).notBeforeMs : undefined;
          entry = {
            key: statKey(fileStats),
            ok: parsed.ok,
            ...(notBeforeMs !== undefined ? { notBeforeMs } : {}),
          };
          this.cache.set(file, entry);
        }
        if (!entry.ok) {
          stats.corrupt++;
          continue;
        }
        stats[state]++;
        if (state === "pending" && (entry.notBeforeMs ?? -Infinity) > now) stats.delayed++;
      }
    }
    for (const file of this.cache.keys()) if (!seen.has(file)) this.cache.delete(file);
    return stats;
  }
}
