/**
 * Which backends may answer a requested model, as ordered pools: the balancer chooses within the
 * first pool that has an available backend, and the next pool is used only when every backend of
 * the one before is unavailable (down, tripped, or already failed for this request).
 *
 * - An alias (config `aliases`) lists pools in order; an entry is a backend name, or several
 *   joined by commas to balance across them: `smart: ["gpu-1,gpu-2", claude]`.
 * - A model id goes first to the backends that list it, then to those serving "*".
 *
 * Everything is resolved once per config into maps, so a request costs one lookup.
 */
import { ConfigError } from "../errors.js";
import type { RoutedBackend } from "./routed-backend.js";

export type BackendPools = readonly (readonly RoutedBackend[])[];

/** The routing table for model names; rebuilt on reload. */
export interface ModelPools {
  /** Undefined when nothing serves the model. */
  resolve(model: string): BackendPools | undefined;
  /** Aliases and explicitly listed model ids, sorted, for /v1/models and 404 messages. */
  readonly knownModels: readonly string[];
  /** True for aliases and listed ids (bounded, so safe as a metrics label). */
  isKnown(model: string): boolean;
}

export function createModelPools(
  backends: readonly RoutedBackend[],
  aliases: Readonly<Record<string, readonly string[]>>,
): ModelPools {
  const byName = new Map(backends.map((routed) => [routed.name, routed]));
  const wildcard = backends.filter((routed) => routed.backend.models.includes("*"));
  const table = new Map<string, BackendPools>();

  for (const routed of backends) {
    for (const model of routed.backend.models) {
      if (model === "*" || table.has(model)) continue;
      const listing = backends.filter((other) => other.backend.models.includes(model));
      const rest = wildcard.filter((other) => !listing.includes(other));
      table.set(model, rest.length > 0 ? [listing, rest] : [listing]);
    }
  }

  for (const [alias, entries] of Object.entries(aliases)) {
    table.set(
      alias,
      entries.map((entry) =>
        entry.split(",").map((name) => {
          const routed = byName.get(name.trim());
          if (!routed) {
            throw new ConfigError(`router.aliases.${alias} names an unknown backend "${name}"`, {
              hint: `use one of: ${[...byName.keys()].join(", ") || "(no backends configured)"}`,
            });
          }
          return routed;
        }),
      ),
    );
  }

  const knownModels = [...table.keys()].sort();
  const wildcardPools: BackendPools | undefined = wildcard.length > 0 ? [wildcard] : undefined;
  return {
    resolve: (model) => table.get(model) ?? wildcardPools,
    knownModels,
    isKnown: (model) => table.has(model),
  };
}
