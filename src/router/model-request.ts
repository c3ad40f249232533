/**
 * One model request as the router handles it: parsed once on arrival, then offered to one or
 * more backends. What each backend protocol needs (a translated body, the headers to pass) is
 * worked out on first use and kept for retries.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { WireProtocol } from "./backend.js";
import type { CallerDialect } from "./caller-dialect.js";
import { translateRequest } from "./translate/index.js";

/** Parsed request plus per-protocol caches; the router creates one per HTTP request. */
export interface ModelRequest {
  /** The protocol the caller spoke (and gets its answer in). */
  protocol: WireProtocol;
  model: string;
  /** `model` when it is a known name, else "other": keeps metrics labels bounded. */
  modelLabel: string;
  stream: boolean;
  body: Record<string, unknown>;
  rawBody: Buffer;
  headers: IncomingHttpHeaders;
  /** clock.now() when the request arrived. */
  receivedAt: number;
  /**
   * Set when the caller spoke a dialect of `protocol` (the Responses API): `body` and `rawBody`
   * are then already the translation into `protocol`, and answers go back through this.
   */
  dialect?: CallerDialect;
  /** The body in the other protocol, once a backend of that protocol was tried. */
  translatedBody?: Record<string, unknown>;
}

const upstreamPaths: Record<WireProtocol, string> = {
  openai: "/v1/chat/completions",
  anthropic: "/v1/messages",
};

// Headers that describe the Messages API call itself; everything else the caller sent stays here.
const anthropicHeaders = ["anthropic-version", "anthropic-beta"] as const;

/** Path, body and headers for a backend speaking `protocol`. */
export function upstreamPartsFor(
  request: ModelRequest,
  protocol: WireProtocol,
): {
  path: string;
  body: Record<string, unknown>;
  rawBody?: Uint8Array;
  headers: Record<string, string>;
} {
  const headers: Record<string, string> = {};
  if (protocol === "anthropic") {
    for (const name of anthropicHeaders) {
      const value = request.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
  }
  if (protocol === request.protocol) {
    return { path: upstreamPaths[protocol], body: request.body, rawBody: request.rawBody, headers };
  }
  request.translatedBody ??= translateRequest(request.body, request.protocol, protocol);
  return { path: upstreamPaths[protocol], body: request.translatedBody, headers };
}
