/**
 * RoutedBackend objects around stub backends, for unit tests of strategies and pools.
 */
import type { Backend } from "../../src/router/backend.js";
import { createRoutedBackend, type RoutedBackend } from "../../src/router/routed-backend.js";
import { createFakeClock } from "./fake-clock.js";

export function stubRouted(
  name: string,
  options: {
    weight?: number;
    slots?: number;
    models?: string[];
    checkHealth?: Backend["checkHealth"];
  } = {},
): RoutedBackend {
  const backend: Backend = {
    name,
    kind: "llama-server",
    protocol: "openai",
    models: options.models ?? ["*"],
    weight: options.weight ?? 1,
    checkHealth: options.checkHealth ?? (() => Promise.resolve({ readiness: "ready" })),
    send: () => Promise.reject(new Error("stub backend")),
    close: () => Promise.resolve(),
  };
  return createRoutedBackend({
    backend,
    ...(options.slots !== undefined ? { configuredSlots: options.slots } : {}),
    breaker: {
      consecutiveFailures: 1,
      failureRate: 0.5,
      minimumRequests: 10,
      windowMs: 60_000,
      cooldownMs: 5_000,
    },
    clock: createFakeClock(),
  });
}
