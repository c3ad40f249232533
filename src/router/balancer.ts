/**
 * Choosing one backend among those that can take a request right now. The caller filters first
 * (eligible, a free slot, not already tried for this request); a strategy only orders what is
 * left. Spill-over therefore needs no special case: a full or unhealthy favourite is simply not
 * among the candidates, and the next one in the strategy's order wins.
 */
import type { RoutedBackend } from "./routed-backend.js";
import { createLatencyStrategy } from "./strategies/latency.js";
import { createLeastBusyStrategy } from "./strategies/least-busy.js";
import { createPrefixAffinityStrategy } from "./strategies/prefix-affinity.js";
import { createRoundRobinStrategy } from "./strategies/round-robin.js";

export type StrategyName = "prefix-affinity" | "round-robin" | "least-busy" | "latency";

/** What a strategy may ask about the request it places. */
export interface PlacementRequest {
  /** Hash of the session or prompt prefix; computed on first use and cached by the caller. */
  affinityHash(): number;
}

/** `choose` gets a non-empty list and returns one of its members. */
export interface BalancingStrategy {
  readonly name: StrategyName;
  choose(candidates: readonly RoutedBackend[], request: PlacementRequest): RoutedBackend;
}

export function createBalancingStrategy(name: StrategyName): BalancingStrategy {
  switch (name) {
    case "round-robin":
      return createRoundRobinStrategy();
    case "least-busy":
      return createLeastBusyStrategy();
    case "latency":
      return createLatencyStrategy();
    case "prefix-affinity":
      return createPrefixAffinityStrategy();
  }
}
