import { describe, expect, it } from "vitest";
import { startFakeOpenAiBackend } from "../support/fake-llm-backends.js";
import { chatBody, post, startRouter, type RouterFixture, trackFakes } from "./router-fixture.js";

let router: RouterFixture | undefined;

describe("/status and /metrics", () => {
  it("report load, latency, tokens and cache hits per backend", async () => {
    const gpu = await startFakeOpenAiBackend({ name: "gpu-1", slots: 2 });
    const broken = await startFakeOpenAiBackend({ name: "broken", slots: 2 });
    trackFakes(gpu, broken);
    broken.behavior = { status: 503 };
    router = await startRouter([{ fake: broken }, { fake: gpu }], {
      overrides: { strategy: "round-robin", aliases: { fast: ["gpu-1"] } },
    });
    const messages = [{ role: "user", content: "a long and stable prompt ".repeat(20) }];
    await post(`${router.url}/v1/chat/completions`, chatBody({ model: "fast", messages }));
    await post(
      `${router.url}/v1/chat/completions`,
      chatBody({ model: "fast", messages, stream: true }),
    );
    await post(`${router.url}/v1/chat/completions`, chatBody({ model: "anything", messages }));

    const status = (await (await fetch(`${router.url}/status`)).json()) as {
      strategy: string;
      queue: { waiting: number; max: number };
      models: string[];
      backends: {
        name: string;
        state: string;
        slots: number;
        inFlight: number;
        stats: {
          requests: number;
          failures: number;
          ttftMs: { p50?: number; p95?: number };
          latencyMs: { p50?: number; p95?: number };
          tokens: { inputTokens: number; outputTokens: number; cachedTokens: number };
          cacheHitRatio?: number;
        };
      }[];
    };
    expect(status.strategy).toBe("round-robin");
    expect(status.queue).toEqual({ waiting: 0, max: 64 });
    expect(status.models).toEqual(["fast"]);
    const [brokenStatus, gpuStatus] = status.backends;
    expect(brokenStatus).toMatchObject({ name: "broken", stats: { failures: 1 } });
    expect(gpuStatus).toMatchObject({ name: "gpu-1", state: "available", slots: 2, inFlight: 0 });
    expect(gpuStatus?.stats.requests).toBe(3);
    expect(gpuStatus?.stats.ttftMs.p50).toBeGreaterThanOrEqual(0);
    expect(gpuStatus?.stats.latencyMs.p95).toBeGreaterThan(0);
    // The streamed answer's usage came from its last event, the others from their bodies.
    expect(gpuStatus?.stats.tokens.outputTokens).toBe(9);
    expect(gpuStatus?.stats.tokens.inputTokens).toBeGreaterThan(300);
    // Same prompt three times: the fake's cache_n covers most of the last two.
    expect(gpuStatus?.stats.cacheHitRatio).toBeGreaterThan(0.6);

    const metrics = await (await fetch(`${router.url}/metrics`)).text();
    expect(metrics).toContain(
      'harness_router_requests_total{backend="gpu-1",model="fast",status="200"} 2',
    );
    expect(metrics).toContain(
      'harness_router_requests_total{backend="gpu-1",model="other",status="200"} 1',
    );
    expect(metrics).toContain(
      'harness_router_errors_total{backend="broken",kind="upstream-5xx"} 1',
    );
    expect(metrics).toContain('harness_router_failovers_total{from="broken"} 1');
    expect(metrics).toMatch(/harness_router_tokens_total\{backend="gpu-1",type="cached"\} \d+/);
    expect(metrics).toContain('harness_router_in_flight{backend="gpu-1"} 0');
    expect(metrics).toContain('harness_router_backend_ready{backend="gpu-1"} 1');
    expect(metrics).toContain('harness_router_breaker_state{backend="broken"} 0');
    expect(metrics).toContain("harness_router_time_to_first_token_seconds_bucket");
    expect(metrics).toContain("harness_router_request_duration_seconds_count");
  });

  it("counts breaker transitions", async () => {
    const broken = await startFakeOpenAiBackend({ name: "broken" });
    trackFakes(broken);
    broken.behavior = { status: 500 };
    router = await startRouter([{ fake: broken }], {
      overrides: { breaker: { consecutiveFailures: 1 } },
    });
    expect((await post(`${router.url}/v1/chat/completions`, chatBody())).status).toBe(500);
    const unavailable = await post(`${router.url}/v1/chat/completions`, chatBody());
    expect(unavailable.status).toBe(503);
    const metrics = await (await fetch(`${router.url}/metrics`)).text();
    expect(metrics).toContain(
      'harness_router_breaker_transitions_total{backend="broken",to="open"} 1',
    );
    expect(metrics).toContain('harness_router_breaker_state{backend="broken"} 2');
    expect(metrics).toContain('harness_router_errors_total{backend="none",kind="unavailable"} 1');
  });
});
