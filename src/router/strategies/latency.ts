/**
 * Lowest latency: the backend with the smallest moving average of time to first token. A backend
 * without samples counts as fastest, so every backend gets measured; ties go to the least busy.
 */
import type { BalancingStrategy } from "../balancer.js";
import type { RoutedBackend } from "../routed-backend.js";
import { pickLeastBusy } from "./least-busy.js";

export function createLatencyStrategy(): BalancingStrategy {
  return {
    name: "latency",
    choose(candidates) {
      let bestTtft = Infinity;
      const fastest: RoutedBackend[] = [];
      for (const candidate of candidates) {
        const ttft = candidate.stats.ttftEwmaMs ?? 0;
        if (ttft < bestTtft) {
          bestTtft = ttft;
          fastest.length = 0;
        }
        if (ttft === bestTtft) fastest.push(candidate);
      }
      return fastest.length === 1 ? (fastest[0] as RoutedBackend) : pickLeastBusy(fastest);
    },
  };
}
