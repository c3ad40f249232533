import { describe, expect, it } from "vitest";
import { createBackend } from "../../src/router/backends/create-backend.js";
import { startFakeOpenAiBackend } from "../support/fake-llm-backends.js";
import { chatBody, post, startRouter, type RouterFixture, trackFakes } from "./router-fixture.js";

let router: RouterFixture | undefined;

const timeouts = { connectMs: 500, firstByteMs: 2_000, idleMs: 2_000 };

async function fake(name: string, slots?: number) {
  const started = await startFakeOpenAiBackend({ name, ...(slots ? { slots } : {}) });
  trackFakes(started);
  return started;
}

describe("llama-server health", () => {
  it("reports ready with the slot count from /props", async () => {
    const gpu = await fake("gpu-1", 6);
    const backend = await createBackend(
      { name: "gpu-1", kind: "llama-server", url: gpu.url, models: ["*"], weight: 1 },
      { timeouts },
    );
    expect(await backend.checkHealth(AbortSignal.timeout(1_000))).toEqual({
      readiness: "ready",
      slots: 6,
    });
    await backend.close();
  });

  it("falls back to the length of /slots when /props has no total_slots", async () => {
    const gpu = await startFakeOpenAiBackend({
      name: "old-build",
      slots: 3,
      slotsEndpointOnly: true,
    });
    trackFakes(gpu);
    const backend = await createBackend(
      { name: "old-build", kind: "llama-server", url: gpu.url, models: ["*"], weight: 1 },
      { timeouts },
    );
    expect(await backend.checkHealth(AbortSignal.timeout(1_000))).toEqual({
      readiness: "ready",
      slots: 3,
    });
    await backend.close();
  });

  it("treats 503 as warming up, not down, and a refused connection as down", async () => {
    const gpu = await fake("gpu-1");
    gpu.healthStatus = 503;
    const backend = await createBackend(
      { name: "gpu-1", kind: "llama-server", url: gpu.url, models: ["*"], weight: 1 },
      { timeouts },
    );
    expect(await backend.checkHealth(AbortSignal.timeout(1_000))).toEqual({
      readiness: "warming",
      detail: "Loading model",
    });
    await gpu.kill();
    const down = await backend.checkHealth(AbortSignal.timeout(1_000));
    expect(down.readiness).toBe("down");
    expect(down.detail).toContain("ECONNREFUSED");
    await backend.close();
  });

  it("checks openai-compatible servers with GET /v1/models", async () => {
    const gpu = await fake("vllm");
    const backend = await createBackend(
      { name: "vllm", kind: "openai-compatible", url: `${gpu.url}/v1`, models: ["*"], weight: 1 },
      { timeouts },
    );
    expect((await backend.checkHealth(AbortSignal.timeout(1_000))).readiness).toBe("ready");
    gpu.healthStatus = 503;
    expect((await backend.checkHealth(AbortSignal.timeout(1_000))).readiness).toBe("down");
    await backend.close();
  });
});

describe("the router's health checks", () => {
  it("keeps a warming backend out of rotation without tripping it, and polls it until ready", async () => {
    const warming = await fake("warming");
    const ready = await fake("ready");
    warming.healthStatus = 503;
    router = await startRouter([{ fake: warming }, { fake: ready }], {
      overrides: { strategy: "round-robin" },
    });
    const before = router.server.snapshot().backends;
    expect(before.map((backend) => [backend.name, backend.readiness, backend.breaker])).toEqual([
      ["warming", "warming", "closed"],
      ["ready", "ready", "closed"],
    ]);
    for (let index = 0; index < 4; index++) {
      expect((await post(`${router.url}/v1/chat/completions`, chatBody())).status).toBe(200);
    }
    expect(warming.requests).toHaveLength(0);
    expect(router.events).toContainEqual({
      type: "backend-unready",
      backend: "warming",
      readiness: "warming",
      detail: "Loading model",
    });

    // The fixture polls warming backends every 20 ms: it joins soon after it is ready.
    warming.healthStatus = 200;
    await expect
      .poll(() => router!.server.snapshot().backends[0]?.readiness, { timeout: 2_000 })
      .toBe("ready");
    expect(router.events).toContainEqual({ type: "backend-ready", backend: "warming" });
    for (let index = 0; index < 4; index++)
      await post(`${router.url}/v1/chat/completions`, chatBody());
    expect(warming.requests.length).toBeGreaterThan(0);
  });

  it("answers /health 200 when one backend is ready and 503 when none is", async () => {
    const gpu = await fake("gpu-1");
    router = await startRouter([{ fake: gpu }]);
    expect((await fetch(`${router.url}/health`)).status).toBe(200);
    gpu.healthStatus = 503;
    await router.server.checkHealthNow();
    const response = await fetch(`${router.url}/health`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: "unavailable", ready: 0 });
  });

  it("uses the reported slots for admission when the config sets none", async () => {
    const gpu = await fake("gpu-1", 3);
    router = await startRouter([{ fake: gpu }]);
    expect(router.server.snapshot().backends[0]?.slots).toBe(3);
  });
});
