import http from "node:http";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { createRouterServer } from "../../src/router/router-server.js";
import { startFakeOpenAiBackend } from "../support/fake-llm-backends.js";
import { createFakeClock } from "./fake-clock.js";
import {
  chatBody,
  createBackends,
  post,
  routerConfig,
  startRouter,
  type RouterFixture,
  trackFakes,
} from "./router-fixture.js";

let router: RouterFixture | undefined;

async function startFakes(names: string[]) {
  const started = await Promise.all(
    names.map((name) => startFakeOpenAiBackend({ name, slots: 4 })),
  );
  trackFakes(...started);
  return started;
}

describe("circuit breaking in the router", () => {
  it("trips a failing backend, keeps it out, probes after the cool-down and recovers", async () => {
    const [flaky, steady] = await startFakes(["flaky", "steady"]);
    const clock = createFakeClock();
    router = await startRouter([{ fake: flaky! }, { fake: steady! }], {
      clock,
      overrides: {
        strategy: "round-robin",
        breaker: { consecutiveFailures: 2, cooldownMs: 5_000 },
      },
    });
    flaky!.behavior = { status: 500 };
    for (let index = 0; index < 6; index++) {
      expect((await post(`${router.url}/v1/chat/completions`, chatBody())).status).toBe(200);
    }
    expect(flaky!.requests).toHaveLength(2);
    expect(router.events).toContainEqual({
      type: "backend-tripped",
      backend: "flaky",
      reason: "2 failures in a row, last: answered 500",
    });
    expect(router.server.snapshot().backends[0]).toMatchObject({
      breaker: "open",
      state: "tripped",
    });

    flaky!.behavior = {};
    clock.advance(5_000);
    expect(router.server.snapshot().backends[0]?.breaker).toBe("half-open");
    for (let index = 0; index < 4; index++)
      await post(`${router.url}/v1/chat/completions`, chatBody());
    expect(flaky!.requests.length).toBeGreaterThan(2);
    expect(router.server.snapshot().backends[0]?.breaker).toBe("closed");
    expect(router.events).toContainEqual({ type: "backend-recovered", backend: "flaky" });
  });

  it("does not count 4xx answers caused by the request", async () => {
    const [gpu] = await startFakes(["gpu-1"]);
    gpu!.behavior = { status: 400 };
    router = await startRouter([{ fake: gpu! }], {
      overrides: { breaker: { consecutiveFailures: 1 } },
    });
    for (let index = 0; index < 3; index++) {
      expect((await post(`${router.url}/v1/chat/completions`, chatBody())).status).toBe(400);
    }
    expect(router.server.snapshot().backends[0]?.breaker).toBe("closed");
  });
});

describe("client disconnects", () => {
  it("abort the upstream request", async () => {
    const [gpu] = await startFakes(["gpu-1"]);
    gpu!.behavior = { eventDelayMs: 50 };
    router = await startRouter([{ fake: gpu! }]);
    const request = http.request(`${router.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
    });
    request.on("error", () => {});
    request.on("response", (response) => {
      response.once("data", () => request.destroy());
    });
    request.end(JSON.stringify(chatBody({ stream: true })));
    await expect.poll(() => gpu!.aborted, { timeout: 2_000 }).toBe(1);
    await expect.poll(() => router!.server.snapshot().backends[0]?.inFlight).toBe(0);
    expect(router.server.snapshot().backends[0]?.breaker).toBe("closed");
  });

  it("abort a request still waiting for its first byte", async () => {
    const [gpu] = await startFakes(["gpu-1"]);
    gpu!.behavior = { hang: true };
    router = await startRouter([{ fake: gpu! }]);
    const controller = new AbortController();
    const pending = fetch(`${router.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify(chatBody()),
      signal: controller.signal,
    }).catch(() => undefined);
    await expect.poll(() => gpu!.active).toBe(1);
    controller.abort();
    await pending;
    await expect.poll(() => gpu!.aborted, { timeout: 2_000 }).toBe(1);
  });
});

describe("the router token", () => {
  it("is required as a bearer token or x-api-key when set", async () => {
    const [gpu] = await startFakes(["gpu-1"]);
    router = await startRouter([{ fake: gpu! }], { overrides: { token: "s3cret" } });
    const missing = await post(`${router.url}/v1/chat/completions`, chatBody());
    expect(missing.status).toBe(401);
    const wrong = await post(`${router.url}/v1/messages`, chatBody(), { "x-api-key": "nope" });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.text)).toMatchObject({ error: { type: "authentication_error" } });
    expect((await fetch(`${router.url}/status`)).status).toBe(401);
    expect(
      (
        await post(`${router.url}/v1/chat/completions`, chatBody(), {
          authorization: "Bearer s3cret",
        })
      ).status,
    ).toBe(200);
    expect(
      (await fetch(`${router.url}/status`, { headers: { "x-api-key": "s3cret" } })).status,
    ).toBe(200);
    // Probes stay open: HEAD / and /health.
    expect((await fetch(router.url, { method: "HEAD" })).status).toBe(200);
    expect((await fetch(`${router.url}/health`)).status).toBe(200);
    expect(gpu!.requests).toHaveLength(1);
  });

  it("explains a port that is already taken", async () => {
    const [gpu] = await startFakes(["gpu-1"]);
    const port = Number(new URL(gpu!.url).port);
    const server = createRouterServer({ config: routerConfig([], { port }), backends: [] });
    await expect(server.listen()).rejects.toThrow(/port is in use/);
  });

  it("must be set to listen beyond loopback", () => {
    const config = routerConfig([], { host: "0.0.0.0" });
    expect(() => createRouterServer({ config, backends: [] })).toThrow(ConfigError);
    expect(() =>
      createRouterServer({ config: { ...config, token: "t" }, backends: [] }),
    ).not.toThrow();
  });
});

describe("reload", () => {
  it("swaps backends without dropping requests in flight", async () => {
    const [old, replacement] = await startFakes(["old", "new"]);
    old!.behavior = { firstByteDelayMs: 150 };
    router = await startRouter([{ fake: old! }]);
    const inFlight = post(`${router.url}/v1/chat/completions`, chatBody({ stream: true }));
    await expect.poll(() => old!.active).toBe(1);

    const nextConfig = routerConfig([{ fake: replacement! }]);
    const nextBackends = await createBackends(nextConfig);
    const oldBackends = router.backends;
    router.server.reload(nextConfig, nextBackends);
    router.backends = nextBackends;
    const closing = Promise.all(oldBackends.map((backend) => backend.close()));

    const after = await post(`${router.url}/v1/chat/completions`, chatBody());
    expect(after.headers.get("x-harness-backend")).toBe("new");
    const finished = await inFlight;
    expect(finished.status).toBe(200);
    expect(finished.text).toContain("data: [DONE]");
    await closing;
    expect(router.server.snapshot().backends.map((backend) => backend.name)).toEqual(["new"]);
  });

  it("keeps the state of a backend passed again", async () => {
    const [gpu] = await startFakes(["gpu-1"]);
    router = await startRouter([{ fake: gpu! }]);
    await post(`${router.url}/v1/chat/completions`, chatBody());
    router.server.reload(
      routerConfig([{ fake: gpu! }], { strategy: "least-busy" }),
      router.backends,
    );
    const status = router.server.snapshot();
    expect(status.strategy).toBe("least-busy");
    expect(status.backends[0]?.stats.requests).toBe(1);
    expect(status.backends[0]?.readiness).toBe("ready");
  });
});
