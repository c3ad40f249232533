/**
 * Backend health for the run digest, from the router's own endpoints: `/status` (per backend:
 * requests, failures, tokens in/cached, breaker state, readiness) and `/metrics` (errors by
 * kind, breaker transitions into open). The router's counters run from its start, so a run's
 * figures are the difference between a snapshot before and one after the run; a router that
 * restarted in between (counters went down) shows the after snapshot alone, marked so.
 *
 * Never fails a run: a router that does not answer (or answers something else) is "not
 * available" with the reason.
 */
import type { BackendStatus, RouterStatus } from "../router/router-status.js";

export interface BackendHealth {
  name: string;
  requests: number;
  failures: number;
  /** harness_router_errors_total for the backend, all kinds. */
  errors: number;
  /** Breaker transitions into `open`. */
  breakerTrips: number;
  inputTokens: number;
  cachedTokens: number;
  /** cached / input tokens of the period; undefined when no input was seen. */
  cacheHitRatio?: number;
  /** State at the end of the period. */
  state: string;
  breaker: string;
}

export interface RouterHealth {
  url: string;
  at: string;
  backends: BackendHealth[];
}

export interface RunRouterHealth {
  /** The backends' figures over the run (after minus before). */
  backends?: BackendHealth[];
  /** True when the counters went down (the router restarted): the figures are since then. */
  restarted?: boolean;
  /** Why there are no figures. */
  unavailable?: string;
}

/** Sums of `metric{backend="x",...} value` lines per backend, for lines `filter` accepts. */
export function sumMetricByBackend(
  text: string,
  metric: string,
  filter: (labels: string) => boolean = () => true,
): Map<string, number> {
  const sums = new Map<string, number>();
  const pattern = new RegExp(`^${metric}\\{([^}]*)\\}\\s+([0-9.eE+-]+)\\s*$`, "gm");
  for (const match of text.matchAll(pattern)) {
    const labels = match[1] ?? "";
    if (!filter(labels)) continue;
    const backend = /(?:^|,)\s*(?:backend|from)="([^"]*)"/.exec(labels)?.[1];
    const value = Number(match[2]);
    if (backend === undefined || !Number.isFinite(value)) continue;
    sums.set(backend, (sums.get(backend) ?? 0) + value);
  }
  return sums;
}

function ratio(cached: number, input: number): number | undefined {
  return input > 0 ? cached / input : undefined;
}

/** A snapshot from `/status` and `/metrics`. */
export function toRouterHealth(
  url: string,
  at: Date,
  status: RouterStatus,
  metrics: string,
): RouterHealth {
  const errors = sumMetricByBackend(metrics, "harness_router_errors_total");
  const trips = sumMetricByBackend(metrics, "harness_router_breaker_transitions_total", (labels) =>
    /(?:^|,)\s*to="open"/.test(labels),
  );
  const backends = (Array.isArray(status.backends) ? status.backends : []).map(
    (backend: BackendStatus): BackendHealth => {
      const tokens = backend.stats?.tokens ?? { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };
      const cacheHitRatio = ratio(tokens.cachedTokens ?? 0, tokens.inputTokens ?? 0);
      return {
        name: backend.name,
        requests: backend.stats?.requests ?? 0,
        failures: backend.stats?.failures ?? 0,
        errors: errors.get(backend.name) ?? 0,
        breakerTrips: trips.get(backend.name) ?? 0,
        inputTokens: tokens.inputTokens ?? 0,
        cachedTokens: tokens.cachedTokens ?? 0,
        ...(cacheHitRatio !== undefined ? { cacheHitRatio } : {}),
        state: backend.state ?? "unknown",
        breaker: backend.breaker ?? "unknown",
      };
    },
  );
  return { url, at: at.toISOString(), backends };
}

/** The figures of the period between two snapshots of the same router. */
export function healthBetween(
  before: RouterHealth | undefined,
  after: RouterHealth | undefined,
): RunRouterHealth {
  if (!after) return { unavailable: "the router did not answer /status after the run" };
  const earlier = new Map((before?.backends ?? []).map((backend) => [backend.name, backend]));
  const counters = [
    "requests",
    "failures",
    "errors",
    "breakerTrips",
    "inputTokens",
    "cachedTokens",
  ] as const;
  const restarted = after.backends.some((backend) => {
    const start = earlier.get(backend.name);
    return start !== undefined && counters.some((key) => backend[key] < start[key]);
  });
  const backends = after.backends.map((backend): BackendHealth => {
    const start = restarted ? undefined : earlier.get(backend.name);
    const delta = (key: (typeof counters)[number]) => backend[key] - (start?.[key] ?? 0);
    const cacheHitRatio = ratio(delta("cachedTokens"), delta("inputTokens"));
    return {
      name: backend.name,
      requests: delta("requests"),
      failures: delta("failures"),
      errors: delta("errors"),
      breakerTrips: delta("breakerTrips"),
      inputTokens: delta("inputTokens"),
      cachedTokens: delta("cachedTokens"),
      ...(cacheHitRatio !== undefined ? { cacheHitRatio } : {}),
      state: backend.state,
      breaker: backend.breaker,
    };
  });
  return { backends, ...(restarted ? { restarted: true } : {}) };
}

/** Reads a snapshot from the router at `url`; undefined when it does not answer in time. */
export async function readRouterHealth(
  url: string,
  options: { token?: string; timeoutMs?: number; now?: () => Date } = {},
): Promise<RouterHealth | undefined> {
  const headers: Record<string, string> = options.token
    ? { authorization: `Bearer ${options.token}` }
    : {};
  const signal = AbortSignal.timeout(options.timeoutMs ?? 1_500);
  try {
    const [statusResponse, metricsResponse] = await Promise.all([
      fetch(`${url}/status`, { headers, signal }),
      fetch(`${url}/metrics`, { headers, signal }),
    ]);
    if (!statusResponse.ok || !metricsResponse.ok) {
      await Promise.allSettled([statusResponse.body?.cancel(), metricsResponse.body?.cancel()]);
      return undefined;
    }
    const status = (await statusResponse.json()) as RouterStatus;
    if (!Array.isArray(status?.backends)) return undefined;
    return toRouterHealth(
      url,
      (options.now ?? (() => new Date()))(),
      status,
      await metricsResponse.text(),
    );
  } catch {
    return undefined;
  }
}
