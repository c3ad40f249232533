/**
 * Active health checks: each backend is asked on its own timer, every `intervalMs`, or every
 * second while it is warming up (llama-server loading a model) so it joins as soon as it is
 * ready. A successful check also lets an open breaker probe early: the backend looks alive, so
 * one real request may find out whether it really is.
 */
import type { BackendHealth } from "./backend.js";
import type { RouterClock, TimerHandle } from "./clock.js";
import type { RoutedBackend, RoutedReadiness } from "./routed-backend.js";

export interface HealthCheckSettings {
  intervalMs: number;
  /** How often a warming backend is asked again; 1 s unless a test says otherwise. */
  warmingIntervalMs?: number;
  /** A check that takes longer counts as "down". */
  timeoutMs?: number;
}

/** `start` (re)schedules checks for exactly these backends; `checkAll` runs one round now. */
export interface HealthChecker {
  start(targets: readonly RoutedBackend[]): void;
  stop(): void;
  checkAll(targets?: readonly RoutedBackend[]): Promise<void>;
}

export function createHealthChecker(options: {
  settings: HealthCheckSettings;
  clock: RouterClock;
  onReadinessChange?: (routed: RoutedBackend, previous: RoutedReadiness) => void;
}): HealthChecker {
  const { clock, settings } = options;
  const warmingIntervalMs = settings.warmingIntervalMs ?? 1_000;
  const timeoutMs = settings.timeoutMs ?? Math.min(5_000, settings.intervalMs);
  let targets: readonly RoutedBackend[] = [];
  let timers = new Map<RoutedBackend, TimerHandle>();
  const running = new Map<RoutedBackend, Promise<void>>();
  let generation = 0;

  const checkOnce = (routed: RoutedBackend): Promise<void> => {
    const already = running.get(routed);
    if (already) return already;
    const check = runCheck(routed).finally(() => running.delete(routed));
    running.set(routed, check);
    return check;
  };

  const runCheck = async (routed: RoutedBackend) => {
    // Wall-clock time on purpose: this bounds real network I/O, which an injected clock that
    // jumps ahead in a test cannot speed up.
    const signal = AbortSignal.timeout(timeoutMs);
    let health: BackendHealth;
    try {
      health = await routed.backend.checkHealth(signal);
    } catch (error) {
      // The contract says checkHealth never throws; a broken backend still must not stop checks.
      health = {
        readiness: "down",
        detail: error instanceof Error ? error.message : String(error),
      };
    }
    if (signal.aborted && health.readiness !== "ready") {
      health = { readiness: "down", detail: `health check took longer than ${timeoutMs} ms` };
    }
    const previous = routed.readiness;
    routed.readiness = health.readiness;
    routed.readinessDetail = health.detail;
    if (health.slots !== undefined && health.slots > 0) routed.reportedSlots = health.slots;
    if (health.readiness === "ready") routed.breaker.allowProbeNow();
    if (previous !== health.readiness) options.onReadinessChange?.(routed, previous);
  };

  const schedule = (routed: RoutedBackend, ms: number, round: number) => {
    timers.set(
      routed,
      clock.setTimer(() => {
        void checkOnce(routed).then(() => {
          if (round !== generation) return;
          schedule(
            routed,
            routed.readiness === "warming" ? warmingIntervalMs : settings.intervalMs,
            round,
          );
        });
      }, ms),
    );
  };

  const stop = () => {
    generation++;
    for (const timer of timers.values()) timer.cancel();
    timers = new Map();
  };

  return {
    start(next) {
      stop();
      targets = next;
      const round = generation;
      // The first round runs at once so the router knows its backends within milliseconds.
      for (const routed of targets) schedule(routed, 0, round);
    },
    stop,
    async checkAll(only = targets) {
      await Promise.all(only.map(checkOnce));
    },
  };
}
