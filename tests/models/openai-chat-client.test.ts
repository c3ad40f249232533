/**
 * The OpenAI-style adapter against a local server speaking /v1/chat/completions: what it sends,
 * and how streamed and whole answers become the same normalized events.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ModelRequestError } from "../../src/errors.js";
import type { ModelRequest } from "../../src/models/model-client.js";
import type { Reply } from "./wire-test-server.js";
import { chunk, closeServers, openAiStream, runAdapter, usageChunk } from "./wire-frames.js";

afterEach(closeServers);

const run = (replies: Reply[], request: Partial<ModelRequest> = {}, stream = true) =>
  runAdapter("openai", replies, request, { stream });

const shortAnswer = () => openAiStream(chunk({ content: "x" }), chunk({}, "stop"));

describe("OpenAI chat adapter, streaming", () => {
  it("streams text, reports usage with cached tokens, and sends the session header", async () => {
    const { events, result, seen } = await run(
      [
        openAiStream(
          chunk({ role: "assistant", content: "Hel" }),
          chunk({ content: "lo" }),
          chunk({}, "stop"),
          usageChunk(120, 7, 100),
        ),
      ],
      { system: "You are terse.", sessionId: "session-1", temperature: 0.2, maxTokens: 50 },
    );
    expect(events).toEqual([
      { type: "text-delta", text: "Hel" },
      { type: "text-delta", text: "lo" },
      { type: "usage", inputTokens: 120, outputTokens: 7, cachedTokens: 100 },
      { type: "done", stopReason: "end" },
    ]);
    await expect(result).resolves.toMatchObject({ text: "Hello", stopReason: "end" });
    const [request] = seen;
    expect(request?.path).toBe("/v1/chat/completions");
    expect(request?.headers["x-session-id"]).toBe("session-1");
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.body).toMatchObject({
      model: "local",
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 50,
      temperature: 0.2,
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "hi" },
      ],
    });
    expect(request?.body).not.toHaveProperty("reasoning_effort");
  });

  it("sends the key as a bearer token when there is one", async () => {
    const { seen } = await runAdapter("openai", [shortAnswer()], {}, { apiKey: "router-token" });
    expect(seen[0]?.headers.authorization).toBe("Bearer router-token");
  });

  it("assembles tool calls whose id, name and arguments arrive in pieces", async () => {
    const call = (index: number, fn: Record<string, string>, id?: string) =>
      chunk({ tool_calls: [{ index, ...(id ? { id } : {}), function: fn }] });
    const { events, result, seen } = await run(
      [
        openAiStream(
          call(0, { name: "read_file" }, "call_a"),
          call(0, { arguments: '{"pa' }),
          call(1, { name: "list", arguments: "" }, "call_b"),
          call(0, { arguments: 'th":"a.ts"}' }),
          chunk({}, "tool_calls"),
        ),
      ],
      {
        tools: [
          {
            name: "read_file",
            description: "Reads a file.",
            inputSchema: { type: "object", properties: { path: { type: "string" } } },
          },
        ],
      },
    );
    expect(events.filter((event) => event.type === "tool-call")).toEqual([
      { type: "tool-call", id: "call_a", name: "read_file", input: { path: "a.ts" } },
      { type: "tool-call", id: "call_b", name: "list", input: {} },
    ]);
    expect(events.at(-1)).toEqual({ type: "done", stopReason: "tool-calls" });
    expect((await result).toolCalls).toHaveLength(2);
    expect(seen[0]?.body.tools).toEqual([
      {
        type: "function",
        function: {
          name: "read_file",
          description: "Reads a file.",
          parameters: { type: "object", properties: { path: { type: "string" } } },
        },
      },
    ]);
  });

  it("sends toolChoice as tool_choice when tools are offered", async () => {
    const tools = [{ name: "finish", description: "end", inputSchema: { type: "object" } }];
    const { seen } = await run([shortAnswer()], { tools, toolChoice: "required" });
    expect(seen[0]?.body.tool_choice).toBe("required");
    const without = await run([shortAnswer()], { toolChoice: "required" });
    expect(without.seen[0]?.body).not.toHaveProperty("tool_choice");
  });

  it("fails with invalid-output when tool arguments are not JSON", async () => {
    const { events, result } = await run([
      openAiStream(
        chunk({
          tool_calls: [{ index: 0, id: "c", function: { name: "ls", arguments: "{oops" } }],
        }),
        chunk({}, "tool_calls"),
      ),
    ]);
    expect(events.at(-1)).toMatchObject({ type: "error", kind: "invalid-output" });
    await expect(result).rejects.toBeInstanceOf(ModelRequestError);
  });

  it("asks for structured output with response_format and parses the answer", async () => {
    const schema = { type: "object", properties: { ok: { type: "boolean" } } };
    const { result, seen } = await run(
      [openAiStream(chunk({ content: '{"ok":' }), chunk({ content: "true}" }), chunk({}, "stop"))],
      { responseSchema: { name: "verdict", schema } },
    );
    expect(seen[0]?.body.response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "verdict", schema },
    });
    await expect(result).resolves.toMatchObject({ parsed: { ok: true }, text: '{"ok":true}' });
  });

  it("fails the call with invalid-output when structured output is not JSON", async () => {
    const { events, result } = await run(
      [openAiStream(chunk({ content: "sure!" }), chunk({}, "stop"))],
      { responseSchema: { name: "verdict", schema: { type: "object" } } },
    );
    expect(events.at(-1)).toMatchObject({ type: "error", kind: "invalid-output", retryable: true });
    await expect(result).rejects.toBeInstanceOf(ModelRequestError);
  });

  it("maps thinking levels to reasoning_effort and leaves it out for off", async () => {
    const high = await run([shortAnswer()], { thinking: "high" });
    expect(high.seen[0]?.body.reasoning_effort).toBe("high");
    const off = await run([shortAnswer()], { thinking: "off" });
    expect(off.seen[0]?.body).not.toHaveProperty("reasoning_effort");
  });

  it("passes on llama-server's reasoning_content as a reasoning event", async () => {
    const { result } = await run([
      openAiStream(
        chunk({ reasoning_content: "think" }),
        chunk({ content: "x" }),
        chunk({}, "stop"),
      ),
    ]);
    await expect(result).resolves.toMatchObject({ reasoning: [{ text: "think" }], text: "x" });
  });

  it("sends assistant tool calls, tool results and images in the chat format", async () => {
    const { seen } = await run([shortAnswer()], {
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "look" },
            { type: "image", mediaType: "image/png", data: "AAAA" },
          ],
        },
        { role: "assistant", toolCalls: [{ id: "c1", name: "ls", input: { dir: "." } }] },
        { role: "tool", toolCallId: "c1", content: "a.ts" },
      ],
    });
    expect(seen[0]?.body.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "look" },
          { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
        ],
      },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "c1", type: "function", function: { name: "ls", arguments: '{"dir":"."}' } },
        ],
      },
      { role: "tool", tool_call_id: "c1", content: "a.ts" },
    ]);
  });

  it("reports a stream that ends without a finish reason as a network error", async () => {
    const { events } = await run([openAiStream(chunk({ content: "cut" }))]);
    expect(events.at(-1)).toMatchObject({ type: "error", kind: "network", retryable: true });
  });
});

describe("OpenAI chat adapter, whole answers", () => {
  it("turns one JSON completion into the same events as a stream", async () => {
    const completion = {
      id: "c",
      object: "chat.completion",
      created: 1,
      model: "local",
      choices: [
        {
          index: 0,
          finish_reason: "tool_calls",
          message: {
            role: "assistant",
            content: "Let me look.",
            tool_calls: [
              { id: "t1", type: "function", function: { name: "ls", arguments: '{"dir":"src"}' } },
            ],
          },
        },
      ],
      usage: {
        prompt_tokens: 30,
        completion_tokens: 4,
        total_tokens: 34,
        prompt_tokens_details: { cached_tokens: 16 },
      },
    };
    const { events, seen } = await run([{ json: completion }], { sessionId: "s2" }, false);
    expect(events).toEqual([
      { type: "text-delta", text: "Let me look." },
      { type: "tool-call", id: "t1", name: "ls", input: { dir: "src" } },
      { type: "usage", inputTokens: 30, outputTokens: 4, cachedTokens: 16 },
      { type: "done", stopReason: "tool-calls" },
    ]);
    expect(seen[0]?.body.stream).toBe(false);
    expect(seen[0]?.headers["x-session-id"]).toBe("s2");
  });
});
