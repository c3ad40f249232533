/**
 * Time as the router sees it. Breakers, queues and health checks take a clock so tests can move
 * time by hand instead of sleeping.
 */

/** A scheduled callback; cancelling twice or after it fired is harmless. */
export interface TimerHandle {
  cancel(): void;
}

/** `now()` is monotonic milliseconds; timers never keep the process alive on their own. */
export interface RouterClock {
  now(): number;
  setTimer(callback: () => void, ms: number): TimerHandle;
}

export const systemClock: RouterClock = {
  now: () => performance.now(),
  setTimer(callback, ms) {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};
