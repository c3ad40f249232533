/**
 * Prometheus metrics for GET /metrics, in a private registry (never prom-client's global one, so
 * two routers in one process, as in tests, do not collide). Gauges are read from the live routing
 * state when scraped, which keeps the request path free of gauge updates.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { TokenUsage } from "./backend.js";
import type { BreakerState } from "./circuit-breaker.js";
import type { RoutedBackend } from "./routed-backend.js";

/** Why a request did not get a normal answer, as a bounded label. */
export type RouterErrorKind =
  | "bad-request"
  | "unauthorized"
  | "unknown-model"
  | "unavailable"
  | "queue-full"
  | "queue-timeout"
  | "connection"
  | "timeout"
  | "upstream-5xx"
  | "stream-broken"
  | "client-closed";

/** Recording calls for the router; `render` produces the Prometheus text format. */
export interface RouterMetrics {
  readonly contentType: string;
  requestFinished(backend: string, model: string, status: number): void;
  errorSeen(kind: RouterErrorKind, backend: string): void;
  timeToFirstToken(backend: string, seconds: number): void;
  requestDuration(backend: string, seconds: number): void;
  tokensCounted(backend: string, usage: TokenUsage): void;
  breakerChanged(backend: string, to: BreakerState): void;
  failedOver(from: string): void;
  render(): Promise<string>;
}

const timeBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const breakerValue: Record<BreakerState, number> = { closed: 0, "half-open": 1, open: 2 };

export function createRouterMetrics(options: {
  backends: () => readonly RoutedBackend[];
  queueWaiting: () => number;
}): RouterMetrics {
  const registry = new Registry();
  const registers = [registry];
  const requests = new Counter({
    name: "harness_router_requests_total",
    help: "Model requests answered, by backend, requested model and HTTP status.",
    labelNames: ["backend", "model", "status"],
    registers,
  });
  const errors = new Counter({
    name: "harness_router_errors_total",
    help: "Requests that failed or were failed over, by kind.",
    labelNames: ["backend", "kind"],
    registers,
  });
  const ttft = new Histogram({
    name: "harness_router_time_to_first_token_seconds",
    help: "From sending to a backend until its first body byte.",
    labelNames: ["backend"],
    buckets: timeBuckets,
    registers,
  });
  const duration = new Histogram({
    name: "harness_router_request_duration_seconds",
    help: "From receiving a request until its last byte was written.",
    labelNames: ["backend"],
    buckets: timeBuckets,
    registers,
  });
  const tokens = new Counter({
    name: "harness_router_tokens_total",
    help: "Tokens by backend and type (input includes cached).",
    labelNames: ["backend", "type"],
    registers,
  });
  const transitions = new Counter({
    name: "harness_router_breaker_transitions_total",
    help: "Circuit breaker state changes, by the state entered.",
    labelNames: ["backend", "to"],
    registers,
  });
  const failovers = new Counter({
    name: "harness_router_failovers_total",
    help: "Requests retried on another backend before any byte reached the client.",
    labelNames: ["from"],
    registers,
  });
  const perBackendGauge = (name: string, help: string, read: (routed: RoutedBackend) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["backend"],
      registers,
      collect() {
        this.reset();
        for (const routed of options.backends()) this.set({ backend: routed.name }, read(routed));
      },
    });
  perBackendGauge("harness_router_in_flight", "Requests in flight per backend.", (r) => r.inFlight);
  perBackendGauge(
    "harness_router_backend_ready",
    "1 when the last health check said ready.",
    (r) => (r.readiness === "ready" ? 1 : 0),
  );
  perBackendGauge(
    "harness_router_breaker_state",
    "Breaker state: 0 closed, 1 half-open, 2 open.",
    (r) => breakerValue[r.breaker.state()],
  );
  new Gauge({
    name: "harness_router_queue_waiting",
    help: "Requests waiting for a free slot.",
    registers,
    collect() {
      this.set(options.queueWaiting());
    },
  });

  // prom-client hashes the label set on every call; children are looked up once and kept.
  const requestChildren = new Map<string, Counter.Internal>();
  const ttftChildren = new Map<string, Histogram.Internal<"backend">>();
  const durationChildren = new Map<string, Histogram.Internal<"backend">>();
  const childOf = <T>(cache: Map<string, T>, key: string, make: () => T): T => {
    let child = cache.get(key);
    if (child === undefined) {
      child = make();
      cache.set(key, child);
    }
    return child;
  };

  return {
    contentType: registry.contentType,
    requestFinished(backend, model, status) {
      const key = `${backend}\u0000${model}\u0000${status}`;
      childOf(requestChildren, key, () => requests.labels(backend, model, String(status))).inc();
    },
    errorSeen: (kind, backend) => errors.inc({ backend, kind }),
    timeToFirstToken(backend, seconds) {
      childOf(ttftChildren, backend, () => ttft.labels(backend)).observe(seconds);
    },
    requestDuration(backend, seconds) {
      childOf(durationChildren, backend, () => duration.labels(backend)).observe(seconds);
    },
    tokensCounted(backend, usage) {
      if (usage.inputTokens > 0) tokens.inc({ backend, type: "input" }, usage.inputTokens);
      if (usage.outputTokens > 0) tokens.inc({ backend, type: "output" }, usage.outputTokens);
      if (usage.cachedTokens > 0) tokens.inc({ backend, type: "cached" }, usage.cachedTokens);
    },
    breakerChanged: (backend, to) => transitions.inc({ backend, to }),
    failedOver: (from) => failovers.inc({ from }),
    render: () => registry.metrics(),
  };
}
