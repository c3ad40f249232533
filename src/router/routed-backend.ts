/**
 * A backend as the router tracks it: the Backend itself plus its breaker, readiness, load and
 * statistics. Everything the balancer and admission read lives here, in plain fields, so the hot
 * path does no lookups.
 */
import type { Backend, BackendKind, BackendReadiness } from "./backend.js";
import { createBackendStats, type BackendStats } from "./backend-stats.js";
import {
  createCircuitBreaker,
  type BreakerSettings,
  type BreakerTransition,
  type CircuitBreaker,
} from "./circuit-breaker.js";
import type { RouterClock } from "./clock.js";
import { hashString } from "./stable-hash.js";

/** "unknown" until the first health check answered; unknown backends are tried. */
export type RoutedReadiness = BackendReadiness | "unknown";

/** Mutable per-backend routing state; the router (single-threaded) is the only writer. */
export interface RoutedBackend {
  readonly backend: Backend;
  readonly name: string;
  readonly breaker: CircuitBreaker;
  readonly stats: BackendStats;
  /** Precomputed for rendezvous hashing. */
  readonly nameHash: number;
  /** Slots from the config; wins over what the backend reports. */
  configuredSlots: number | undefined;
  readiness: RoutedReadiness;
  readinessDetail: string | undefined;
  reportedSlots: number | undefined;
  inFlight: number;
}

/** Slots when neither the config nor a health check said: local servers are small, clouds big. */
export function defaultSlots(kind: BackendKind): number {
  return kind === "llama-server" || kind === "embedded" ? 4 : 64;
}

export function createRoutedBackend(options: {
  backend: Backend;
  configuredSlots?: number;
  breaker: BreakerSettings;
  clock: RouterClock;
  onBreakerTransition?: (routed: RoutedBackend, transition: BreakerTransition) => void;
}): RoutedBackend {
  const { backend } = options;
  const routed: RoutedBackend = {
    backend,
    name: backend.name,
    breaker: createCircuitBreaker({
      settings: options.breaker,
      clock: options.clock,
      onTransition: (transition) => options.onBreakerTransition?.(routed, transition),
    }),
    stats: createBackendStats(),
    nameHash: hashString(backend.name),
    configuredSlots: options.configuredSlots,
    readiness: "unknown",
    readinessDetail: undefined,
    reportedSlots: undefined,
    inFlight: 0,
  };
  return routed;
}

export function slotsOf(routed: RoutedBackend): number {
  return routed.configuredSlots ?? routed.reportedSlots ?? defaultSlots(routed.backend.kind);
}

/** Healthy enough to be chosen (ready or not yet checked) and not held back by its breaker. */
export function isEligible(routed: RoutedBackend): boolean {
  return (
    (routed.readiness === "ready" || routed.readiness === "unknown") && routed.breaker.isAvailable()
  );
}

export function hasFreeSlot(routed: RoutedBackend): boolean {
  return routed.inFlight < slotsOf(routed);
}
