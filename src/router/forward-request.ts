/**
 * The request flow after parsing: take a slot on the best backend (waiting in the queue if all
 * are full), try it, and on a failure before any byte reached the client record it and try the
 * next candidate, each backend at most once. Every attempt ends in exactly one breaker outcome,
 * one statistics record and one set of metrics.
 */
import type { ServerResponse } from "node:http";
import type { EventSink } from "../events.js";
import type { Admission } from "./admission.js";
import { affinityKeyHash } from "./affinity-key.js";
import type { PlacementRequest } from "./balancer.js";
import type { RouterClock } from "./clock.js";
import { watchClient } from "./client-watch.js";
import type { ModelRequest } from "./model-request.js";
import { relayResponse } from "./response-relay.js";
import type { RoutedBackend } from "./routed-backend.js";
import { sendRouterError } from "./router-errors.js";
import type { RouterMetrics } from "./router-metrics.js";
import type { RouterTable } from "./router-table.js";
import { attemptUpstream, type AttemptResult } from "./upstream-attempt.js";

/** What the flow needs from the server; `table` and `settings` are read fresh after reloads. */
export interface ForwardContext {
  table(): RouterTable;
  settings(): { firstByteMs: number; idleMs: number; cooldownMs: number };
  admission: Admission;
  clock: RouterClock;
  metrics: RouterMetrics;
  events: EventSink;
}

type Failure = Extract<AttemptResult, { outcome: "failed" }>;

export async function forwardModelRequest(
  context: ForwardContext,
  request: ModelRequest,
  res: ServerResponse,
): Promise<void> {
  const { admission, clock, metrics } = context;
  const client = watchClient(res);
  let affinity: number | undefined;
  const placement: PlacementRequest = {
    affinityHash: () =>
      (affinity ??= affinityKeyHash(request.protocol, request.headers, request.body)),
  };
  const tried = new Set<RoutedBackend>();
  let lastFailure: Failure | undefined;
  let lastBackend: RoutedBackend | undefined;

  for (;;) {
    const admitted = await admission.admit(
      () => context.table().place(request.model, placement, tried),
      client.waitSignal,
    );
    if (admitted.outcome === "rejected") {
      if (admitted.reason === "cancelled") {
        return finishUnrouted(context, request, 499, "client-closed");
      }
      if (lastFailure && lastBackend) {
        return answerLastFailure(context, request, res, lastBackend, lastFailure);
      }
      const retryAfter =
        admitted.reason === "unavailable" ? Math.ceil(context.settings().cooldownMs / 1000) : 1;
      sendRouterError(res, request.protocol, 503, admitted.message, {
        "retry-after": String(retryAfter),
      });
      return finishUnrouted(context, request, 503, admitted.reason);
    }
    const routed = admitted.routed;
    if (lastFailure && lastBackend) {
      // Counted only now that another backend really takes the request over.
      metrics.failedOver(lastBackend.name);
      context.events.emit({
        type: "request-failed-over",
        backend: lastBackend.name,
        model: request.model,
        reason: `${lastFailure.kind}: ${lastFailure.message}`,
      });
    }
    tried.add(routed);
    let result: AttemptResult;
    try {
      result = await attemptUpstream({
        routed,
        request,
        res,
        client,
        clock,
        timeouts: context.settings(),
      });
    } catch (error) {
      // A bug, not a verdict on the backend; a half-open breaker must not wait for it forever.
      routed.breaker.recordNeutral();
      throw error;
    } finally {
      admission.release(routed);
    }
    const latencyMs = clock.now() - request.receivedAt;
    if (result.outcome !== "failed") {
      return recordAnswer(context, request, routed, result, latencyMs);
    }
    routed.breaker.recordFailure(result.message);
    routed.stats.recordFinished({ ok: false, latencyMs });
    metrics.errorSeen(result.kind, routed.name);
    lastFailure = result;
    lastBackend = routed;
  }
}

function recordAnswer(
  context: ForwardContext,
  request: ModelRequest,
  routed: RoutedBackend,
  result: Exclude<AttemptResult, Failure>,
  latencyMs: number,
): void {
  const { metrics } = context;
  const name = routed.name;
  if (result.outcome === "client-gone") {
    routed.breaker.recordNeutral();
    metrics.errorSeen("client-closed", name);
    metrics.requestFinished(name, request.modelLabel, 499);
    return;
  }
  if (result.brokenAfterWrite !== undefined) {
    routed.breaker.recordFailure(result.brokenAfterWrite);
    metrics.errorSeen("stream-broken", name);
  } else if (result.status === 429) {
    // Rate limited: the backend is fine, just full; neither a success nor a failure.
    routed.breaker.recordNeutral();
  } else {
    routed.breaker.recordSuccess();
  }
  const ok = result.brokenAfterWrite === undefined && result.status < 400;
  routed.stats.recordFinished({
    ok,
    latencyMs,
    ...(result.generationMs !== undefined ? { generationMs: result.generationMs } : {}),
    ...(result.usage ? { usage: result.usage } : {}),
  });
  if (result.ttftMs !== undefined) {
    routed.stats.recordTtft(result.ttftMs);
    metrics.timeToFirstToken(name, result.ttftMs / 1000);
  }
  metrics.requestDuration(name, latencyMs / 1000);
  if (result.usage) metrics.tokensCounted(name, result.usage);
  metrics.requestFinished(name, request.modelLabel, result.status);
}

/** Every candidate failed: the client gets the last upstream 5xx, or a 502/504 of our own. */
async function answerLastFailure(
  context: ForwardContext,
  request: ModelRequest,
  res: ServerResponse,
  routed: RoutedBackend,
  failure: Failure,
): Promise<void> {
  const status = failure.saved?.status ?? (failure.kind === "timeout" ? 504 : 502);
  if (failure.saved) {
    const saved = failure.saved;
    await relayResponse({
      upstream: { status: saved.status, headers: saved.headers, body: bodyOf(saved.body) },
      res,
      callerProtocol: request.protocol,
      backendProtocol: routed.backend.protocol,
      requestedModel: request.model,
      backendName: routed.name,
      ...(request.dialect ? { dialect: request.dialect } : {}),
      onChunk: () => {},
    });
  } else {
    sendRouterError(res, request.protocol, status, `backend ${routed.name}: ${failure.message}`);
  }
  context.metrics.requestFinished(routed.name, request.modelLabel, status);
}

async function* bodyOf(bytes: Buffer): AsyncIterable<Uint8Array> {
  yield bytes;
}

function finishUnrouted(
  context: ForwardContext,
  request: ModelRequest,
  status: number,
  kind: "client-closed" | "unavailable" | "queue-full" | "queue-timeout",
): void {
  context.metrics.errorSeen(kind, "none");
  context.metrics.requestFinished("none", request.modelLabel, status);
}
