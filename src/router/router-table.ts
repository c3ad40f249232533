/**
 * The routing table for one config: routed backends, model pools and the balancing strategy.
 * A reload builds a new table; a backend passed again (the same object) keeps its state, so its
 * breaker, statistics and in-flight count survive the swap.
 */
import type { Backend } from "./backend.js";
import type { Placement } from "./admission.js";
import {
  createBalancingStrategy,
  type BalancingStrategy,
  type PlacementRequest,
} from "./balancer.js";
import type { BreakerTransition } from "./circuit-breaker.js";
import type { RouterClock } from "./clock.js";
import { createModelPools, type ModelPools } from "./model-pools.js";
import {
  createRoutedBackend,
  hasFreeSlot,
  isEligible,
  type RoutedBackend,
} from "./routed-backend.js";
import type { RouterConfig } from "./router-config.js";

/** `place` finds a backend with a free slot for the model, skipping those already tried. */
export interface RouterTable {
  readonly backends: readonly RoutedBackend[];
  readonly pools: ModelPools;
  readonly strategy: BalancingStrategy;
  place(model: string, request: PlacementRequest, tried: ReadonlySet<RoutedBackend>): Placement;
}

export function createRouterTable(options: {
  config: RouterConfig;
  backends: readonly Backend[];
  previous?: RouterTable;
  clock: RouterClock;
  onBreakerTransition: (routed: RoutedBackend, transition: BreakerTransition) => void;
}): RouterTable {
  const { config } = options;
  const kept = new Map(options.previous?.backends.map((routed) => [routed.backend, routed]));
  const slotsByName = new Map(config.backends.map((entry) => [entry.name, entry.slots]));
  const backends = options.backends.map((backend) => {
    const configuredSlots = slotsByName.get(backend.name);
    const routed = kept.get(backend);
    if (routed) {
      routed.breaker.configure(config.breaker);
      routed.configuredSlots = configuredSlots;
      return routed;
    }
    return createRoutedBackend({
      backend,
      ...(configuredSlots !== undefined ? { configuredSlots } : {}),
      breaker: config.breaker,
      clock: options.clock,
      onBreakerTransition: options.onBreakerTransition,
    });
  });
  const pools = createModelPools(backends, config.aliases);
  const strategy =
    options.previous?.strategy.name === config.strategy
      ? options.previous.strategy
      : createBalancingStrategy(config.strategy);

  return {
    backends,
    pools,
    strategy,
    place(model, request, tried) {
      const found = pools.resolve(model);
      if (!found) return { outcome: "unavailable", reason: `no backend serves model "${model}"` };
      let anyWarming = false;
      for (const pool of found) {
        let anyEligible = false;
        const candidates: RoutedBackend[] = [];
        for (const routed of pool) {
          if (tried.has(routed)) continue;
          if (!isEligible(routed)) {
            anyWarming ||= routed.readiness === "warming";
            continue;
          }
          anyEligible = true;
          if (hasFreeSlot(routed)) candidates.push(routed);
        }
        // A pool that is merely full is waited for; only an unavailable pool falls through.
        if (!anyEligible) continue;
        if (candidates.length === 0) return { outcome: "busy" };
        return { outcome: "placed", routed: strategy.choose(candidates, request) };
      }
      // Nothing can serve now, but a backend still loading its model soon will: wait for it
      // (within the queue limits) rather than fail a request sent right after start-up.
      if (anyWarming) return { outcome: "busy" };
      return { outcome: "unavailable", reason: describeUnavailable(model, found, tried) };
    },
  };
}

function describeUnavailable(
  model: string,
  pools: readonly (readonly RoutedBackend[])[],
  tried: ReadonlySet<RoutedBackend>,
): string {
  const reasons = pools.flat().map((routed) => {
    if (tried.has(routed)) return `${routed.name} failed`;
    if (routed.breaker.state() !== "closed") return `${routed.name} tripped`;
    const detail = routed.readinessDetail ? ` (${routed.readinessDetail})` : "";
    return `${routed.name} ${routed.readiness}${detail}`;
  });
  return `no backend for model "${model}" is available: ${reasons.join(", ")}`;
}
