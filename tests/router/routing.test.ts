import { describe, expect, it } from "vitest";
import { startFakeOpenAiBackend } from "../support/fake-llm-backends.js";
import {
  chatBody,
  post,
  startRouter,
  type FakeEntry,
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

const backendOf = (response: { headers: Headers }) => response.headers.get("x-harness-backend");

describe("prefix affinity (the default strategy)", () => {
  it("keeps a session on one backend, and sessions spread over backends", async () => {
    const started = await startFakes(["gpu-1", "gpu-2", "gpu-3"]);
    router = await startRouter(started.map((fake) => ({ fake })));
    const homes = new Map<string, string | null>();
    for (let session = 0; session < 12; session++) {
      for (let turn = 0; turn < 3; turn++) {
        const response = await post(`${router.url}/v1/chat/completions`, chatBody(), {
          "x-session-id": `session-${session}`,
        });
        const backend = backendOf(response);
        if (turn === 0) homes.set(`session-${session}`, backend);
        expect(backend).toBe(homes.get(`session-${session}`));
      }
    }
    expect(new Set(homes.values()).size).toBeGreaterThan(1);
  });

  it("follows a growing prompt without a session id, and the backend's cache hits show in /status", async () => {
    const started = await startFakes(["gpu-1", "gpu-2", "gpu-3"]);
    router = await startRouter(started.map((fake) => ({ fake })));
    const messages: { role: string; content: string }[] = [
      { role: "system", content: "You are a careful coding agent. ".repeat(40) },
      { role: "user", content: "Refactor the parser" },
    ];
    const seen = new Set<string | null>();
    for (let turn = 0; turn < 5; turn++) {
      const response = await post(`${router.url}/v1/chat/completions`, { model: "m", messages });
      seen.add(backendOf(response));
      messages.push(
        { role: "assistant", content: `step ${turn} done` },
        { role: "user", content: "next" },
      );
    }
    expect(seen.size).toBe(1);
    const status = router.server
      .snapshot()
      .backends.find((backend) => backend.name === [...seen][0]);
    expect(status?.stats.cacheHitRatio).toBeGreaterThan(0.5);
  });

  it("spills to the next backend only while the favourite is saturated", async () => {
    const [first, second] = await startFakes(["gpu-1", "gpu-2"]);
    router = await startRouter([
      { fake: first!, slots: 1 },
      { fake: second!, slots: 1 },
    ]);
    const headers = { "x-session-id": "sticky" };
    const home = backendOf(await post(`${router.url}/v1/chat/completions`, chatBody(), headers));
    const homeFake = home === "gpu-1" ? first! : second!;
    homeFake.behavior = { firstByteDelayMs: 150 };
    const [slow, spilled] = await Promise.all([
      post(`${router.url}/v1/chat/completions`, chatBody(), headers),
      new Promise((resolve) => setTimeout(resolve, 40)).then(() =>
        post(`${router!.url}/v1/chat/completions`, chatBody(), headers),
      ),
    ]);
    expect(backendOf(slow)).toBe(home);
    expect(backendOf(spilled)).not.toBe(home);
    homeFake.behavior = {};
    expect(backendOf(await post(`${router.url}/v1/chat/completions`, chatBody(), headers))).toBe(
      home,
    );
  });
});

describe("models, aliases and pools", () => {
  it("falls back to the next pool of an alias only when the first is unavailable", async () => {
    const [local1, local2, cloud] = await startFakes(["local-1", "local-2", "cloud"]);
    const entries: FakeEntry[] = [
      { fake: local1!, models: ["qwen"] },
      { fake: local2!, models: ["qwen"] },
      { fake: cloud!, kind: "openai-compatible", models: ["gpt"] },
    ];
    router = await startRouter(entries, {
      overrides: { aliases: { smart: ["local-1,local-2", "cloud"] }, strategy: "round-robin" },
    });
    const answers = [];
    for (let index = 0; index < 4; index++) {
      answers.push(
        backendOf(await post(`${router.url}/v1/chat/completions`, chatBody({ model: "smart" }))),
      );
    }
    expect(new Set(answers)).toEqual(new Set(["local-1", "local-2"]));

    local1!.healthStatus = 500;
    local2!.healthStatus = 503;
    await router.server.checkHealthNow();
    const fallback = await post(`${router.url}/v1/chat/completions`, chatBody({ model: "smart" }));
    expect(backendOf(fallback)).toBe("cloud");

    // A model id routes only to the backends that list it; one still loading is waited for.
    const waiting = post(`${router.url}/v1/chat/completions`, chatBody({ model: "qwen" }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    local2!.healthStatus = 200;
    expect(backendOf(await waiting)).toBe("local-2");

    // With nothing loading, there is nothing to wait for.
    local2!.healthStatus = 500;
    await router.server.checkHealthNow();
    const direct = await post(`${router.url}/v1/chat/completions`, chatBody({ model: "qwen" }));
    expect(direct.status).toBe(503);
    expect(direct.headers.get("retry-after")).toBe("5");
    expect(direct.text).toContain("local-1 down (GET /health answered 500)");
  });
});

describe("admission", () => {
  it("answers 503 with retry-after when every slot is taken and the queue wait runs out", async () => {
    const [gpu] = await startFakes(["gpu-1"]);
    gpu!.behavior = { firstByteDelayMs: 300 };
    router = await startRouter([{ fake: gpu!, slots: 1 }], {
      overrides: { maxQueue: 1, maxQueueWaitMs: 50 },
    });
    const [first, queued, rejected] = await Promise.all([
      post(`${router.url}/v1/chat/completions`, chatBody()),
      post(`${router.url}/v1/chat/completions`, chatBody()),
      new Promise((resolve) => setTimeout(resolve, 20)).then(() =>
        post(`${router!.url}/v1/messages`, { model: "m", max_tokens: 5, messages: [] }),
      ),
    ]);
    expect(first.status).toBe(200);
    expect(queued.status).toBe(503);
    expect(queued.text).toContain("no backend had a free slot within 50 ms");
    expect(rejected.status).toBe(503);
    expect(rejected.headers.get("retry-after")).toBe("1");
    expect(JSON.parse(rejected.text)).toMatchObject({
      type: "error",
      error: { type: "overloaded_error" },
    });
    expect(gpu!.requests).toHaveLength(1);
  });

  it("serves queued requests as slots free up", async () => {
    const [gpu] = await startFakes(["gpu-1"]);
    gpu!.behavior = { firstByteDelayMs: 30 };
    router = await startRouter([{ fake: gpu!, slots: 1 }]);
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => post(`${router!.url}/v1/chat/completions`, chatBody())),
    );
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(router.server.snapshot().backends[0]?.inFlight).toBe(0);
  });
});
