/**
 * Least busy: the backend with the smallest share of its slots in use. Ties rotate, so idle
 * backends share the load instead of the first one in the config taking every request.
 */
import type { BalancingStrategy } from "../balancer.js";
import { slotsOf, type RoutedBackend } from "../routed-backend.js";

export function createLeastBusyStrategy(): BalancingStrategy {
  let rotation = 0;
  return {
    name: "least-busy",
    choose(candidates) {
      rotation = (rotation + 1) % candidates.length;
      return pickLeastBusy(candidates, rotation);
    },
  };
}

/** Lowest in-flight/slots, scanning from `start` so equal candidates take turns. */
export function pickLeastBusy(candidates: readonly RoutedBackend[], start = 0): RoutedBackend {
  let best = candidates[start % candidates.length] as RoutedBackend;
  let bestLoad = Infinity;
  for (let offset = 0; offset < candidates.length; offset++) {
    const candidate = candidates[(start + offset) % candidates.length] as RoutedBackend;
    const load = candidate.inFlight / slotsOf(candidate);
    if (load < bestLoad) {
      best = candidate;
      bestLoad = load;
    }
  }
  return best;
}
