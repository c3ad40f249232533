import OpenAI from "openai";
import { describe, expect, it } from "vitest";
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

async function openAiFake(name: string) {
  const fake = await startFakeOpenAiBackend({ name, slots: 4 });
  trackFakes(fake);
  return fake;
}

async function anthropicFake(name: string) {
  const fake = await startFakeAnthropicBackend({ name });
  trackFakes(fake);
  return fake;
}

describe("same-protocol proxying", () => {
  it("passes a non-streamed chat completion through byte for byte", async () => {
    const gpu = await openAiFake("gpu-1");
    router = await startRouter([{ fake: gpu }]);
    const response = await post(`${router.url}/v1/chat/completions`, chatBody());
    expect(response.status).toBe(200);
    expect(response.text).toBe(gpu.lastBody());
    expect(response.headers.get("x-harness-backend")).toBe("gpu-1");
    expect(gpu.requests[0]?.rawBody).toBe(JSON.stringify(chatBody()));
  });

  it("passes a streamed chat completion through byte for byte, as event-stream", async () => {
    const gpu = await openAiFake("gpu-1");
    router = await startRouter([{ fake: gpu }]);
    const response = await post(`${router.url}/v1/chat/completions`, chatBody({ stream: true }));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(response.text).toBe(gpu.lastBody());
    expect(response.text.endsWith("data: [DONE]\n\n")).toBe(true);
  });

  it("passes Anthropic messages through, streamed and not, with the backend's own key", async () => {
    const claude = await anthropicFake("claude");
    router = await startRouter([{ fake: claude, kind: "anthropic", apiKey: "backend-key" }], {
      overrides: { token: "router-token" },
    });
    const headers = {
      "x-api-key": "router-token",
      "anthropic-version": "2023-06-01",
      "anthropic-beta": "interleaved-thinking-2025-05-14",
    };
    const plain = await post(`${router.url}/v1/messages?beta=true`, messagesBody(), headers);
    expect(plain.status).toBe(200);
    expect(plain.text).toBe(claude.lastBody());
    const streamed = await post(
      `${router.url}/v1/messages`,
      messagesBody({ stream: true }),
      headers,
    );
    expect(streamed.text).toBe(claude.lastBody());
    expect(streamed.text).toContain("event: message_stop");

    const seen = claude.requests[0]?.headers ?? {};
    expect(seen["x-api-key"]).toBe("backend-key");
    expect(seen["anthropic-version"]).toBe("2023-06-01");
    expect(seen["anthropic-beta"]).toBe("interleaved-thinking-2025-05-14");
    expect(claude.requests[0]?.path).toBe("/v1/messages");
  });

  it("never forwards the caller's credentials to an OpenAI-style backend", async () => {
    const gpu = await openAiFake("gpu-1");
    router = await startRouter([{ fake: gpu }], { overrides: { token: "router-token" } });
    await post(`${router.url}/v1/chat/completions`, chatBody(), {
      authorization: "Bearer router-token",
    });
    expect(gpu.requests[0]?.headers.authorization).toBeUndefined();
    expect(gpu.requests[0]?.headers["x-api-key"]).toBeUndefined();
  });

  it("replaces the model with the backend's configured one", async () => {
    const gpu = await openAiFake("gpu-1");
    router = await startRouter([{ fake: gpu, model: "qwen3-coder-30b" }]);
    await post(`${router.url}/v1/chat/completions`, chatBody());
    expect(gpu.requests[0]?.body.model).toBe("qwen3-coder-30b");
  });

  it("passes an upstream 4xx error body through unchanged", async () => {
    const gpu = await openAiFake("gpu-1");
    gpu.behavior = { status: 400 };
    router = await startRouter([{ fake: gpu }]);
    const response = await post(`${router.url}/v1/chat/completions`, chatBody());
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({
      error: { message: "fake failure 400", type: "server_error", code: 400 },
    });
  });
});

describe("the router's own endpoints", () => {
  it("answers HEAD /, lists models and aliases, and estimates tokens", async () => {
    const gpu = await openAiFake("gpu-1");
    router = await startRouter([{ fake: gpu, models: ["qwen"] }], {
      overrides: { aliases: { smart: ["gpu-1"] } },
    });
    expect((await fetch(router.url, { method: "HEAD" })).status).toBe(200);
    const models = (await (await fetch(`${router.url}/v1/models`)).json()) as {
      object: string;
      data: { id: string; object: string }[];
    };
    expect(models.object).toBe("list");
    expect(models.data.map((model) => model.id)).toEqual(["qwen", "smart"]);
    const count = await post(`${router.url}/v1/messages/count_tokens`, messagesBody());
    expect(JSON.parse(count.text)).toEqual({ input_tokens: expect.any(Number) });
  });

  it("answers bad JSON with a 400 in the caller's protocol", async () => {
    const gpu = await openAiFake("gpu-1");
    router = await startRouter([{ fake: gpu }]);
    const openai = await post(`${router.url}/v1/chat/completions`, "{not json");
    expect(openai.status).toBe(400);
    expect(JSON.parse(openai.text)).toMatchObject({ error: { type: "invalid_request_error" } });
    const anthropic = await post(`${router.url}/v1/messages`, "[1,2]");
    expect(anthropic.status).toBe(400);
    expect(JSON.parse(anthropic.text)).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error" },
    });
  });

  it("answers an unknown model with a 404 listing what is served", async () => {
    const gpu = await openAiFake("gpu-1");
    router = await startRouter([{ fake: gpu, models: ["qwen"] }], {
      overrides: { aliases: { fast: ["gpu-1"] } },
    });
    const openai = await post(`${router.url}/v1/chat/completions`, chatBody({ model: "gpt-9" }));
    expect(openai.status).toBe(404);
    expect(openai.text).toContain("fast, qwen");
    const anthropic = await post(`${router.url}/v1/messages`, messagesBody({ model: "opus" }));
    expect(anthropic.status).toBe(404);
    expect(JSON.parse(anthropic.text)).toMatchObject({ error: { type: "not_found_error" } });
    expect(gpu.requests).toHaveLength(0);
  });
});

describe("a real OpenAI SDK client", () => {
  it("gets answers, streamed and not, through the router", async () => {
    const gpu = await openAiFake("gpu-1");
    router = await startRouter([{ fake: gpu }], { overrides: { token: "sdk-token" } });
    const client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: "sdk-token", maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: "local",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(completion.choices[0]?.message.content).toBe("Hello from gpu-1");
    const stream = await client.chat.completions.create({
      model: "local",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Hello from gpu-1");
  });
});
