/**
 * The file queue's view of pending/: which ids to try to claim, in claim order, without reading
 * every pending file on every claim.
 *
 * Pending files are summarized (priority, not_before, created) in a cache keyed by inode, size,
 * mtime and ctime. Claim works from a sorted candidate list rebuilt from a listing of pending/ at
 * most every SCAN_TTL_MS; each listing re-stats a window of REVALIDATE_PER_SCAN known files, so a
 * hand edit of a pending file's priority takes effect within about a second for a hundred pending
 * items (longer for more). The claimed file itself is always read fresh (by the driver), so edits
 * to title, body or data are never lost.
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
import {
  compareForClaim,
  summarizeRecord,
  type ItemRecord,
  type ItemSummary,
} from "./item-file.js";
import type { Claim } from "./types.js";

/** How long a pending listing is reused before claim lists the folder again. */
const SCAN_TTL_MS = 100;
/**
 * Pending files a scan re-stats (round robin) to notice edits made in place: all of them while
 * the queue is small, and about a thousand a second when it is not, whatever its size.
 */
const REVALIDATE_PER_SCAN = 100;

interface PendingEntry {
  key: string;
  summary?: ItemSummary;
  /** Put back by a claim (unreadable, or its id already runs): skipped until the file changes. */
  skip?: boolean;
  /** Local writes stamp the entry so a scan that listed the folder earlier keeps it. */
  generation: number;
}

/** The pending-file cache and the claim order derived from it, for one process. */
export class PendingCandidates {
  private readonly pending = new Map<string, PendingEntry>();
  private readonly claiming = new Set<string>();
  private candidates: string[] = [];
  private candidatesDirty = true;
  private nextReadyAtMs = Infinity;
  private generation = 0;
  private scansStarted = 0;
  private lastFinishedScan = 0;
  private scanAt = -Infinity;
  private revalidateFrom = 0;
  private scanning: Promise<void> | undefined;

  constructor(
    private readonly folder: FileQueueFolder,
    private readonly clock: { now(): number },
  ) {}

  /** The listing under way, if any (the driver's close waits for it). */
  get scanInProgress(): Promise<void> | undefined {
    return this.scanning;
  }

  /**
   * Offers candidates to `tryClaim` in claim order until it returns a claim; undefined once a
   * listing of pending/ made after this call started has nothing left to offer.
   */
  async claimFirst(tryClaim: (id: string) => Claim | undefined): Promise<Claim | undefined> {
    const scansBefore = this.scansStarted;
    for (;;) {
      const id = await this.nextCandidate(scansBefore);
      if (id === undefined) return undefined;
      this.claiming.add(id);
      try {
        const claim = tryClaim(id);
        if (claim) return claim;
      } finally {
        this.claiming.delete(id);
      }
    }
  }

  /** The next pending id to try; undefined once a listing made after `scansBefore` has none. */
  private async nextCandidate(scansBefore: number): Promise<string | undefined> {
    if (performance.now() - this.scanAt > SCAN_TTL_MS) await this.scan();
    for (;;) {
      if (this.candidatesDirty || this.clock.now() >= this.nextReadyAtMs) this.deriveCandidates();
      let id = this.candidates.shift();
      while (id !== undefined && this.claiming.has(id)) id = this.candidates.shift();
      if (id !== undefined) return id;
      if (this.lastFinishedScan > scansBefore) return undefined;
      await this.scan();
    }
  }

  private scan(): Promise<void> {
    this.scanning ??= this.runScan().finally(() => {
      this.scanning = undefined;
    });
    return this.scanning;
  }

  private async runScan(): Promise<void> {
    const number = ++this.scansStarted;
    const generation = this.generation;
    const startedAt = performance.now();
    const ids = (await readdir(path.join(this.folder.dir, "pending")))
      .map(idOfFileName)
      .filter((id): id is string => id !== undefined);
    // New names, plus a window of known ones that moves on with every scan.
    const from = this.revalidateFrom % Math.max(1, ids.length);
    const window = new Set(ids.slice(from, from + REVALIDATE_PER_SCAN));
    for (const id of ids.slice(0, Math.max(0, from + REVALIDATE_PER_SCAN - ids.length))) {
      window.add(id);
    }
    this.revalidateFrom = from + REVALIDATE_PER_SCAN;
    for (const [index, id] of ids.entries()) {
      if (index > 0 && index % FILES_PER_TURN === 0) await nextTurn();
      if (window.has(id) || !this.pending.has(id)) this.refresh(id);
    }
    const listed = new Set(ids);
    for (const [id, entry] of this.pending) {
      if (!listed.has(id) && entry.generation <= generation) this.pending.delete(id);
    }
    this.scanAt = startedAt;
    this.lastFinishedScan = number;
    this.candidatesDirty = true;
  }

  /**
   * Re-reads one pending file's summary when its stat changed. `skip`: the file was just put back
   * by a claim, so it is read again now and skipped until it changes.
   */
  refresh(id: string, skip = false): void {
    const file = this.folder.itemPath("pending", id);
    const stats = statIfExists(file);
    if (!stats) {
      this.pending.delete(id);
      return;
    }
    const key = statKey(stats);
    const entry = this.pending.get(id);
    if (entry?.key === key && !skip) return;
    const text = readIfExists(file);
    if (text === undefined) {
      this.pending.delete(id);
      return;
    }
    const parsed = this.folder.parse(text, id, stats.mtimeMs);
    this.pending.set(id, {
      key,
      generation: entry?.generation ?? 0,
      ...(parsed.ok ? { summary: summarizeRecord(parsed.record) } : {}),
      ...(skip ? { skip } : {}),
    });
    this.candidatesDirty = true;
  }

  /** Records a pending file this process just wrote, so its next claim sees it at once. */
  noteWritten(record: ItemRecord): void {
    this.pending.set(record.id, {
      key: "",
      summary: summarizeRecord(record),
      generation: ++this.generation,
    });
    this.candidatesDirty = true;
  }

  /**
   * Forgets an id that `claimFirst` offered and that left pending/ (claimed, or gone). It is
   * already off the candidate list, so the order is not rebuilt.
   */
  forgetOffered(id: string): void {
    this.pending.delete(id);
  }

  /** Forgets an id whose pending file was deleted, and rebuilds the order without it. */
  forget(id: string): void {
    this.pending.delete(id);
    this.candidatesDirty = true;
  }

  private deriveCandidates(): void {
    const now = this.clock.now();
    const ready: { id: string; summary: ItemSummary }[] = [];
    let nextReadyAtMs = Infinity;
    for (const [id, entry] of this.pending) {
      if (!entry.summary || entry.skip) continue;
      const notBefore = entry.summary.notBeforeMs ?? -Infinity;
      if (notBefore <= now) ready.push({ id, summary: entry.summary });
      else nextReadyAtMs = Math.min(nextReadyAtMs, notBefore);
    }
    this.candidates = ready.sort(compareForClaim).map((candidate) => candidate.id);
    this.nextReadyAtMs = nextReadyAtMs;
    this.candidatesDirty = false;
  }
}
