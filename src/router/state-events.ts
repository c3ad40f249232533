/**
 * Turns routing state changes into typed events, metrics and queue wake-ups: a backend that
 * became ready or whose breaker closed may serve requests that are waiting right now.
 */
import type { EventSink } from "../events.js";
import type { Admission } from "./admission.js";
import type { BreakerState, BreakerTransition } from "./circuit-breaker.js";
import type { RoutedBackend, RoutedReadiness } from "./routed-backend.js";

/** Callbacks for the breaker and the health checker. */
export interface StateEvents {
  breakerTransition(routed: RoutedBackend, transition: BreakerTransition): void;
  readinessChange(routed: RoutedBackend, previous: RoutedReadiness): void;
}

export function createStateEvents(options: {
  events: EventSink;
  admission: Admission;
  onBreakerChange: (backend: string, to: BreakerState) => void;
}): StateEvents {
  const { events, admission } = options;
  return {
    breakerTransition(routed, { from, to, reason }) {
      options.onBreakerChange(routed.name, to);
      if (to === "open") {
        events.emit({ type: "backend-tripped", backend: routed.name, reason });
      } else if (to === "closed" && from === "half-open") {
        events.emit({ type: "backend-recovered", backend: routed.name });
      }
      if (to !== "open") admission.recheck();
    },
    readinessChange(routed) {
      const readiness = routed.readiness;
      if (readiness === "ready") {
        events.emit({
          type: "backend-ready",
          backend: routed.name,
          ...(routed.reportedSlots !== undefined ? { slots: routed.reportedSlots } : {}),
        });
        admission.recheck();
      } else if (readiness === "warming" || readiness === "down") {
        events.emit({
          type: "backend-unready",
          backend: routed.name,
          readiness,
          ...(routed.readinessDetail !== undefined ? { detail: routed.readinessDetail } : {}),
        });
      }
    },
  };
}
