/**
 * Errors the router itself answers, always in the protocol the caller spoke, so an OpenAI SDK
 * and Claude Code both understand them (and Claude Code retries a 503/529 with back-off).
 */
import type { ServerResponse } from "node:http";
import type { WireProtocol } from "./backend.js";
import { serializeSseEvent } from "./sse.js";
import { errorBody } from "./translate/index.js";

/** Answers with a JSON error body; does nothing if the response was already started. */
export function sendRouterError(
  res: ServerResponse,
  protocol: WireProtocol,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(errorBody(protocol, status, message));
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * The event that ends a stream which broke after bytes reached the client: Anthropic streams an
 * `error` event, OpenAI a data line holding an `error` object.
 */
export function streamErrorEvent(protocol: WireProtocol, message: string): string {
  const data = JSON.stringify(errorBody(protocol, 500, message));
  return serializeSseEvent(protocol === "anthropic" ? { event: "error", data } : { data });
}

/** Which protocol a path speaks, for errors answered before the body is read. */
export function protocolOfPath(path: string): WireProtocol {
  return path.startsWith("/v1/messages") ? "anthropic" : "openai";
}
