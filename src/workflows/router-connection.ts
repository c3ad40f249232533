/**
 * Finds the router a command's model calls go to: the one the config names when it answers
 * `/health`, else a router started inside this process on a free loopback port for as long as
 * the command runs (embedded llama.cpp when no backend is configured). Either way, every model
 * call goes through a router.
 */
import type { HarnessConfig } from "../config/schema.js";
import type { EventSink } from "../events.js";
import { serveRouter } from "./serve-router.js";

export interface RouterConnection {
  url: string;
  /** The router's bearer token, when it has one (never handed to an agent's environment). */
  token?: string;
  /** True when this process started the router; `close` then stops it. */
  started: boolean;
  close(): Promise<void>;
}

export function configuredRouterUrl(config: HarnessConfig): string {
  const host = config.router.host === "0.0.0.0" ? "127.0.0.1" : config.router.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${config.router.port}`;
}

async function answersHealth(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    // 503 means a backend is warming up: the router is there.
    return response.status === 200 || response.status === 503;
  } catch {
    return false;
  }
}

export async function connectRouter(options: {
  config: HarnessConfig;
  events: EventSink;
  /** An explicit router URL (--router); it must answer. */
  url?: string;
  onProgress?: (progress: {
    backend: string;
    downloadedBytes: number;
    totalBytes?: number;
  }) => void;
}): Promise<RouterConnection> {
  const token = options.config.router.token;
  const url = options.url ?? configuredRouterUrl(options.config);
  if (await answersHealth(url, 500)) {
    return { url, ...(token ? { token } : {}), started: false, close: async () => {} };
  }
  if (options.url) {
    const { NetworkError } = await import("../errors.js");
    throw new NetworkError(`the router at ${options.url} does not answer /health`, {
      hint: "start it with `harness router start`, or leave out --router to run one in-process",
    });
  }
  const running = await serveRouter({
    config: {
      ...options.config,
      router: { ...options.config.router, host: "127.0.0.1", port: 0 },
    },
    events: options.events,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return {
    url: running.url,
    ...(token ? { token } : {}),
    started: true,
    close: () => running.close(),
  };
}
