/**
 * The file queue's folder and the file primitives every move is made of (`file-queue.ts` has the
 * overview of the design). Under `<dir>`: the four state folders and two private ones, `.claims/`
 * (files taken out of a state folder by one process while it moves them) and `.tmp/` (files
 * being written).
 *
 * - Every whole-file write goes to `.tmp/` first and appears in a state folder by `link`
 *   (pending and running: atomic create-if-absent, so nothing a person wrote is overwritten)
 *   or `rename` (done and failed). A reader never sees half a file. No fsync: the queue survives
 *   a killed process, not a power cut (a crash of the machine may lose the last moves).
 * - To change a file, a process first takes it by renaming it into
 *   `.claims/<id>@<from>.<pid>.<nonce>`. Rename is atomic, so exactly one process wins (ENOENT
 *   for the others). It then writes the item's next file, places it, and deletes what it took.
 *   A process killed between two of those steps leaves an orphan in `.claims/`, which recovery
 *   (file-queue-recovery.ts) adopts.
 * - The lease clock is the running file's mtime, which holds the moment the lease ends (set with
 *   utimes from the queue's clock). Renewing does not rewrite the file: it opens it, checks that
 *   the token in it is the claim's, sets the mtime through that descriptor (so no other inode can
 *   be touched, and the open descriptor keeps the inode number from being reused) and checks the
 *   path still names that inode, else `LeaseLostError`. Complete, fail and release look at the
 *   token, take the file into `.claims/` and check the token in the file now in hand (else they
 *   put it back and throw `LeaseLostError`). A file that was moved away, cancelled, recovered or
 *   replaced therefore never accepts the old holder's result.
 *
 * Changes from the first sketch of this design, and why:
 * - mtime instead of ctime as the lease clock: ctime cannot be set, so an injected clock could
 *   not drive leases in tests, and storing the end (not the start) lets `renew(claim, leaseMs)`
 *   change the lease length without rewriting the file.
 * - Ownership is proven by the token inside the file rather than by the inode number alone:
 *   file systems reuse the inode numbers of deleted files, and recovery deletes them all the time.
 * - Item files are small and local, so they are read, written, renamed and linked with the
 *   synchronous fs calls inside the driver's async methods. Each takes microseconds, while the
 *   promise API costs a thread-pool round trip per call (reading an item file: 5 µs sync,
 *   50-65 µs with fs.promises.readFile, measured here); with it the driver stayed under the
 *   target of 1,000 claim+complete a second. Directory listings stay async. The cost: a stalled
 *   disk stalls the event loop of a process using the queue.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fstatSync,
  futimesSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  type Stats,
} from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { ConfigError } from "../errors.js";
import { CorruptItemError, LeaseLostError } from "./errors.js";
import {
  parseItemFile,
  serializeItemFile,
  toQueueItem,
  type ItemRecord,
  type ParsedItemFile,
} from "./item-file.js";
import {
  isValidItemId,
  queueStates,
  type Claim,
  type QueueItem,
  type QueueState,
} from "./types.js";

export const CLAIMS = ".claims";
export const TMP = ".tmp";
/** Files read in one go before a long listing lets other work (renewals) run. */
export const FILES_PER_TURN = 256;
/** How often an operation retries when the item moves under it. */
export const MOVE_RETRIES = 40;

/** `.claims/` names: `<id>@<from>.<pid>.<nonce>` (see `grabPath`). */
export const grabNamePattern = /^(.+)@(pending|running|done|failed)\.(\d+)\.[0-9a-z]+$/;
/** `.tmp/` names: `<pid>.<nonce>.tmp` (see `tmpPath`). */
export const tmpNamePattern = /^(\d+)\.[0-9a-z]+\.tmp$/;

/** An item as read from the state folder that holds it. */
export interface Located {
  state: QueueState;
  item: QueueItem;
}

export function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

export function ignoreMissing(error: unknown): undefined {
  if (errorCode(error) === "ENOENT") return undefined;
  throw error;
}

export function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    ignoreMissing(error);
  }
}

export function statIfExists(file: string): Stats | undefined {
  return statSync(file, { throwIfNoEntry: false });
}

export function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    return ignoreMissing(error);
  }
}

/** Changes whenever the file is replaced or edited in place. */
export function statKey(stats: Stats): string {
  return `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

// Unique names and lease tokens: a random prefix per process and a counter. They need to be
// unique, not secret; the counter spares a crypto call per file on the claim path.
const processNonce = randomBytes(8).toString("hex");
let nonceCounter = 0;

export function nonce(): string {
  return `${processNonce}${(nonceCounter++).toString(36)}`;
}

/** Lets the event loop run other callbacks (lease renewals) during a long synchronous walk. */
export function nextTurn(): Promise<void> {
  return new Promise((done) => setImmediate(done));
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** `<id>.md` → id; undefined for other files (editor backups, dotfiles) and invalid ids. */
export function idOfFileName(name: string): string | undefined {
  if (name.startsWith(".") || !name.endsWith(".md")) return undefined;
  const id = name.slice(0, -3);
  return isValidItemId(id) ? id : undefined;
}

function lost(id: string, detail: string): LeaseLostError {
  return new LeaseLostError(id, detail);
}

function notRunning(id: string): LeaseLostError {
  return lost(
    id,
    "it is no longer in running/ (finished, cancelled, moved by hand, or taken back after its lease ran out)",
  );
}

export interface FileQueueFolderOptions {
  /** An absolute path. */
  dir: string;
  /** Stands in for a missing `max_attempts` when a file is parsed. */
  maxAttempts: number;
  clock: { now(): number };
  /** Called after `moveGrabbed` placed a file in pending/ (the candidate cache notes it). */
  onPendingPlaced: (record: ItemRecord) => void;
}

/** One queue folder: paths, atomic writes, grabs into `.claims/`, reads and lease checks. */
export class FileQueueFolder {
  readonly dir: string;
  private readonly maxAttempts: number;
  private readonly clock: { now(): number };
  private readonly onPendingPlaced: (record: ItemRecord) => void;

  constructor(options: FileQueueFolderOptions) {
    this.dir = options.dir;
    this.maxAttempts = options.maxAttempts;
    this.clock = options.clock;
    this.onPendingPlaced = options.onPendingPlaced;
  }

  /** Creates the folders and checks the file system can hard-link (claims depend on it). */
  async prepare(): Promise<void> {
    for (const folder of [...queueStates, CLAIMS, TMP]) {
      await mkdir(path.join(this.dir, folder), { recursive: true });
    }
    const probe = this.writeTemp("link probe\n");
    const probeLink = this.tmpPath();
    try {
      linkSync(probe, probeLink);
    } catch (error) {
      throw new ConfigError(`The queue folder ${this.dir} does not support hard links`, {
        hint: "Put the repository on a local POSIX file system (ext4, APFS, btrfs, xfs, tmpfs).",
        cause: error,
      });
    } finally {
      removeQuietly(probe);
      removeQuietly(probeLink);
    }
  }

  // ---- paths and file primitives -------------------------------------------------------------

  itemPath(state: QueueState, id: string): string {
    return path.join(this.dir, state, `${id}.md`);
  }

  grabPath(id: string, from: QueueState): string {
    return path.join(this.dir, CLAIMS, `${id}@${from}.${process.pid}.${nonce()}`);
  }

  private tmpPath(): string {
    return path.join(this.dir, TMP, `${process.pid}.${nonce()}.tmp`);
  }

  writeTemp(text: string, mtimeMs?: number): string {
    const file = this.tmpPath();
    writeFileSync(file, text, { encoding: "utf8", flag: "wx" });
    if (mtimeMs !== undefined) utimesSync(file, new Date(mtimeMs), new Date(mtimeMs));
    return file;
  }

  /** Moves a temp file into a state folder; pending and running never overwrite. */
  place(tmp: string, state: QueueState, id: string): "placed" | "exists" {
    const target = this.itemPath(state, id);
    if (state === "done" || state === "failed") {
      renameSync(tmp, target);
      return "placed";
    }
    try {
      linkSync(tmp, target);
      return "placed";
    } catch (error) {
      if (errorCode(error) === "EEXIST") return "exists";
      throw error;
    } finally {
      removeQuietly(tmp);
    }
  }

  /** Takes `<state>/<id>.md` into `.claims/`; undefined when it is not there (any more). */
  grab(state: QueueState, id: string): string | undefined {
    const grabbed = this.grabPath(id, state);
    try {
      renameSync(this.itemPath(state, id), grabbed);
      return grabbed;
    } catch (error) {
      return ignoreMissing(error);
    }
  }

  /** Puts a taken file back; if the id reappeared there meanwhile, that copy wins. */
  restore(grabbed: string, state: QueueState, id: string): void {
    try {
      linkSync(grabbed, this.itemPath(state, id));
    } catch (error) {
      if (errorCode(error) !== "EEXIST") throw error;
    }
    removeQuietly(grabbed);
  }

  /** Writes `record` as the item's file in `to` and deletes the taken file it came from. */
  moveGrabbed(grabbed: string, from: QueueState, record: ItemRecord, to: QueueState): void {
    let tmp: string;
    try {
      tmp = this.writeTemp(serializeItemFile(record, to));
    } catch (error) {
      this.restoreQuietly(grabbed, from, record.id);
      throw error;
    }
    this.place(tmp, to, record.id);
    removeQuietly(grabbed);
    if (to === "pending") this.onPendingPlaced(record);
  }

  /** restore() on an error path, where the first error is the one to report. */
  restoreQuietly(grabbed: string, state: QueueState, id: string): void {
    try {
      this.restore(grabbed, state, id);
    } catch {
      // left in .claims/: recovery adopts it once this process is gone
    }
  }

  parse(text: string, id: string, fallbackMs: number): ParsedItemFile {
    return parseItemFile(text, id, {
      maxAttempts: this.maxAttempts,
      fallbackTime: iso(fallbackMs),
    });
  }

  corrupt(file: string, message: string): CorruptItemError {
    return new CorruptItemError(`Queue item file ${file} is corrupt: ${message}.`, {
      hint: "Fix its frontmatter by hand, or remove it with `harness queue drop <id>`.",
    });
  }

  // ---- reading -------------------------------------------------------------------------------

  /** Reads `<state>/<id>.md`; undefined when absent, CorruptItemError when unreadable. */
  private readState(state: QueueState, id: string): Located | undefined {
    const file = this.itemPath(state, id);
    const stats = statIfExists(file);
    const text = stats && readIfExists(file);
    if (!stats || text === undefined) return undefined;
    const parsed = this.parse(text, id, stats.mtimeMs);
    if (!parsed.ok) throw this.corrupt(file, parsed.message);
    const expiresAt = state === "running" ? stats.mtimeMs : undefined;
    return { state, item: toQueueItem(parsed.record, state, expiresAt) };
  }

  /** The names in `.claims/` that hold `id` (being moved right now, or orphaned). */
  async inClaims(id: string): Promise<string[]> {
    const names = await readdir(path.join(this.dir, CLAIMS));
    return names.filter((name) => name.startsWith(`${id}@`));
  }

  /**
   * Finds an item in whichever folder holds it, following it when it moves during the search.
   * `inFlight` reports an item that stays in `.claims/` (being moved, or orphaned).
   */
  async locate(id: string): Promise<Located | { inFlight: true } | undefined> {
    for (let round = 0; round < MOVE_RETRIES; round++) {
      for (const state of queueStates) {
        const found = this.readState(state, id);
        if (found) return found;
      }
      if ((await this.inClaims(id)).length === 0) {
        if (round > 0) return undefined;
        continue; // one more pass: it may have moved between folders while we looked
      }
      await sleep(5);
    }
    return { inFlight: true };
  }

  existsInAnyState(id: string): boolean {
    return queueStates.some((state) => statIfExists(this.itemPath(state, id)) !== undefined);
  }

  // ---- the lease: token checks and the mtime clock -------------------------------------------

  /** The record in `text`, the item's running file, if it carries the claim's token. */
  private heldRecord(claim: Claim, text: string | undefined): ItemRecord {
    const id = claim.item.id;
    if (text === undefined) throw notRunning(id);
    const parsed = this.parse(text, id, this.clock.now());
    if (!parsed.ok) throw lost(id, `its running file cannot be read (${parsed.message})`);
    const lease = parsed.record.lease;
    if (lease?.token !== claim.token) {
      const holder = lease ? ` (attempt ${parsed.record.attempts}, ${lease.owner})` : "";
      throw lost(id, `another claim holds it now${holder}`);
    }
    return parsed.record;
  }

  /** Sets the lease end (the running file's mtime) to now + `leaseMs`, if the claim holds it. */
  renewHeld(claim: Claim, leaseMs: number): Claim {
    const file = this.itemPath("running", claim.item.id);
    // Through a descriptor: the token read and the mtime set are certainly the same inode's, and
    // while it is open that inode's number cannot be reused for another file.
    let fd: number;
    try {
      fd = openSync(file, "r");
    } catch (error) {
      throw errorCode(error) === "ENOENT" ? notRunning(claim.item.id) : error;
    }
    try {
      const record = this.heldRecord(claim, readFileSync(fd, "utf8"));
      const expiresAt = this.clock.now() + leaseMs;
      futimesSync(fd, new Date(expiresAt), new Date(expiresAt));
      const held = fstatSync(fd);
      const current = statIfExists(file);
      if (current?.ino !== held.ino || current.dev !== held.dev) {
        throw lost(claim.item.id, "it left running/ while the lease was being renewed");
      }
      return { ...claim, expiresAt, item: toQueueItem(record, "running", expiresAt) };
    } finally {
      closeSync(fd);
    }
  }

  /** Takes the claim's running file into `.claims/`, proving it is still the claim's. */
  takeHeld(claim: Claim): { grabbed: string; record: ItemRecord } {
    const id = claim.item.id;
    // A look first, so a stale holder does not take another claim's file even for a moment.
    const before = readIfExists(this.itemPath("running", id));
    if (!before?.includes(`token: ${claim.token}\n`)) this.heldRecord(claim, before);
    const grabbed = this.grab("running", id);
    if (!grabbed) throw lost(id, "it left running/ just now");
    try {
      // The proof is the token in the file now in hand (inode numbers alone get reused).
      return { grabbed, record: this.heldRecord(claim, readFileSync(grabbed, "utf8")) };
    } catch (error) {
      this.restore(grabbed, "running", id);
      throw error;
    }
  }
}
