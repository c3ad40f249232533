/**
 * Protocol translation for the router: a caller speaking OpenAI chat completions or Anthropic
 * Messages, a backend speaking the other. Functions over parsed JSON and SSE events, without I/O
 * and without throwing; each hands its input back unchanged when both sides speak the same
 * protocol, so the router can call them on every request.
 */
import type { WireProtocol } from "../backend.js";
import { createAnthropicToOpenAiStream } from "./anthropic-to-openai-stream.js";
import { anthropicRequestToOpenAi } from "./anthropic-to-openai-request.js";
import { anthropicResponseToOpenAi } from "./anthropic-to-openai-response.js";
import { createOpenAiToAnthropicStream } from "./openai-to-anthropic-stream.js";
import { openAiRequestToAnthropic } from "./openai-to-anthropic-request.js";
import { openAiResponseToAnthropic } from "./openai-to-anthropic-response.js";
import { passThroughStream, type StreamTranslator } from "./stream-translator.js";

export type { StreamTranslator } from "./stream-translator.js";
export { chainStreamTranslators } from "./stream-translator.js";
export { errorBody, translateErrorBody } from "./errors.js";
export { extractUsage } from "./extract-usage.js";

/** A request body in `from`'s protocol -> the same request in `to`'s. */
export function translateRequest(
  body: Record<string, unknown>,
  from: WireProtocol,
  to: WireProtocol,
): Record<string, unknown> {
  if (from === to) return body;
  return from === "anthropic" ? anthropicRequestToOpenAi(body) : openAiRequestToAnthropic(body);
}

/** A non-streamed response body from a `from` backend -> the `to` caller's shape. */
export function translateResponseBody(
  body: Record<string, unknown>,
  from: WireProtocol,
  to: WireProtocol,
  requestedModel: string,
): Record<string, unknown> {
  if (from === to) return body;
  return from === "anthropic"
    ? anthropicResponseToOpenAi(body, requestedModel)
    : openAiResponseToAnthropic(body, requestedModel);
}

/** A stateful translator for one streamed response from a `from` backend to a `to` caller. */
export function createStreamTranslator(
  from: WireProtocol,
  to: WireProtocol,
  requestedModel: string,
): StreamTranslator {
  if (from === to) return passThroughStream;
  return from === "anthropic"
    ? createAnthropicToOpenAiStream(requestedModel)
    : createOpenAiToAnthropicStream(requestedModel);
}
