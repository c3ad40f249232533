/**
 * The router's state for GET /status and `harness router status`: per backend its readiness,
 * breaker, load and measured statistics; plus the queue and the models it serves.
 */
import type { BackendKind, WireProtocol } from "./backend.js";
import type { BackendStatsSnapshot } from "./backend-stats.js";
import type { BreakerState } from "./circuit-breaker.js";
import {
  hasFreeSlot,
  isEligible,
  slotsOf,
  type RoutedBackend,
  type RoutedReadiness,
} from "./routed-backend.js";
import type { RouterTable } from "./router-table.js";

/** One line of the status table: what a person needs to see why a backend gets no traffic. */
export interface BackendStatus {
  name: string;
  kind: BackendKind;
  protocol: WireProtocol;
  /** Summary: available, busy (all slots taken), tripped, warming, down or unknown. */
  state: "available" | "busy" | "tripped" | "warming" | "down" | "unknown";
  readiness: RoutedReadiness;
  detail?: string;
  breaker: BreakerState;
  inFlight: number;
  slots: number;
  stats: BackendStatsSnapshot;
}

/** The JSON body of GET /status. */
export interface RouterStatus {
  strategy: string;
  queue: { waiting: number; max: number };
  models: readonly string[];
  backends: BackendStatus[];
}

export function describeRouter(
  table: RouterTable,
  queue: { waiting: number; max: number },
): RouterStatus {
  return {
    strategy: table.strategy.name,
    queue,
    models: table.pools.knownModels,
    backends: table.backends.map(describeBackend),
  };
}

function describeBackend(routed: RoutedBackend): BackendStatus {
  const breaker = routed.breaker.state();
  return {
    name: routed.name,
    kind: routed.backend.kind,
    protocol: routed.backend.protocol,
    state: stateOf(routed, breaker),
    readiness: routed.readiness,
    ...(routed.readinessDetail !== undefined ? { detail: routed.readinessDetail } : {}),
    breaker,
    inFlight: routed.inFlight,
    slots: slotsOf(routed),
    stats: routed.stats.snapshot(),
  };
}

function stateOf(routed: RoutedBackend, breaker: BreakerState): BackendStatus["state"] {
  if (isEligible(routed)) return hasFreeSlot(routed) ? "available" : "busy";
  if (breaker !== "closed") return "tripped";
  return routed.readiness === "ready" ? "busy" : routed.readiness;
}
