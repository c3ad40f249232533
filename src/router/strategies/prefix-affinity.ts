/**
 * Prefix affinity: rendezvous (highest-random-weight) hashing of the session or prompt-prefix key
 * over the candidates, weight-aware. The same key ranks backends in the same order every time,
 * so a session returns to the backend that holds its prompt in cache; adding or removing a
 * backend moves only the sessions that ranked it first.
 */
import type { BalancingStrategy } from "../balancer.js";
import type { RoutedBackend } from "../routed-backend.js";
import { mixHashes, unitInterval } from "../stable-hash.js";

export function createPrefixAffinityStrategy(): BalancingStrategy {
  return {
    name: "prefix-affinity",
    choose(candidates, request) {
      if (candidates.length === 1) return candidates[0] as RoutedBackend;
      const key = request.affinityHash();
      let best = candidates[0] as RoutedBackend;
      let bestScore = -Infinity;
      for (const candidate of candidates) {
        const score = rendezvousScore(key, candidate);
        if (score > bestScore) {
          best = candidate;
          bestScore = score;
        }
      }
      return best;
    },
  };
}

/** Weighted HRW score: -weight / ln(u) keeps each backend's share proportional to its weight. */
export function rendezvousScore(key: number, routed: RoutedBackend): number {
  return -routed.backend.weight / Math.log(unitInterval(mixHashes(key, routed.nameHash)));
}
