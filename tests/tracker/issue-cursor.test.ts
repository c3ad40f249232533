/**
 * The listChanged cursor: GitHub's `since` keeps issues updated at exactly that second, so the
 * cursor remembers which issues it already handed out at its timestamp.
 */
import { describe, expect, it } from "vitest";

import { InputError } from "../../src/errors.js";
import {
  advanceIssueCursor,
  formatIssueCursor,
  parseIssueCursor,
  seenBefore,
} from "../../src/tracker/issue-cursor.js";

const T = "2026-11-20T09:12:00Z";
const LATER = "2026-11-20T09:12:01Z";

describe("issue cursor", () => {
  it("reads back what it writes, and nothing means from the start", () => {
    const cursor = { updatedAt: T, seenAtUpdatedAt: [7, 3, 7] };
    expect(formatIssueCursor(cursor)).toBe(`${T}#3,7`);
    expect(parseIssueCursor(`${T}#3,7`)).toEqual({ updatedAt: T, seenAtUpdatedAt: [3, 7] });
    expect(parseIssueCursor(`${T}#`)).toEqual({ updatedAt: T, seenAtUpdatedAt: [] });
    expect(parseIssueCursor(undefined)).toBeUndefined();
    expect(parseIssueCursor("")).toBeUndefined();
    expect(formatIssueCursor(undefined)).toBe("");
  });

  it("refuses a cursor it did not write", () => {
    for (const text of ["yesterday#1", "2026-11-20T09:12:00Z", "2026-11-20T09:12:00Z#a,b"]) {
      expect(() => parseIssueCursor(text)).toThrow(InputError);
    }
  });

  it("hands out an issue updated in the cursor's second only once, but never loses a new one", () => {
    const cursor = advanceIssueCursor(undefined, [
      { number: 1, updatedAt: "2026-11-20T09:11:00Z" },
      { number: 2, updatedAt: T },
    ]);
    expect(cursor).toEqual({ updatedAt: T, seenAtUpdatedAt: [2] });
    expect(seenBefore(cursor, { number: 2, updatedAt: T })).toBe(true);
    // Issue 5 changed later within the same second: GitHub shows the same timestamp.
    expect(seenBefore(cursor, { number: 5, updatedAt: T })).toBe(false);
    expect(seenBefore(cursor, { number: 2, updatedAt: LATER })).toBe(false);
    // The same instant written with milliseconds is the same instant.
    expect(seenBefore(cursor, { number: 2, updatedAt: "2026-11-20T09:12:00.000Z" })).toBe(true);

    const next = advanceIssueCursor(cursor, [{ number: 5, updatedAt: T }]);
    expect(next).toEqual({ updatedAt: T, seenAtUpdatedAt: [2, 5] });
    expect(advanceIssueCursor(next, [{ number: 5, updatedAt: LATER }])).toEqual({
      updatedAt: LATER,
      seenAtUpdatedAt: [5],
    });
    expect(advanceIssueCursor(next, [])).toBe(next);
  });
});
