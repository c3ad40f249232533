import { describe, expect, it } from "vitest";
import { startFakeAnthropicBackend, startFakeOpenAiBackend } from "../support/fake-llm-backends.js";
import { chatBody, post, startRouter, type RouterFixture, trackFakes } from "./router-fixture.js";

let router: RouterFixture | undefined;

async function startFakes(count: number) {
  const started = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      startFakeOpenAiBackend({ name: `gpu-${index + 1}`, slots: 8 }),
    ),
  );
  trackFakes(...started);
  return started;
}

describe("failover before the first byte", () => {
  it("answers every request when one of three backends dies", async () => {
    const [first, second, third] = await startFakes(3);
    router = await startRouter([{ fake: first! }, { fake: second! }, { fake: third! }], {
      overrides: { strategy: "round-robin" },
    });
    await second!.kill();
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        post(
          `${router!.url}/v1/chat/completions`,
          chatBody({ stream: index % 2 === 0, user: `u${index}` }),
        ),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(30).fill(200));
    responses.forEach((response, index) =>
      expect(response.text).toContain(index % 2 === 0 ? "data: [DONE]" : "Hello from"),
    );
    expect(router.events.some((event) => event.type === "request-failed-over")).toBe(true);
  });

  it("retries a 5xx on the next backend and returns the last 5xx when all fail", async () => {
    const [first, second] = await startFakes(2);
    router = await startRouter([{ fake: first! }, { fake: second! }]);
    first!.behavior = { status: 500 };
    second!.behavior = { status: 502 };
    const failed = await post(`${router.url}/v1/chat/completions`, chatBody());
    expect([500, 502]).toContain(failed.status);
    expect(failed.text).toContain("fake failure");
    expect(first!.requests).toHaveLength(1);
    expect(second!.requests).toHaveLength(1);

    second!.behavior = {};
    const recovered = await post(`${router.url}/v1/chat/completions`, chatBody({ user: "x" }));
    expect(recovered.status).toBe(200);
    expect(recovered.headers.get("x-harness-backend")).toBe("gpu-2");
  });

  it("gives up on a backend that does not answer within firstByteMs", async () => {
    const [slow, fast] = await startFakes(2);
    slow!.behavior = { hang: true };
    router = await startRouter([{ fake: slow! }, { fake: fast! }], {
      overrides: { strategy: "round-robin", timeouts: { firstByteMs: 150 } },
    });
    const responses = await Promise.all(
      [0, 1, 2, 3].map(() => post(`${router!.url}/v1/chat/completions`, chatBody())),
    );
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200]);
    expect(responses.every((response) => response.text.includes("gpu-2"))).toBe(true);
  });

  it("treats a slow first byte within the limit as success", async () => {
    const [slow] = await startFakes(1);
    slow!.behavior = { firstByteDelayMs: 60 };
    router = await startRouter([{ fake: slow! }], {
      overrides: { timeouts: { firstByteMs: 1000 } },
    });
    const response = await post(`${router.url}/v1/chat/completions`, chatBody({ stream: true }));
    expect(response.status).toBe(200);
  });

  it("answers 502 when no backend could be reached", async () => {
    const [only] = await startFakes(1);
    router = await startRouter([{ fake: only! }]);
    await only!.kill();
    const response = await post(`${router.url}/v1/messages`, {
      model: "local",
      max_tokens: 10,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(response.status).toBe(502);
    expect(JSON.parse(response.text)).toMatchObject({
      type: "error",
      error: { type: "api_error" },
    });
  });
});

describe("once streaming has started", () => {
  it("never retries, and ends the stream with an error event", async () => {
    const [breaking, healthy] = await startFakes(2);
    breaking!.behavior = { disconnectAfterEvents: 3 };
    router = await startRouter([{ fake: breaking! }, { fake: healthy! }], {
      overrides: { strategy: "least-busy" },
    });
    // least-busy rotates between idle backends: send until the breaking one was chosen.
    let text = "";
    let sent = 0;
    while (sent < 4 && !text.includes("error")) {
      text = (await post(`${router.url}/v1/chat/completions`, chatBody({ stream: true }))).text;
      sent++;
    }
    expect(text).toContain('data: {"error":');
    expect(text).toContain("broke off");
    // No request was tried twice: the broken one was not retried on the healthy backend.
    expect(healthy!.requests.length + breaking!.requests.length).toBe(sent);
    // The events before the break arrived whole, then the error event.
    const events = text.split("\n\n").filter(Boolean);
    expect(events).toHaveLength(4);
    expect(events.slice(0, 3).every((event) => event.startsWith('data: {"id"'))).toBe(true);
  });

  it("ends a broken Anthropic stream with an `error` event", async () => {
    const breaking = await startFakeAnthropicBackend({ name: "claude" });
    trackFakes(breaking);
    breaking.behavior = { disconnectAfterEvents: 3 };
    router = await startRouter([{ fake: breaking, kind: "anthropic", apiKey: "k" }]);
    const response = await post(`${router.url}/v1/messages`, {
      model: "local",
      max_tokens: 10,
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(response.text.startsWith("event: message_start")).toBe(true);
    expect(response.text).toMatch(
      /event: error\ndata: \{"type":"error","error":\{"type":"api_error"/,
    );
    expect(breaking.requests).toHaveLength(1);
  });
});

describe("a backend that restarts", () => {
  it("is down while killed and ready again after a restart", async () => {
    const [gpu] = await startFakes(1);
    router = await startRouter([{ fake: gpu! }]);
    await gpu!.kill();
    await router.server.checkHealthNow();
    expect(router.server.snapshot().backends[0]?.readiness).toBe("down");
    expect((await fetch(`${router.url}/health`)).status).toBe(503);
    await gpu!.restart();
    await router.server.checkHealthNow();
    expect(router.server.snapshot().backends[0]?.readiness).toBe("ready");
    expect((await post(`${router.url}/v1/chat/completions`, chatBody())).status).toBe(200);
    const types = router.events.map((event) => event.type);
    expect(types).toContain("backend-unready");
    expect(types.lastIndexOf("backend-ready")).toBeGreaterThan(types.indexOf("backend-unready"));
  });
});
