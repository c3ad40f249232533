import { describe, expect, it } from "vitest";
import { createSseParser } from "../../src/router/sse.js";
import { startFakeAnthropicBackend, startFakeOpenAiBackend } from "../support/fake-llm-backends.js";
import {
  chatBody,
  messagesBody,
  post,
  startRouter,
  type RouterFixture,
  trackFakes,
} from "./router-fixture.js";

let router: RouterFixture | undefined;

function eventNames(text: string): (string | undefined)[] {
  const parser = createSseParser();
  return [...parser.push(text), ...parser.end()].map((event) => event.event);
}

describe("an Anthropic client in front of a llama-server", () => {
  it("gets Messages answers, streamed and not, translated from chat completions", async () => {
    const gpu = await startFakeOpenAiBackend({ name: "gpu-1", slots: 2 });
    trackFakes(gpu);
    router = await startRouter([{ fake: gpu }]);
    const plain = await post(`${router.url}/v1/messages`, messagesBody({ system: "Be brief" }), {
      "anthropic-version": "2023-06-01",
    });
    expect(plain.status).toBe(200);
    expect(JSON.parse(plain.text)).toMatchObject({
      type: "message",
      role: "assistant",
      model: "local",
      content: [{ type: "text", text: "Hello from gpu-1" }],
    });
    expect(gpu.requests[0]?.path).toBe("/v1/chat/completions");
    expect(gpu.requests[0]?.headers["anthropic-version"]).toBeUndefined();
    expect(gpu.requests[0]?.body.messages).toEqual([
      { role: "system", content: "Be brief" },
      { role: "user", content: "Say hello" },
    ]);

    const streamed = await post(`${router.url}/v1/messages`, messagesBody({ stream: true }));
    expect(streamed.headers.get("content-type")).toContain("text/event-stream");
    const names = eventNames(streamed.text);
    expect(names[0]).toBe("message_start");
    expect(names.at(-1)).toBe("message_stop");
    expect(streamed.text).toContain('"text":"Hello"');
    const stats = router.server.snapshot().backends[0]?.stats;
    expect(stats?.tokens.outputTokens).toBe(6);
  });

  it("gets upstream errors in Anthropic's shape", async () => {
    const gpu = await startFakeOpenAiBackend({ name: "gpu-1" });
    trackFakes(gpu);
    gpu.behavior = { status: 400 };
    router = await startRouter([{ fake: gpu }]);
    const response = await post(`${router.url}/v1/messages`, messagesBody());
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({
      type: "error",
      error: { type: "invalid_request_error", message: "fake failure 400" },
    });
  });
});

describe("an OpenAI client in front of Anthropic", () => {
  it("gets chat completions, streamed and not, translated from Messages", async () => {
    const claude = await startFakeAnthropicBackend({ name: "claude" });
    trackFakes(claude);
    router = await startRouter([
      { fake: claude, kind: "anthropic", apiKey: "k", model: "claude-x" },
    ]);
    const plain = await post(`${router.url}/v1/chat/completions`, chatBody());
    expect(JSON.parse(plain.text)).toMatchObject({
      object: "chat.completion",
      choices: [{ message: { role: "assistant", content: "Hello from claude" } }],
    });
    expect(claude.requests[0]?.body).toMatchObject({ model: "claude-x" });
    expect(claude.requests[0]?.headers["anthropic-version"]).toBe("2023-06-01");

    const streamed = await post(`${router.url}/v1/chat/completions`, chatBody({ stream: true }));
    expect(streamed.text).toContain('"object":"chat.completion.chunk"');
    expect(streamed.text.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });
});
