/**
 * POST /v1/responses (the OpenAI Responses API, which Codex speaks) on top of the chat
 * completions path: the body is translated into a chat completions request on arrival and then
 * flows through the same placement, admission, breakers, failover and metrics as any OpenAI
 * request; the answer comes back through the Responses dialect. See
 * translate/responses-request-to-chat.ts for what is translated, ignored and refused.
 *
 * Session affinity: an explicit session header still wins; otherwise `prompt_cache_key` (Codex
 * sends its session id there) keeps a conversation on one backend, like a session header would.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { CallerDialect } from "./caller-dialect.js";
import { createResponsesDialect } from "./responses-dialect.js";
import { stringOf } from "./translate/json-values.js";
import { responsesRequestToChat } from "./translate/responses-request-to-chat.js";

export const RESPONSES_PATH = "/v1/responses";
export const RESPONSES_INPUT_TOKENS_PATH = "/v1/responses/input_tokens";

/** What the model endpoint needs to route a Responses request as a chat completions one. */
export interface PreparedResponsesRequest {
  ok: true;
  body: Record<string, unknown>;
  rawBody: Buffer;
  headers: IncomingHttpHeaders;
  dialect: CallerDialect;
  /** Hosted tools that were left out: worth a note in the log, the caller may expect them. */
  ignoredTools: readonly string[];
}

export function prepareResponsesRequest(
  body: Record<string, unknown>,
  headers: IncomingHttpHeaders,
  model: string,
): PreparedResponsesRequest | { ok: false; message: string } {
  const translated = responsesRequestToChat(body);
  if (!translated.ok) return translated;
  const cacheKey = stringOf(body.prompt_cache_key);
  return {
    ok: true,
    body: translated.chat,
    rawBody: Buffer.from(JSON.stringify(translated.chat)),
    headers:
      cacheKey && headers["x-session-id"] === undefined
        ? { ...headers, "x-session-id": cacheKey }
        : headers,
    dialect: createResponsesDialect({
      request: body,
      requestedModel: model,
      toolNames: translated.toolNames,
    }),
    ignoredTools: translated.ignoredTools,
  };
}

/**
 * POST /v1/responses/input_tokens, approximately: about four characters per token over the
 * translated prompt, like /v1/messages/count_tokens. No backend is asked.
 */
export function responsesInputTokens(body: Record<string, unknown>): {
  status: number;
  body: Record<string, unknown>;
} {
  const translated = responsesRequestToChat(body);
  if (!translated.ok) {
    return {
      status: 400,
      body: {
        error: {
          message: translated.message,
          type: "invalid_request_error",
          code: null,
          param: null,
        },
      },
    };
  }
  const prompt = JSON.stringify([translated.chat.messages ?? [], translated.chat.tools ?? []]);
  return {
    status: 200,
    body: {
      object: "response.input_tokens",
      input_tokens: Math.max(1, Math.ceil(prompt.length / 4)),
    },
  };
}
