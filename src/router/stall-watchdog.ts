/**
 * Times one upstream answer: the first body byte must come within `firstByteMs` of sending (a
 * long prompt's prefill happens here), and after that no gap may exceed `idleMs`. Done in the
 * router rather than by the HTTP client so embedded backends get the same limits.
 *
 * Each chunk only stores a timestamp; the single timer re-arms itself when it fires early, so a
 * fast stream costs no timer work per chunk.
 */
import type { RouterClock, TimerHandle } from "./clock.js";

/** Call `activity()` on every chunk and `stop()` when the answer is over. */
export interface StallWatchdog {
  activity(): void;
  stop(): void;
}

export function startStallWatchdog(options: {
  clock: RouterClock;
  firstByteMs: number;
  idleMs: number;
  onStall: (what: "first-byte" | "idle") => void;
}): StallWatchdog {
  const { clock, idleMs } = options;
  let lastActivity = -1;
  let stopped = false;
  let timer: TimerHandle | undefined;

  const checkIdle = () => {
    if (stopped) return;
    const quiet = clock.now() - lastActivity;
    if (quiet >= idleMs) {
      stopped = true;
      options.onStall("idle");
    } else {
      timer = clock.setTimer(checkIdle, idleMs - quiet);
    }
  };

  timer = clock.setTimer(() => {
    if (stopped) return;
    stopped = true;
    options.onStall("first-byte");
  }, options.firstByteMs);

  return {
    activity() {
      if (stopped) return;
      const first = lastActivity < 0;
      lastActivity = clock.now();
      if (first) {
        timer?.cancel();
        timer = clock.setTimer(checkIdle, idleMs);
      }
    },
    stop() {
      stopped = true;
      timer?.cancel();
    },
  };
}
