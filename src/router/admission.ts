/**
 * Admission control: a backend never has more requests in flight than it has slots, and a request
 * that finds every suitable backend full waits in one bounded FIFO queue, for a bounded time.
 * When nothing can serve it (all down or tripped, queue full, waited too long) the caller answers
 * 503 with retry-after, which agent CLIs handle by backing off.
 */
import type { RouterClock } from "./clock.js";
import type { RoutedBackend } from "./routed-backend.js";

/** What one placement attempt found; `placed` means the backend had a free slot. */
export type Placement =
  | { outcome: "placed"; routed: RoutedBackend }
  | { outcome: "busy" }
  | { outcome: "unavailable"; reason: string };

export type RejectionReason = "unavailable" | "queue-full" | "queue-timeout" | "cancelled";

export type AdmissionResult =
  | { outcome: "admitted"; routed: RoutedBackend }
  | { outcome: "rejected"; reason: RejectionReason; message: string };

export interface QueueSettings {
  maxQueue: number;
  maxQueueWaitMs: number;
}

/**
 * `admit` takes a slot on the backend `place` returns (now, or when one frees up) and starts the
 * request on its breaker; every admitted request must be given back with `release`. `waitSignal` (the client leaving) is asked for only
 * when the request has to wait, so the common path allocates no AbortSignal. `recheck` wakes waiters after anything that may
 * have made a backend available (a health change, a breaker closing, a reload).
 */
export interface Admission {
  admit(place: () => Placement, waitSignal: () => AbortSignal): Promise<AdmissionResult>;
  release(routed: RoutedBackend): void;
  recheck(): void;
  readonly waiting: number;
  configure(settings: QueueSettings): void;
  /** Turns every waiter away; used when the router shuts down. */
  rejectAll(message: string): void;
}

interface Waiter {
  place: () => Placement;
  finish(result: AdmissionResult): void;
}

export function createAdmission(options: {
  settings: QueueSettings;
  clock: RouterClock;
}): Admission {
  let settings = options.settings;
  const queue: Waiter[] = [];

  const take = (routed: RoutedBackend): AdmissionResult => {
    routed.inFlight++;
    // In the same synchronous step as the placement, so a half-open breaker lets exactly one
    // probe through even when other requests are placed before this one resumes.
    routed.breaker.onRequestStarted();
    return { outcome: "admitted", routed };
  };

  // A placement can change a breaker, whose listener rechecks: run again instead of nesting.
  let rechecking = false;
  let recheckAgain = false;
  const recheck = () => {
    if (rechecking) {
      recheckAgain = true;
      return;
    }
    rechecking = true;
    try {
      do {
        recheckAgain = false;
        recheckOnce();
      } while (recheckAgain);
    } finally {
      rechecking = false;
    }
  };

  const recheckOnce = () => {
    // FIFO: earlier waiters get the first chance at a freed slot.
    for (let index = 0; index < queue.length;) {
      const waiter = queue[index] as Waiter;
      const placement = waiter.place();
      if (placement.outcome === "busy") {
        index++;
        continue;
      }
      queue.splice(index, 1);
      waiter.finish(
        placement.outcome === "placed"
          ? take(placement.routed)
          : { outcome: "rejected", reason: "unavailable", message: placement.reason },
      );
    }
  };

  return {
    get waiting() {
      return queue.length;
    },
    async admit(place, waitSignal) {
      const placement = place();
      if (placement.outcome === "placed") return take(placement.routed);
      if (placement.outcome === "unavailable") {
        return { outcome: "rejected", reason: "unavailable", message: placement.reason };
      }
      const signal = waitSignal();
      if (signal.aborted) {
        return { outcome: "rejected", reason: "cancelled", message: "client left" };
      }
      if (queue.length >= settings.maxQueue) {
        return {
          outcome: "rejected",
          reason: "queue-full",
          message: `every backend is busy and ${settings.maxQueue} requests are already waiting`,
        };
      }
      return new Promise<AdmissionResult>((resolve) => {
        const cancelled: AdmissionResult = {
          outcome: "rejected",
          reason: "cancelled",
          message: "client left",
        };
        const timedOut: AdmissionResult = {
          outcome: "rejected",
          reason: "queue-timeout",
          message: `no backend had a free slot within ${settings.maxQueueWaitMs} ms`,
        };
        const leave = (result: AdmissionResult) => {
          const index = queue.indexOf(waiter);
          if (index === -1) return;
          queue.splice(index, 1);
          waiter.finish(result);
        };
        const onAbort = () => leave(cancelled);
        const timer = options.clock.setTimer(() => leave(timedOut), settings.maxQueueWaitMs);
        const waiter: Waiter = {
          place,
          finish(result) {
            timer.cancel();
            signal.removeEventListener("abort", onAbort);
            resolve(result);
          },
        };
        signal.addEventListener("abort", onAbort, { once: true });
        queue.push(waiter);
      });
    },
    release(routed) {
      routed.inFlight--;
      if (queue.length > 0) recheck();
    },
    recheck,
    configure(next) {
      settings = next;
    },
    rejectAll(message) {
      for (const waiter of queue.splice(0)) {
        waiter.finish({ outcome: "rejected", reason: "unavailable", message });
      }
    },
  };
}
