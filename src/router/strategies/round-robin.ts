/**
 * Smooth weighted round-robin (the nginx algorithm): over any run of requests each backend gets
 * its weight's share, and heavy backends are interleaved with light ones instead of bunched.
 */
import type { BalancingStrategy } from "../balancer.js";
import type { RoutedBackend } from "../routed-backend.js";

export function createRoundRobinStrategy(): BalancingStrategy {
  const currentWeights = new Map<string, number>();
  return {
    name: "round-robin",
    choose(candidates) {
      let best = candidates[0] as RoutedBackend;
      let bestWeight = -Infinity;
      let total = 0;
      for (const candidate of candidates) {
        const weight = candidate.backend.weight;
        const current = (currentWeights.get(candidate.name) ?? 0) + weight;
        currentWeights.set(candidate.name, current);
        total += weight;
        if (current > bestWeight) {
          best = candidate;
          bestWeight = current;
        }
      }
      currentWeights.set(best.name, bestWeight - total);
      return best;
    },
  };
}
