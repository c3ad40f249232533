/**
 * The kill tests' tally (items lost, items doubled, recoveries), appended as one JSON line to
 * the file HARNESS_KILL_TALLY names; `npm run bench:queue` runs the kill tests with it set and
 * reports the lines. Without the variable nothing is written.
 */
import { appendFileSync } from "node:fs";

export interface KillTally {
  driver: "file" | "redis";
  items: number;
  processes: number;
  kills: number;
  /** Items claimed again after their holder was killed. */
  reclaimed: number;
  /** Items not done at the end. */
  lost: number;
  /** Items completed twice or held by two workers at once. */
  doubled: number;
  seconds: number;
}

export function recordKillTally(tally: KillTally): void {
  const file = process.env.HARNESS_KILL_TALLY;
  if (file) appendFileSync(file, `${JSON.stringify(tally)}\n`);
}
