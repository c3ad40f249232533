/**
 * The `listChanged` cursor, shared by both trackers: the latest `updatedAt` seen, exactly as the
 * tracker wrote it, and the issue numbers seen at that instant. Written as
 * `<timestamp>#<n>,<n>` so a person can read it in a state file.
 *
 * Why the numbers: GitHub's `since` keeps issues updated *at* that time, and its timestamps
 * have one-second resolution, so "everything after the last timestamp" would lose an issue
 * updated later within the same second, while "everything from it" would hand back the same
 * issue on every run. Asking from the timestamp and dropping the ones already seen there does
 * neither. The timestamp is the tracker's own, never this machine's clock, so clock skew cannot
 * lose changes.
 */
import { InputError } from "../errors.js";

export interface IssueCursor {
  /** As the tracker reported it (the string is handed back to GitHub's `since` verbatim). */
  updatedAt: string;
  /** Issue (and pull request) numbers already seen with exactly that `updatedAt`. */
  seenAtUpdatedAt: number[];
}

/** Parses a cursor; undefined for "" and undefined. InputError when it cannot be read. */
export function parseIssueCursor(text: string | undefined): IssueCursor | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const match = /^([^#\s]+)#([0-9,]*)$/.exec(text.trim());
  const updatedAt = match?.[1];
  if (!match || updatedAt === undefined || Number.isNaN(Date.parse(updatedAt))) {
    throw new InputError(`The issue cursor ${JSON.stringify(text)} cannot be read`, {
      hint: "Pass a cursor an earlier listChanged call returned, or none to read all open issues.",
    });
  }
  const seenAtUpdatedAt = (match[2] ?? "")
    .split(",")
    .filter((part) => part !== "")
    .map(Number);
  return { updatedAt, seenAtUpdatedAt };
}

export function formatIssueCursor(cursor: IssueCursor | undefined): string {
  if (!cursor) return "";
  const numbers = [...new Set(cursor.seenAtUpdatedAt)].sort((a, b) => a - b);
  return `${cursor.updatedAt}#${numbers.join(",")}`;
}

/** True when the item was already handed out under this cursor. */
export function seenBefore(
  cursor: IssueCursor | undefined,
  item: { number: number; updatedAt: string },
): boolean {
  if (!cursor) return false;
  const itemMs = Date.parse(item.updatedAt);
  const cursorMs = Date.parse(cursor.updatedAt);
  if (itemMs < cursorMs) return true;
  return itemMs === cursorMs && cursor.seenAtUpdatedAt.includes(item.number);
}

/**
 * The cursor after seeing `items` (every item the tracker listed, pull requests included: they
 * share the timeline). Stays at `previous` when nothing newer was seen.
 */
export function advanceIssueCursor(
  previous: IssueCursor | undefined,
  items: readonly { number: number; updatedAt: string }[],
): IssueCursor | undefined {
  let latest = previous;
  for (const item of items) {
    const itemMs = Date.parse(item.updatedAt);
    if (Number.isNaN(itemMs)) continue;
    const latestMs = latest ? Date.parse(latest.updatedAt) : -Infinity;
    if (itemMs > latestMs) {
      latest = { updatedAt: item.updatedAt, seenAtUpdatedAt: [item.number] };
    } else if (itemMs === latestMs && latest && !latest.seenAtUpdatedAt.includes(item.number)) {
      latest = { ...latest, seenAtUpdatedAt: [...latest.seenAtUpdatedAt, item.number] };
    }
  }
  return latest;
}
