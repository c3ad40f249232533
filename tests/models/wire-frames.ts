/**
 * Builders for what the two wire formats send back, and one helper that runs a request through
 * an adapter against a scripted local server and collects everything the tests look at.
 */
import { createAnthropicMessagesClient } from "../../src/models/anthropic-messages-client.js";
import type { ModelEvent, ModelRequest, ModelResult } from "../../src/models/model-client.js";
import { createOpenAiChatClient } from "../../src/models/openai-chat-client.js";
import { startWireTestServer, type Reply, type SeenRequest } from "./wire-test-server.js";

type Json = Record<string, unknown>;

/** One OpenAI streaming chunk with a single choice. */
export function chunk(delta: Json, finishReason: string | null = null): Json {
  return {
    id: "chunk",
    object: "chat.completion.chunk",
    created: 1,
    model: "local",
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
}

/** The last OpenAI chunk when `stream_options.include_usage` is set: no choices, just usage. */
export function usageChunk(prompt: number, completion: number, cached: number): Json {
  return {
    ...chunk({}),
    choices: [],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: cached },
    },
  };
}

/** OpenAI chunks as server-sent events, ending with `[DONE]`. */
export function openAiStream(...chunks: Json[]): Reply {
  return { sse: [...chunks.map((data) => ({ data })), { data: "[DONE]" }] };
}

/** A content block for `anthropicStream`: its start, then its deltas. */
export interface StreamBlock {
  start: Json;
  deltas?: Json[];
}

export function textBlock(...parts: string[]): StreamBlock {
  return {
    start: { type: "text", text: "" },
    deltas: parts.map((text) => ({ type: "text_delta", text })),
  };
}

/** A complete Messages stream: message_start with usage, the blocks, message_delta, stop. */
export function anthropicStream(
  blocks: StreamBlock[],
  stopReason: string,
  usage = { input: 10, output: 5, cacheRead: 0 },
): Reply {
  const event = (type: string, data: Json) => ({ event: type, data: { type, ...data } });
  const message = {
    id: "msg",
    type: "message",
    role: "assistant",
    model: "claude-local",
    content: [],
    stop_reason: null,
    usage: {
      input_tokens: usage.input,
      output_tokens: 1,
      cache_read_input_tokens: usage.cacheRead,
      cache_creation_input_tokens: 0,
    },
  };
  return {
    sse: [
      event("message_start", { message }),
      ...blocks.flatMap((block, index) => [
        event("content_block_start", { index, content_block: block.start }),
        ...(block.deltas ?? []).map((delta) => event("content_block_delta", { index, delta })),
        event("content_block_stop", { index }),
      ]),
      event("message_delta", {
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage: { output_tokens: usage.output },
      }),
      event("message_stop", {}),
    ],
  };
}

export interface AdapterRun {
  events: ModelEvent[];
  /** Settled already; await it or assert on its rejection. */
  result: Promise<ModelResult>;
  seen: SeenRequest[];
}

const open: Array<() => Promise<void>> = [];

/** Closes every server `runAdapter` started; call it from afterEach. */
export async function closeServers(): Promise<void> {
  for (const close of open.splice(0)) await close();
}

/** Sends one request (default: a single "hi") through an adapter to a scripted server. */
export async function runAdapter(
  protocol: "openai" | "anthropic",
  replies: Reply[],
  request: Partial<ModelRequest> = {},
  options: { stream?: boolean; apiKey?: string } = {},
): Promise<AdapterRun> {
  const server = await startWireTestServer(replies);
  open.push(server.close);
  const wire = { baseURL: server.url, maxRetries: 0, ...options };
  const client =
    protocol === "openai" ? createOpenAiChatClient(wire) : createAnthropicMessagesClient(wire);
  const stream = client.stream({
    model: protocol === "openai" ? "local" : "claude-local",
    messages: [{ role: "user", content: "hi" }],
    ...request,
  });
  const events: ModelEvent[] = [];
  for await (const event of stream) events.push(event);
  const result = stream.result();
  result.catch(() => undefined);
  return { events, result, seen: server.requests };
}
