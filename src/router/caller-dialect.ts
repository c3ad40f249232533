/**
 * A caller API layered on one of the two wire protocols: the Responses API, which the router
 * serves by translating it into chat completions on arrival. The request flow (placement,
 * admission, breakers, failover, metrics) then runs exactly as for an OpenAI caller; only the
 * answer takes one more step, from chat completions into the dialect, wherever it is written.
 */
import type { StreamTranslator } from "./translate/index.js";

export interface CallerDialect {
  /** A translator for one streamed answer, fed chat completion chunks; one per attempt. */
  createStreamTranslator(): StreamTranslator;
  /** A whole chat completion -> the dialect's answer body. */
  translateBody(body: Record<string, unknown>): Record<string, unknown>;
  /** An error body (chat completions shape) -> the dialect's error body. */
  translateErrorBody(body: Record<string, unknown>, status: number): Record<string, unknown>;
  /** What ends a stream that broke after the client got bytes (the latest translator's state). */
  brokenStreamEnd(message: string): string;
}
