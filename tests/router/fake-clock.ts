/**
 * A clock that only moves when a test says so; timers fire in time order during `advance`.
 */
import type { RouterClock, TimerHandle } from "../../src/router/clock.js";

export interface FakeClock extends RouterClock {
  advance(ms: number): void;
  /** Timers not yet fired or cancelled. */
  readonly pending: number;
}

export function createFakeClock(start = 1_000): FakeClock {
  let now = start;
  let nextId = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    setTimer(callback, ms): TimerHandle {
      const id = nextId++;
      timers.set(id, { at: now + ms, callback });
      return { cancel: () => void timers.delete(id) };
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        let earliest: [number, { at: number; callback: () => void }] | undefined;
        for (const entry of timers) {
          if (entry[1].at <= until && (!earliest || entry[1].at < earliest[1].at)) earliest = entry;
        }
        if (!earliest) break;
        timers.delete(earliest[0]);
        now = earliest[1].at;
        earliest[1].callback();
      }
      now = until;
    },
    get pending() {
      return timers.size;
    },
  };
}
