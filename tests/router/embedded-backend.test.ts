/**
 * The embedded backend on real llama.cpp (CPU, one thread) with a generated tiny random model.
 * Output is gibberish, so every assertion is about structure, never about text.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Backend, UpstreamResponse } from "../../src/router/backend.js";
import { createEmbeddedBackend } from "../../src/router/backends/embedded-backend.js";
import { createSseParser } from "../../src/router/sse.js";
import { createTempDir, type TempDir } from "../support/temp-dir.js";
import { writeTinyGguf } from "../support/tiny-gguf.js";

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}
interface Timings {
  prompt_n: number;
  cache_n: number;
  predicted_n: number;
  predicted_per_second: number;
}
interface WireToolCall {
  id: string;
  type: string;
  function: { name: string; arguments: string };
}
interface Message {
  role: string;
  content: string | null;
  tool_calls?: WireToolCall[];
}
interface ChatCompletion {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: [{ index: number; finish_reason: string; message: Message }];
  usage: Usage;
  timings: Timings;
}
interface ChatChunk {
  id: string;
  object: string;
  choices: { finish_reason: string | null; delta: Partial<Message> }[];
  usage?: Usage;
  timings?: Timings;
}

let dir: TempDir;
let backend: Backend;
const neverAborted = new AbortController().signal;
const system = { role: "system", content: "You are a test model." };
const ask = (content: string) => [system, { role: "user", content }];

async function readBody(response: UpstreamResponse): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  for await (const bytes of response.body) text += decoder.decode(bytes, { stream: true });
  return text;
}

function send(
  body: Record<string, unknown>,
  options: { stream?: boolean; signal?: AbortSignal; path?: string } = {},
) {
  const stream = options.stream ?? false;
  return backend.send({
    path: options.path ?? "/v1/chat/completions",
    headers: {},
    body: { model: "tiny", stream, temperature: 0.8, ...body },
    stream,
    signal: options.signal ?? neverAborted,
  });
}

async function complete(body: Record<string, unknown>): Promise<ChatCompletion> {
  const response = await send(body);
  const text = await readBody(response);
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as ChatCompletion;
}

async function streamChunks(
  body: Record<string, unknown>,
): Promise<{ chunks: ChatChunk[]; last: string }> {
  const response = await send(body, { stream: true });
  expect(response.status).toBe(200);
  expect(response.headers["content-type"]).toBe("text/event-stream");
  const parser = createSseParser();
  const events = [...parser.push(await readBody(response)), ...parser.end()].map(
    (event) => event.data,
  );
  const chunks = events
    .filter((data) => data !== "[DONE]")
    .map((data) => JSON.parse(data) as ChatChunk);
  return { chunks, last: events.at(-1) ?? "" };
}

const finishOf = (chunks: ChatChunk[]) => chunks.find((chunk) => chunk.choices[0]?.finish_reason);

beforeAll(async () => {
  process.env.HARNESS_EMBEDDED_GPU = "off";
  dir = await createTempDir("embedded-backend");
  const modelPath = path.join(dir.path, "tiny.gguf");
  await writeTinyGguf(modelPath, { seed: 7 });
  backend = await createEmbeddedBackend({
    name: "embedded",
    models: ["tiny"],
    weight: 1,
    model: modelPath,
    slots: 2,
    threads: 1,
    contextSize: 2048,
    modelsDir: path.join(dir.path, "models"),
  });
  expect((await backend.checkHealth(neverAborted)).readiness).toBe("warming");
});

afterAll(async () => {
  await backend?.close();
  await dir?.remove();
});

describe("embedded backend", () => {
  test("becomes ready with its slots and speaks openai", async () => {
    for (
      let i = 0;
      i < 200 && (await backend.checkHealth(neverAborted)).readiness === "warming";
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await backend.checkHealth(neverAborted)).toEqual({ readiness: "ready", slots: 2 });
    expect(backend).toMatchObject({
      kind: "embedded",
      protocol: "openai",
      models: ["tiny"],
      weight: 1,
    });
  });

  test("a non-streaming completion has the OpenAI shape, usage and llama-server timings", async () => {
    const body = await complete({ messages: ask("Hi"), max_tokens: 12 });
    expect(body).toMatchObject({ object: "chat.completion", model: "tiny" });
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(body.created).toBeTypeOf("number");
    expect(body.choices[0]).toMatchObject({
      index: 0,
      finish_reason: "length",
      message: { role: "assistant" },
    });
    expect(body.choices[0].message.content).toBeTypeOf("string");
    expect(body.usage.completion_tokens).toBe(12);
    expect(body.usage.prompt_tokens).toBeGreaterThan(5);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + 12);
    expect(body.timings).toMatchObject({
      predicted_n: 12,
      cache_n: body.usage.prompt_tokens_details.cached_tokens,
    });
    expect(body.timings.prompt_n + body.timings.cache_n).toBe(body.usage.prompt_tokens);
    expect(body.timings.predicted_per_second).toBeGreaterThan(0);
  });

  test("streaming sends a role chunk, content chunks, a finish chunk with timings, usage and [DONE]", async () => {
    const { chunks, last } = await streamChunks({
      messages: ask("Stream please"),
      max_tokens: 10,
      stream_options: { include_usage: true },
    });
    expect(last).toBe("[DONE]");
    expect(
      chunks.every(
        (chunk) => chunk.object === "chat.completion.chunk" && chunk.id === chunks[0]?.id,
      ),
    ).toBe(true);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    const finish = finishOf(chunks);
    expect(finish?.choices[0]).toMatchObject({ finish_reason: "length", delta: {} });
    expect(finish?.timings?.predicted_n).toBe(10);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).not.toBe("");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 10 } });
  });

  test("a json_schema response parses and matches the schema", async () => {
    const schema = {
      type: "object",
      properties: {
        verdict: { enum: ["accept", "reject"] },
        score: { type: "integer" },
        ok: { type: "boolean" },
      },
      required: ["verdict", "score", "ok"],
      additionalProperties: false,
    };
    const body = await complete({
      messages: ask("Judge this."),
      response_format: {
        type: "json_schema",
        json_schema: { name: "verdict", strict: true, schema },
      },
      max_tokens: 300,
    });
    expect(body.choices[0].finish_reason).toBe("stop");
    const parsed = JSON.parse(body.choices[0].message.content ?? "") as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual(["ok", "score", "verdict"]);
    expect(["accept", "reject"]).toContain(parsed.verdict);
    // A random model may write an integer such as 3E23: valid JSON, so only the type is checked.
    expect(parsed.score).toBeTypeOf("number");
    expect(parsed.ok).toBeTypeOf("boolean");
  });

  const weatherTool = {
    type: "function",
    function: {
      name: "get_weather",
      description: "Weather for a city",
      parameters: {
        type: "object",
        properties: { city: { type: "string", maxLength: 20 }, days: { type: "integer" } },
        required: ["city", "days"],
      },
    },
  };
  const clockTool = {
    type: "function",
    function: { name: "get_time", parameters: { type: "object", properties: {} } },
  };

  test("a forced tool choice returns a tool call whose arguments parse", async () => {
    const body = await complete({
      messages: ask("Weather in Oslo?"),
      tools: [weatherTool, clockTool],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      max_tokens: 300,
    });
    expect(body.choices[0]).toMatchObject({
      finish_reason: "tool_calls",
      message: { role: "assistant", content: null },
    });
    const calls = body.choices[0].message.tool_calls ?? [];
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ type: "function", function: { name: "get_weather" } });
    expect(calls[0]?.id).toMatch(/^call_/);
    const args = JSON.parse(calls[0]?.function.arguments ?? "") as Record<string, unknown>;
    expect(args.city).toBeTypeOf("string");
    expect(args.days).toBeTypeOf("number");
  });

  test("tool_choice required streams one complete tool call among the offered tools", async () => {
    const { chunks } = await streamChunks({
      messages: ask("Use a tool."),
      tools: [weatherTool, clockTool],
      tool_choice: "required",
      max_tokens: 300,
    });
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls).toHaveLength(1);
    expect(["get_weather", "get_time"]).toContain(calls[0]?.function.name);
    expect(JSON.parse(calls[0]?.function.arguments ?? "")).toBeTypeOf("object");
    expect(finishOf(chunks)?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  test("tool results and automatic tool choice are accepted in the history", async () => {
    const toolCall = {
      id: "call_1",
      type: "function",
      function: { name: "get_weather", arguments: '{"city":"Oslo","days":1}' },
    };
    const body = await complete({
      messages: [
        ...ask("Weather in Oslo?"),
        { role: "assistant", content: null, tool_calls: [toolCall] },
        { role: "tool", tool_call_id: "call_1", content: '{"sky":"clear"}' },
      ],
      tools: [weatherTool],
      max_tokens: 8,
    });
    expect(body.choices[0].message.role).toBe("assistant");
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
  });

  test("the next turn of a conversation reuses the cached prompt (cache_n)", async () => {
    const turn = ask("First question, with some length to it.");
    const first = await complete({ messages: turn, max_tokens: 16 });
    const second = await complete({
      messages: [...turn, first.choices[0].message, { role: "user", content: "And a follow-up." }],
      max_tokens: 8,
    });
    expect(second.timings.cache_n).toBeGreaterThanOrEqual(first.usage.prompt_tokens - 1);
    expect(second.usage.prompt_tokens_details.cached_tokens).toBe(second.timings.cache_n);
    expect(second.timings.prompt_n).toBe(second.usage.prompt_tokens - second.timings.cache_n);
  });

  test("two concurrent requests both complete", async () => {
    const [a, b] = await Promise.all([
      complete({ messages: ask("One"), max_tokens: 40 }),
      complete({ messages: ask("Two"), max_tokens: 40 }),
    ]);
    expect(a.usage.completion_tokens).toBe(40);
    expect(b.usage.completion_tokens).toBe(40);
    expect(a.id).not.toBe(b.id);
  });

  test("aborting stops generation and frees the slot", async () => {
    const streaming = new AbortController();
    const started = Date.now();
    const response = await send(
      { messages: ask("Go on forever") },
      { stream: true, signal: streaming.signal },
    );
    let text = "";
    for await (const bytes of response.body) {
      text += new TextDecoder().decode(bytes);
      if (text.includes('"content":"') && !streaming.signal.aborted)
        streaming.abort(new Error("client left"));
    }
    expect(text).not.toContain("[DONE]");
    expect(Date.now() - started).toBeLessThan(1000);

    const nonStreaming = new AbortController();
    const pending = send({ messages: ask("Long") }, { signal: nonStreaming.signal });
    setTimeout(() => nonStreaming.abort(new Error("timeout")), 30);
    await expect(pending).rejects.toThrow("timeout");
    // Both slots are free again: two more requests run at once.
    const after = await Promise.all([
      complete({ messages: ask("After"), max_tokens: 4 }),
      complete({ messages: ask("After too"), max_tokens: 4 }),
    ]);
    expect(after.map((body) => body.usage.completion_tokens)).toEqual([4, 4]);
  });

  test("bad requests get OpenAI-style 400 and 404 errors", async () => {
    const empty = await send({ messages: [] });
    expect(empty.status).toBe(400);
    expect(JSON.parse(await readBody(empty))).toMatchObject({
      error: { type: "invalid_request_error" },
    });
    expect(
      (await send({ messages: [{ role: "tool", tool_call_id: "x", content: "" }] })).status,
    ).toBe(400);
    expect((await send({ messages: ask("x"), response_format: { type: "xml" } })).status).toBe(400);
    expect((await send({ messages: ask("x") }, { path: "/v1/messages" })).status).toBe(404);
  });

  test("close stops an in-flight generation and frees the model", async () => {
    const rejected = expect(send({ messages: ask("Keep going") })).rejects.toThrow("closing");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await backend.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await rejected;
    await backend.close();
  });
});
