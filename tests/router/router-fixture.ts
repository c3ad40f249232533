/**
 * Starts a real router (createRouterServer on 127.0.0.1, port 0) in front of fake backends, with
 * the config defaults from the schema and whatever a test overrides.
 */
import { afterEach } from "vitest";
import { createBackend } from "../../src/router/backends/create-backend.js";
import type { Backend } from "../../src/router/backend.js";
import type { RouterClock } from "../../src/router/clock.js";
import type { RouterConfig } from "../../src/router/router-config.js";
import { createRouterServer, type RouterServer } from "../../src/router/router-server.js";
import { configSchema } from "../../src/config/schema.js";
import { createCollectingSink, type HarnessEvent } from "../../src/events.js";
import type { FakeLlmBackend } from "../support/fake-llm-backends.js";

/** How one fake appears in the router config. */
export interface FakeEntry {
  fake: FakeLlmBackend;
  kind?: "llama-server" | "openai-compatible" | "openai" | "anthropic";
  models?: string[];
  model?: string;
  weight?: number;
  slots?: number;
  apiKey?: string;
}

export interface RouterFixture {
  url: string;
  server: RouterServer;
  config: RouterConfig;
  /** The backends to close at the end; a test that reloads puts the new ones here. */
  backends: Backend[];
  events: HarnessEvent[];
  close(): Promise<void>;
}

export function routerConfig(
  entries: readonly FakeEntry[],
  overrides: Record<string, unknown> = {},
): RouterConfig {
  return configSchema.parse({
    router: {
      port: 0,
      backends: entries.map((entry) => ({
        name: entry.fake.name,
        kind: entry.kind ?? "llama-server",
        url: entry.fake.url,
        models: entry.models ?? ["*"],
        weight: entry.weight ?? 1,
        ...(entry.model ? { model: entry.model } : {}),
        ...(entry.slots ? { slots: entry.slots } : {}),
        ...(entry.apiKey ? { apiKey: entry.apiKey } : {}),
      })),
      ...overrides,
    },
  }).router;
}

export async function createBackends(config: RouterConfig): Promise<Backend[]> {
  return Promise.all(
    config.backends.map((entry) => createBackend(entry, { timeouts: config.timeouts })),
  );
}

// Every router and fake backend a test starts is closed after it, routers first, so no test
// file repeats the clean-up.
const openRouters: RouterFixture[] = [];
const openFakes: FakeLlmBackend[] = [];

afterEach(async () => {
  await Promise.all(openRouters.splice(0).map((router) => router.close()));
  await Promise.all(openFakes.splice(0).map((fake) => fake.close()));
});

/** Closes these fake backends after the current test. */
export function trackFakes(...fakes: FakeLlmBackend[]): void {
  openFakes.push(...fakes);
}

/** Starts a router over the fake backends; it is closed after the current test. */
export async function startRouter(
  entries: readonly FakeEntry[],
  options: {
    overrides?: Record<string, unknown>;
    clock?: RouterClock;
    waitForHealth?: boolean;
  } = {},
): Promise<RouterFixture> {
  const config = routerConfig(entries, options.overrides);
  const backends = await createBackends(config);
  const sink = createCollectingSink();
  const server = createRouterServer({
    config,
    backends,
    events: sink,
    healthCheck: { warmingIntervalMs: 20, timeoutMs: 500 },
    closeTimeoutMs: 200,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const { url } = await server.listen();
  if (options.waitForHealth !== false) await server.checkHealthNow();
  let closing: Promise<void> | undefined;
  const fixture: RouterFixture = {
    url,
    server,
    config,
    backends,
    events: sink.events,
    // Idempotent: a test may close its router itself before the automatic clean-up.
    close() {
      closing ??= (async () => {
        await server.close();
        await Promise.all(fixture.backends.map((backend) => backend.close()));
      })();
      return closing;
    },
  };
  openRouters.push(fixture);
  return fixture;
}

/** POST a JSON body to the router; returns status, headers and the body text. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

export function chatBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: "local", messages: [{ role: "user", content: "Say hello" }], ...extra };
}

export function messagesBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: "local",
    max_tokens: 64,
    messages: [{ role: "user", content: "Say hello" }],
    ...extra,
  };
}
