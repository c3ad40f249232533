/**
 * POST /v1/responses on a real router in front of fake backends: the Responses request is
 * routed as chat completions (to a llama-server, or on to Anthropic Messages) and the answer
 * comes back as a response object or the Responses event stream, through the same routing,
 * failover, affinity and metrics as the other endpoints.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createSseParser } from "../../src/router/sse.js";
import {
  startScriptedOpenAiBackend,
  type ScriptedBackend,
  type ScriptedStep,
} from "../agents/fixtures/scripted-openai-backend.js";
import {
  startFakeAnthropicBackend,
  startFakeOpenAiBackend,
  type FakeLlmBackend,
} from "../support/fake-llm-backends.js";
import { chatBody, post, startRouter, trackFakes, type RouterFixture } from "./router-fixture.js";

interface ResponsesEvent {
  type: string;
  sequence_number: number;
  response?: Record<string, unknown> & { output: Record<string, unknown>[]; usage: unknown };
  [field: string]: unknown;
}

function readEvents(text: string): ResponsesEvent[] {
  const parser = createSseParser();
  return [...parser.push(text), ...parser.end()].map((event) => {
    const data = JSON.parse(event.data) as ResponsesEvent;
    expect(event.event).toBe(data.type);
    return data;
  });
}

const responsesBody = (extra: Record<string, unknown> = {}) => ({
  model: "local",
  instructions: "Be brief.",
  input: "Say hello",
  ...extra,
});

const scripted: ScriptedBackend[] = [];
afterEach(async () => {
  await Promise.all(scripted.splice(0).map((backend) => backend.close()));
});

async function startScripted(script: ScriptedStep[]): Promise<{
  backend: ScriptedBackend;
  router: RouterFixture;
}> {
  const backend = await startScriptedOpenAiBackend(script);
  scripted.push(backend);
  // The router config reads only a fake's name and url; the scripted backend has both.
  const fake = { name: "scripted", url: backend.url } as unknown as FakeLlmBackend;
  const router = await startRouter([{ fake }]);
  return { backend, router };
}

describe("POST /v1/responses in front of a llama-server", () => {
  it("answers a text request whole, as a response object with usage", async () => {
    const gpu = await startFakeOpenAiBackend({ name: "gpu-1" });
    trackFakes(gpu);
    const router = await startRouter([{ fake: gpu }]);
    const response = await post(`${router.url}/v1/responses`, responsesBody());
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(response.headers.get("x-harness-backend")).toBe("gpu-1");
    const body = JSON.parse(response.text) as Record<string, unknown>;
    const upstream = JSON.parse(gpu.lastBody()) as { usage: Record<string, number> };
    expect(body).toMatchObject({
      object: "response",
      status: "completed",
      model: "local",
      instructions: "Be brief.",
      output: [
        {
          type: "message",
          role: "assistant",
          status: "completed",
          content: [{ type: "output_text", text: "Hello from gpu-1", annotations: [] }],
        },
      ],
      usage: {
        input_tokens: upstream.usage.prompt_tokens,
        output_tokens: upstream.usage.completion_tokens,
        total_tokens: upstream.usage.total_tokens,
        input_tokens_details: { cached_tokens: 0 },
      },
    });
    expect(body.id).toMatch(/^resp_/);
    expect(gpu.requests[0]?.path).toBe("/v1/chat/completions");
    expect(gpu.requests[0]?.body).toEqual({
      model: "local",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Say hello" },
      ],
    });
  });

  it("streams the Responses event sequence, ending in response.completed with usage", async () => {
    const gpu = await startFakeOpenAiBackend({ name: "gpu-1" });
    trackFakes(gpu);
    const router = await startRouter([{ fake: gpu }]);
    const response = await post(`${router.url}/v1/responses`, responsesBody({ stream: true }));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = readEvents(response.text);
    expect(events.map((event) => event.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expect(
      events
        .filter((event) => event.type === "response.output_text.delta")
        .map((event) => event.delta),
    ).toEqual(["Hello", " from", " gpu-1"]);
    expect(gpu.requests[0]?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    const completed = events.at(-1)!.response!;
    expect(completed.output).toEqual([
      expect.objectContaining({
        type: "message",
        content: [{ type: "output_text", text: "Hello from gpu-1", annotations: [], logprobs: [] }],
      }),
    ]);
    expect(completed.usage).toMatchObject({ output_tokens: 3 });
    // The router counted the tokens like any other request.
    expect(router.server.snapshot().backends[0]?.stats.tokens.outputTokens).toBe(3);
  });

  it("reports the backend's cached prompt tokens in input_tokens_details", async () => {
    const gpu = await startFakeOpenAiBackend({ name: "gpu-1" });
    trackFakes(gpu);
    const router = await startRouter([{ fake: gpu }]);
    const long = "You are a careful coding agent. ".repeat(40);
    await post(`${router.url}/v1/responses`, responsesBody({ instructions: long }));
    const second = await post(
      `${router.url}/v1/responses`,
      responsesBody({ instructions: long, input: "Say hello again", stream: true }),
    );
    const usage = readEvents(second.text).at(-1)!.response!.usage as {
      input_tokens: number;
      input_tokens_details: { cached_tokens: number };
    };
    const upstream = JSON.parse(gpu.lastBody().split("\n\n").at(-3)!.slice("data: ".length)) as {
      timings: { cache_n: number };
    };
    expect(usage.input_tokens_details.cached_tokens).toBe(upstream.timings.cache_n);
    expect(usage.input_tokens_details.cached_tokens).toBeGreaterThan(100);
    expect(usage.input_tokens).toBeGreaterThan(usage.input_tokens_details.cached_tokens);
  });
});

describe("POST /v1/responses in front of Anthropic", () => {
  it("translates on to Messages and back, whole and streamed", async () => {
    const claude = await startFakeAnthropicBackend({ name: "claude" });
    trackFakes(claude);
    const router = await startRouter([
      { fake: claude, kind: "anthropic", apiKey: "k", model: "claude-x" },
    ]);
    const plain = await post(`${router.url}/v1/responses`, responsesBody());
    expect(plain.status).toBe(200);
    expect(JSON.parse(plain.text)).toMatchObject({
      object: "response",
      status: "completed",
      output: [{ type: "message", content: [{ type: "output_text", text: "Hello from claude" }] }],
    });
    expect(claude.requests[0]?.path).toBe("/v1/messages");
    expect(claude.requests[0]?.body).toMatchObject({
      model: "claude-x",
      system: "Be brief.",
      messages: [{ role: "user", content: [{ type: "text", text: "Say hello" }] }],
    });

    const streamed = await post(`${router.url}/v1/responses`, responsesBody({ stream: true }));
    const events = readEvents(streamed.text);
    expect(events[0]?.type).toBe("response.created");
    expect(events.at(-1)).toMatchObject({
      type: "response.completed",
      response: { output: [{ type: "message", content: [{ text: "Hello from claude" }] }] },
    });
  });
});

describe("a function call round trip", () => {
  const tools = [
    {
      type: "function",
      name: "read_file",
      description: "Reads a file.",
      parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
      strict: false,
    },
  ];

  it("returns function_call items and takes function_call_output in the next request", async () => {
    const { backend, router } = await startScripted([
      {
        toolCall: { name: "read_file", input: { path: "notes.txt" } },
        usage: { promptTokens: 900, completionTokens: 20 },
      },
      {
        text: "It says hello.",
        usage: { promptTokens: 1000, completionTokens: 5, cachedTokens: 800 },
      },
    ]);
    const input: unknown[] = [{ role: "user", content: "What does notes.txt say?" }];
    const first = await post(
      `${router.url}/v1/responses`,
      responsesBody({ input, tools, stream: true }),
    );
    const events = readEvents(first.text);
    const call = events.find((event) => event.type === "response.output_item.done")?.item as Record<
      string,
      unknown
    >;
    expect(call).toMatchObject({
      type: "function_call",
      call_id: "call_1",
      name: "read_file",
      arguments: '{"path":"notes.txt"}',
      status: "completed",
    });
    expect(events.map((event) => event.type)).toContain("response.function_call_arguments.done");
    expect(events.at(-1)!.response!.usage).toEqual({
      input_tokens: 900,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 20,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 920,
    });

    // The caller sends back the whole conversation (store: false), as Codex does.
    input.push(call, { type: "function_call_output", call_id: "call_1", output: "hello" });
    const second = await post(
      `${router.url}/v1/responses`,
      responsesBody({ input, tools, stream: true, store: false }),
    );
    const completed = readEvents(second.text).at(-1)!.response!;
    expect(completed.output).toEqual([
      expect.objectContaining({
        type: "message",
        content: [expect.objectContaining({ text: "It says hello." })],
      }),
    ]);
    expect(completed.usage).toMatchObject({
      input_tokens: 1000,
      input_tokens_details: { cached_tokens: 800 },
    });
    expect(backend.requests[1]?.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "What does notes.txt say?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            function: { name: "read_file", arguments: '{"path":"notes.txt"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: "hello" },
    ]);
    expect(backend.requests[1]?.tools).toEqual([
      {
        type: "function",
        function: {
          name: "read_file",
          description: "Reads a file.",
          parameters: tools[0]!.parameters,
          strict: false,
        },
      },
    ]);
  });
});

describe("errors in the Responses shape", () => {
  it("relays a backend 4xx as an error body with a string code", async () => {
    const gpu = await startFakeOpenAiBackend({ name: "gpu-1" });
    trackFakes(gpu);
    gpu.behavior = { status: 400 };
    const router = await startRouter([{ fake: gpu }]);
    const response = await post(`${router.url}/v1/responses`, responsesBody({ stream: true }));
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({
      error: { message: "fake failure 400", type: "server_error", code: null, param: null },
    });
  });

  it("answers the router's own refusals and unknown models before any backend is asked", async () => {
    const gpu = await startFakeOpenAiBackend({ name: "gpu-1" });
    trackFakes(gpu);
    const router = await startRouter([{ fake: gpu, models: ["local"] }]);
    const unknown = await post(`${router.url}/v1/responses`, responsesBody({ model: "gpt-9" }));
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text)).toMatchObject({
      error: { message: expect.stringContaining('model "gpt-9" is not served here') },
    });
    const stateful = await post(
      `${router.url}/v1/responses`,
      responsesBody({ previous_response_id: "resp_1" }),
    );
    expect(stateful.status).toBe(400);
    expect(JSON.parse(stateful.text)).toMatchObject({
      error: {
        type: "invalid_request_error",
        message: expect.stringContaining("previous_response_id"),
      },
    });
    const notJson = await post(`${router.url}/v1/responses`, "not json");
    expect(notJson.status).toBe(400);
    expect(gpu.requests).toHaveLength(0);
    expect(await (await fetch(`${router.url}/metrics`)).text()).toContain(
      'harness_router_errors_total{backend="none",kind="bad-request"} 1',
    );
  });

  it("ends a stream that breaks mid-answer with response.failed", async () => {
    const gpu = await startFakeOpenAiBackend({ name: "gpu-1" });
    trackFakes(gpu);
    gpu.behavior = { disconnectAfterEvents: 2 };
    const router = await startRouter([{ fake: gpu }]);
    const response = await post(`${router.url}/v1/responses`, responsesBody({ stream: true }));
    expect(response.status).toBe(200);
    const events = readEvents(response.text);
    expect(events.map((event) => event.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.failed",
    ]);
    expect(events.at(-1)).toMatchObject({
      sequence_number: 5,
      response: { id: events[0]!.response!.id, status: "failed", error: { code: "server_error" } },
    });
    expect((events.at(-1)!.response!.error as { message: string }).message).toContain(
      "gpu-1 broke off",
    );
    expect(await (await fetch(`${router.url}/metrics`)).text()).toContain(
      'harness_router_errors_total{backend="gpu-1",kind="stream-broken"} 1',
    );
  });

  it("fails over before the first byte and relays the last 5xx when every backend fails", async () => {
    const [first, second] = await Promise.all([
      startFakeOpenAiBackend({ name: "gpu-1" }),
      startFakeOpenAiBackend({ name: "gpu-2" }),
    ]);
    trackFakes(first, second);
    const router = await startRouter([{ fake: first }, { fake: second }], {
      overrides: { strategy: "round-robin" },
    });
    first.behavior = { status: 500 };
    second.behavior = { status: 502 };
    const failed = await post(`${router.url}/v1/responses`, responsesBody({ stream: true }));
    expect([500, 502]).toContain(failed.status);
    expect(JSON.parse(failed.text)).toEqual({
      error: {
        message: expect.stringMatching(/^fake failure 50[02]$/),
        type: "server_error",
        code: "server_error",
        param: null,
      },
    });
    // Each backend was tried once: the Responses request failed over like any other.
    expect(first.requests).toHaveLength(1);
    expect(second.requests).toHaveLength(1);
    expect(router.events.some((event) => event.type === "request-failed-over")).toBe(true);

    second.behavior = {};
    const recovered = await post(`${router.url}/v1/responses`, responsesBody({ stream: true }));
    expect(recovered.status).toBe(200);
    expect(recovered.headers.get("x-harness-backend")).toBe("gpu-2");
    expect(readEvents(recovered.text).at(-1)?.type).toBe("response.completed");
  });
});

describe("session affinity", () => {
  it("keeps a prompt_cache_key on one backend, as a session header does", async () => {
    const fakes = await Promise.all(
      ["gpu-1", "gpu-2", "gpu-3"].map((name) => startFakeOpenAiBackend({ name, slots: 4 })),
    );
    trackFakes(...fakes);
    const router = await startRouter(fakes.map((fake) => ({ fake })));
    const homes = new Set<string | null>();
    for (let session = 0; session < 12; session++) {
      const key = `session-${session}`;
      const viaChat = await post(`${router.url}/v1/chat/completions`, chatBody(), {
        "x-session-id": key,
      });
      const home = viaChat.headers.get("x-harness-backend");
      homes.add(home);
      for (let turn = 0; turn < 2; turn++) {
        const response = await post(
          `${router.url}/v1/responses`,
          responsesBody({ prompt_cache_key: key }),
        );
        expect(response.headers.get("x-harness-backend")).toBe(home);
      }
    }
    expect(homes.size).toBeGreaterThan(1);
  });
});

describe("POST /v1/responses/input_tokens", () => {
  it("estimates the prompt without asking a backend", async () => {
    const gpu = await startFakeOpenAiBackend({ name: "gpu-1" });
    trackFakes(gpu);
    const router = await startRouter([{ fake: gpu }]);
    const response = await post(`${router.url}/v1/responses/input_tokens`, responsesBody());
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toMatchObject({
      object: "response.input_tokens",
      input_tokens: expect.any(Number),
    });
    expect(gpu.requests).toHaveLength(0);
  });
});
