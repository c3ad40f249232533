/**
 * The router's HTTP front door on node:http: OpenAI chat completions, the OpenAI Responses API
 * (served as chat completions) and Anthropic messages in, any configured backend out; plus
 * models, token counts, health, metrics and status. It owns the routing state (table, admission
 * queue, health checks, metrics) but not the backends: whoever created them closes them, after
 * `close()` or after a `reload()` that dropped them.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { nullSink, type EventSink } from "../events.js";
import { createAdmission } from "./admission.js";
import type { Backend } from "./backend.js";
import { systemClock, type RouterClock } from "./clock.js";
import type { ForwardContext } from "./forward-request.js";
import { createHealthChecker, type HealthChecker } from "./health-checker.js";
import { healthReport, modelList, sendJson } from "./info-endpoints.js";
import { assertSafeToListen, listenError, type RouterConfig } from "./router-config.js";
import { protocolOfPath, sendRouterError } from "./router-errors.js";
import { createRouterMetrics } from "./router-metrics.js";
import { handleModelEndpoint, type RouterLogger } from "./model-endpoints.js";
import { describeRouter, type RouterStatus } from "./router-status.js";
import { createRouterTable, type RouterTable } from "./router-table.js";
import { createTokenCheck } from "./token-check.js";
import { createStateEvents } from "./state-events.js";

export type { RouterLogger } from "./model-endpoints.js";

/** Collaborators; tests pass a clock, an event collector and short health-check timings. */
export interface RouterServerOptions {
  config: RouterConfig;
  backends: readonly Backend[];
  clock?: RouterClock;
  events?: EventSink;
  logger?: RouterLogger;
  /** Log request bodies at debug level; off by default because prompts may hold secrets. */
  logBodies?: boolean;
  healthCheck?: { warmingIntervalMs?: number; timeoutMs?: number };
  /** How long `close()` lets requests in flight finish before cutting them; default 10 s. */
  closeTimeoutMs?: number;
}

/** A router that is not listening until `listen()`; `reload` swaps config and backends live. */
export interface RouterServer {
  listen(): Promise<{ url: string }>;
  close(): Promise<void>;
  reload(config: RouterConfig, backends: readonly Backend[]): void;
  snapshot(): RouterStatus;
  /** Runs one round of health checks now (the CLI's `--wait-ready`, tests). */
  checkHealthNow(): Promise<void>;
}

export function createRouterServer(options: RouterServerOptions): RouterServer {
  assertSafeToListen(options.config);
  const clock = options.clock ?? systemClock;
  const events = options.events ?? nullSink;
  let config = options.config;
  let tokenCheck = createTokenCheck(config.token);
  const settingsOf = (from: RouterConfig) => ({
    ...from.timeouts,
    cooldownMs: from.breaker.cooldownMs,
  });
  let settings = settingsOf(config);
  const admission = createAdmission({ settings: config, clock });
  // Assigned below; the metrics read it only when scraped, long after.
  let table: RouterTable;
  const metrics = createRouterMetrics({
    backends: () => table.backends,
    queueWaiting: () => admission.waiting,
  });
  const stateEvents = createStateEvents({
    events,
    admission,
    onBreakerChange: (name, to) => metrics.breakerChanged(name, to),
  });
  table = createRouterTable({
    config,
    backends: options.backends,
    clock,
    onBreakerTransition: stateEvents.breakerTransition,
  });
  const newHealthChecker = (): HealthChecker =>
    createHealthChecker({
      settings: { intervalMs: config.healthIntervalMs, ...options.healthCheck },
      clock,
      onReadinessChange: stateEvents.readinessChange,
    });
  let healthChecker = newHealthChecker();
  const forwardContext: ForwardContext = {
    table: () => table,
    settings: () => settings,
    admission,
    clock,
    metrics,
    events,
  };
  const modelContext = {
    forward: forwardContext,
    clock,
    ...(options.logger ? { logger: options.logger } : {}),
    logBodies: options.logBodies ?? false,
  };

  let active = 0;
  let onIdle: (() => void) | undefined;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = query === -1 ? url : url.slice(0, query);
    const method = req.method ?? "GET";
    // Claude Code checks the base URL with HEAD / before its first call; health is for probes.
    if (path === "/" && (method === "HEAD" || method === "GET")) {
      return void res.writeHead(200).end();
    }
    if (path === "/health" && method === "GET") {
      const report = healthReport(table);
      return sendJson(res, report.status, report.body);
    }
    const protocol = protocolOfPath(path);
    if (!tokenCheck(req.headers)) {
      return sendRouterError(res, protocol, 401, "missing or wrong router token", {
        "www-authenticate": "Bearer",
      });
    }
    if (
      method === "POST" &&
      (path === "/v1/chat/completions" ||
        path.startsWith("/v1/messages") ||
        path.startsWith("/v1/responses"))
    ) {
      return handleModelEndpoint(modelContext, path, req, res);
    }
    if (method === "GET" && path === "/v1/models") return sendJson(res, 200, modelList(table));
    if (method === "GET" && path === "/status") return sendJson(res, 200, snapshot());
    if (method === "GET" && path === "/metrics") {
      const text = await metrics.render();
      res.writeHead(200, { "content-type": metrics.contentType });
      return void res.end(text);
    }
    sendRouterError(res, protocol, 404, `no route for ${method} ${path}`);
  };

  const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    active++;
    res.on("close", () => {
      active--;
      if (active === 0) onIdle?.();
    });
    handle(req, res).catch((error: unknown) => {
      options.logger?.log("error", "router bug while handling a request", { error: String(error) });
      if (!res.headersSent)
        sendRouterError(res, protocolOfPath(req.url ?? "/"), 500, "router error");
      else res.destroy();
    });
  });

  const snapshot = () =>
    describeRouter(table, { waiting: admission.waiting, max: config.maxQueue });

  return {
    async listen() {
      await new Promise<void>((resolve, reject) => {
        const fail = (error: Error) => reject(listenError(error, config));
        server.once("error", fail);
        server.listen(config.port, config.host, () => {
          server.off("error", fail);
          resolve();
        });
      });
      healthChecker.start(table.backends);
      const { address, port } = server.address() as AddressInfo;
      return { url: `http://${address.includes(":") ? `[${address}]` : address}:${port}` };
    },
    async close() {
      healthChecker.stop();
      admission.rejectAll("the router is shutting down");
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if (active > 0) {
        await new Promise<void>((resolve) => {
          const timer = clock.setTimer(resolve, options.closeTimeoutMs ?? 10_000);
          onIdle = () => {
            timer.cancel();
            resolve();
          };
        });
      }
      server.closeAllConnections();
      await closed;
    },
    reload(nextConfig, backends) {
      assertSafeToListen(nextConfig);
      const intervalChanged = nextConfig.healthIntervalMs !== config.healthIntervalMs;
      const next = createRouterTable({
        config: nextConfig,
        backends,
        previous: table,
        clock,
        onBreakerTransition: stateEvents.breakerTransition,
      });
      config = nextConfig;
      settings = settingsOf(config);
      table = next;
      tokenCheck = createTokenCheck(config.token);
      admission.configure(config);
      if (intervalChanged) {
        healthChecker.stop();
        healthChecker = newHealthChecker();
      }
      if (server.listening) healthChecker.start(table.backends);
      admission.recheck();
    },
    snapshot,
    checkHealthNow: () => healthChecker.checkAll(table.backends),
  };
}
