/**
 * Builds and runs the router from harness.config.yaml: creates the configured backends (or the
 * embedded llama.cpp one when none are configured), listens, and reloads on demand without
 * dropping requests in flight.
 */
import type { BackendConfig, HarnessConfig } from "../config/schema.js";
import type { EventSink } from "../events.js";
import type { Backend } from "../router/backend.js";

export interface ServeRouterOptions {
  config: HarnessConfig;
  events: EventSink;
  /** Download progress of an embedded model on first use. */
  onProgress?: (progress: {
    backend: string;
    downloadedBytes: number;
    totalBytes?: number;
  }) => void;
}

export interface RunningRouter {
  url: string;
  backends: readonly Backend[];
  /** Applies a new config: new backends are created before the old ones are closed. */
  reload(config: HarnessConfig): Promise<void>;
  close(): Promise<void>;
}

/** The embedded llama.cpp backend the router uses when the config lists none. */
export const DEFAULT_BACKENDS: readonly BackendConfig[] = [
  { name: "embedded", kind: "embedded", models: ["*"], weight: 1 },
];

export function effectiveBackends(config: HarnessConfig): readonly BackendConfig[] {
  return config.router.backends.length > 0 ? config.router.backends : DEFAULT_BACKENDS;
}

export async function serveRouter(options: ServeRouterOptions): Promise<RunningRouter> {
  const [{ createBackend }, { createRouterServer }] = await Promise.all([
    import("../router/backends/create-backend.js"),
    import("../router/router-server.js"),
  ]);
  // Backends by name with the config they were built from: a reload keeps the ones whose
  // config did not change (an embedded model is not loaded twice) and rebuilds the rest.
  let current = new Map<string, { key: string; backend: Backend }>();
  const build = async (config: HarnessConfig) => {
    const next = new Map<string, { key: string; backend: Backend }>();
    for (const backendConfig of effectiveBackends(config)) {
      const key = JSON.stringify([backendConfig, config.router.timeouts]);
      const kept = current.get(backendConfig.name);
      if (kept && kept.key === key) {
        next.set(backendConfig.name, kept);
        continue;
      }
      const backend = await createBackend(backendConfig, {
        timeouts: config.router.timeouts,
        onProgress: (progress) =>
          options.onProgress?.({ backend: backendConfig.name, ...progress }),
      });
      next.set(backendConfig.name, { key, backend });
    }
    return next;
  };
  const retired = (next: Map<string, { backend: Backend }>) =>
    [...current.values()]
      .map((entry) => entry.backend)
      .filter((backend) => ![...next.values()].some((entry) => entry.backend === backend));
  const list = () => [...current.values()].map((entry) => entry.backend);

  current = await build(options.config);
  let server: ReturnType<typeof createRouterServer>;
  let url: string;
  try {
    server = createRouterServer({
      config: options.config.router,
      backends: list(),
      events: options.events,
    });
    ({ url } = await server.listen());
  } catch (error) {
    // A refused config or a taken port: nothing may keep running (an embedded model loading).
    await Promise.all(list().map((backend) => backend.close()));
    throw error;
  }
  return {
    url,
    get backends() {
      return list();
    },
    async reload(config) {
      const next = await build(config);
      const old = retired(next);
      current = next;
      server.reload(config.router, list());
      // Closing an HTTP backend lets its requests in flight finish first.
      await Promise.all(old.map((backend) => backend.close()));
    },
    async close() {
      await server.close();
      await Promise.all(list().map((backend) => backend.close()));
    },
  };
}
