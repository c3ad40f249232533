/**
 * The embedded backend's answers in the OpenAI chat-completions wire shape, with a
 * llama-server-like `timings` object so cache-hit accounting works as for a real llama-server.
 */
import { randomBytes } from "node:crypto";
import type { UpstreamResponse } from "../backend.js";
import { serializeSseEvent } from "../sse.js";
import type { EmbeddedGenerationResult, EmbeddedToolCall } from "./embedded-generate.js";

/** Identity shared by every chunk of one completion. */
export interface CompletionIdentity {
  id: string;
  created: number;
  model: string;
}

/** A fresh `chatcmpl-…` id and creation time for `model`. */
export function createCompletionIdentity(model: string): CompletionIdentity {
  return {
    id: `chatcmpl-${randomBytes(12).toString("hex")}`,
    created: Math.floor(Date.now() / 1000),
    model,
  };
}

function usageOf(result: EmbeddedGenerationResult) {
  return {
    prompt_tokens: result.promptTokens,
    completion_tokens: result.completionTokens,
    total_tokens: result.promptTokens + result.completionTokens,
    prompt_tokens_details: { cached_tokens: result.cachedTokens },
  };
}

const perSecond = (count: number, ms: number) => (ms > 0 ? (count * 1000) / ms : 0);

/** llama-server's `timings`: prompt_n counts only prompt tokens evaluated, cache_n those reused. */
function timingsOf(result: EmbeddedGenerationResult) {
  const promptEvaluated = result.promptTokens - result.cachedTokens;
  return {
    cache_n: result.cachedTokens,
    prompt_n: promptEvaluated,
    prompt_ms: result.promptMs,
    prompt_per_second: perSecond(promptEvaluated, result.promptMs),
    predicted_n: result.completionTokens,
    predicted_ms: result.predictedMs,
    predicted_per_second: perSecond(result.completionTokens, result.predictedMs),
  };
}

const wireToolCall = (call: EmbeddedToolCall) => ({
  id: call.id,
  type: "function",
  function: { name: call.name, arguments: call.arguments },
});

/** The body of a non-streaming `chat.completion`. */
export function formatChatCompletion(
  identity: CompletionIdentity,
  result: EmbeddedGenerationResult,
): Record<string, unknown> {
  const hasTools = result.toolCalls.length > 0;
  return {
    id: identity.id,
    object: "chat.completion",
    created: identity.created,
    model: identity.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: hasTools && result.text === "" ? null : result.text,
          refusal: null,
          ...(hasTools ? { tool_calls: result.toolCalls.map(wireToolCall) } : {}),
        },
        logprobs: null,
        finish_reason: result.finishReason,
      },
    ],
    usage: usageOf(result),
    timings: timingsOf(result),
  };
}

function chunk(
  identity: CompletionIdentity,
  delta: Record<string, unknown>,
  finishReason: string | null,
  extra: Record<string, unknown> = {},
): string {
  const body = {
    id: identity.id,
    object: "chat.completion.chunk",
    created: identity.created,
    model: identity.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...extra,
  };
  return serializeSseEvent({ data: JSON.stringify(body) });
}

/** The first chunk of a stream: the assistant role with empty content. */
export function formatRoleChunk(identity: CompletionIdentity): string {
  return chunk(identity, { role: "assistant", content: "" }, null);
}

/** A chunk carrying generated text. */
export function formatTextChunk(identity: CompletionIdentity, text: string): string {
  return chunk(identity, { content: text }, null);
}

/**
 * The closing events: tool calls (each complete in one delta), the finish chunk with usage and
 * timings (as llama-server sends them), the OpenAI usage chunk when asked for, then `[DONE]`.
 */
export function formatClosingChunks(
  identity: CompletionIdentity,
  result: EmbeddedGenerationResult,
  includeUsage: boolean,
): string {
  let out = "";
  result.toolCalls.forEach((call, index) => {
    out += chunk(identity, { tool_calls: [{ index, ...wireToolCall(call) }] }, null);
  });
  out += chunk(identity, {}, result.finishReason, {
    usage: usageOf(result),
    timings: timingsOf(result),
  });
  if (includeUsage) {
    const body = {
      id: identity.id,
      object: "chat.completion.chunk",
      created: identity.created,
      model: identity.model,
      choices: [],
      usage: usageOf(result),
    };
    out += serializeSseEvent({ data: JSON.stringify(body) });
  }
  return out + serializeSseEvent({ data: "[DONE]" });
}

/** An error inside an already-started stream, as OpenAI-compatible servers send it. */
export function formatStreamError(message: string): string {
  return serializeSseEvent({ data: JSON.stringify({ error: { message, type: "server_error" } }) });
}

/** An OpenAI-style error body. */
export function formatErrorBody(message: string, type: string): Record<string, unknown> {
  return { error: { message, type, param: null, code: null } };
}

/** A complete JSON response (a result or an error) as the router expects it. */
export function createJsonResponse(status: number, body: unknown): UpstreamResponse {
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  async function* once(): AsyncGenerator<Uint8Array> {
    yield bytes;
  }
  return { status, headers: { "content-type": "application/json" }, body: once() };
}
