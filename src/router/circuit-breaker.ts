/**
 * Per-backend circuit breaker. Closed: requests flow and outcomes are counted. Open: the backend
 * gets no requests until the cool-down has passed. Half-open: exactly one probe request goes
 * through; its success closes the breaker, its failure opens it again.
 *
 * Only failures that say something about the backend count (5xx, timeouts, connection errors);
 * the router reports a 4xx caused by the request as a success, because the backend answered.
 */
import type { RouterClock } from "./clock.js";

export type BreakerState = "closed" | "open" | "half-open";

/** Thresholds, as in the `router.breaker` config section. */
export interface BreakerSettings {
  consecutiveFailures: number;
  failureRate: number;
  minimumRequests: number;
  windowMs: number;
  cooldownMs: number;
}

/** Why the state changed, for events and logs. */
export interface BreakerTransition {
  from: BreakerState;
  to: BreakerState;
  reason: string;
}

/**
 * The router asks `isAvailable()` while choosing, calls `onRequestStarted()` once it commits a
 * request to the backend, and reports exactly one outcome per started request.
 */
export interface CircuitBreaker {
  state(): BreakerState;
  isAvailable(): boolean;
  onRequestStarted(): void;
  recordSuccess(): void;
  recordFailure(reason: string): void;
  /** The request ended without saying anything about the backend (the client went away). */
  recordNeutral(): void;
  /** An active health check succeeded: an open breaker may probe now instead of waiting. */
  allowProbeNow(): void;
  /** New thresholds after a config reload; counts so far are kept. */
  configure(settings: BreakerSettings): void;
}

// The failure-rate window is kept as a few buckets instead of one entry per request.
const bucketCount = 10;

interface Bucket {
  start: number;
  successes: number;
  failures: number;
}

export function createCircuitBreaker(options: {
  settings: BreakerSettings;
  clock: RouterClock;
  onTransition?: (transition: BreakerTransition) => void;
}): CircuitBreaker {
  const { clock } = options;
  let settings = options.settings;
  let current: BreakerState = "closed";
  let openedAt = 0;
  let consecutive = 0;
  let probeInFlight = false;
  let buckets: Bucket[] = [];

  const moveTo = (to: BreakerState, reason: string) => {
    const from = current;
    if (from === to) return;
    current = to;
    probeInFlight = false;
    if (to === "open") openedAt = clock.now();
    if (to !== "half-open") {
      consecutive = 0;
      buckets = [];
    }
    options.onTransition?.({ from, to, reason });
  };

  // Open turns into half-open lazily, when someone looks after the cool-down.
  const refresh = () => {
    if (current === "open" && clock.now() - openedAt >= settings.cooldownMs) {
      moveTo("half-open", "cool-down over");
    }
  };

  const currentBucket = (): Bucket => {
    const now = clock.now();
    const width = settings.windowMs / bucketCount;
    const last = buckets[buckets.length - 1];
    if (last && now - last.start < width) return last;
    const fresh = { start: now, successes: 0, failures: 0 };
    buckets.push(fresh);
    while (buckets.length > 0 && now - (buckets[0]?.start ?? now) >= settings.windowMs) {
      buckets.shift();
    }
    return fresh;
  };

  const failureRateExceeded = (): boolean => {
    let failures = 0;
    let total = 0;
    for (const bucket of buckets) {
      failures += bucket.failures;
      total += bucket.successes + bucket.failures;
    }
    return total >= settings.minimumRequests && failures / total >= settings.failureRate;
  };

  return {
    state() {
      refresh();
      return current;
    },
    isAvailable() {
      refresh();
      return current === "closed" || (current === "half-open" && !probeInFlight);
    },
    onRequestStarted() {
      refresh();
      if (current === "half-open") probeInFlight = true;
    },
    recordSuccess() {
      if (current === "half-open") return moveTo("closed", "probe succeeded");
      if (current === "open") return;
      consecutive = 0;
      currentBucket().successes++;
    },
    recordFailure(reason) {
      if (current === "half-open") return moveTo("open", `probe failed: ${reason}`);
      if (current === "open") return;
      consecutive++;
      currentBucket().failures++;
      if (consecutive >= settings.consecutiveFailures) {
        moveTo("open", `${consecutive} failures in a row, last: ${reason}`);
      } else if (failureRateExceeded()) {
        moveTo("open", `failure rate reached ${Math.round(settings.failureRate * 100)}%`);
      }
    },
    recordNeutral() {
      if (current === "half-open") probeInFlight = false;
    },
    allowProbeNow() {
      if (current === "open") moveTo("half-open", "health check succeeded");
    },
    configure(next) {
      settings = next;
    },
  };
}
