/**
 * What the two wire adapters share and that carries no vendor type: their options, the server
 * root, per-request headers, and how an SDK failure (already taken apart by the adapter) becomes
 * an error event.
 */
import type { ErrorEvent, ModelErrorKind, ModelRequest } from "./model-client.js";
import { createErrorEvent, kindForStatus } from "./model-errors.js";

/** Where and how an adapter talks to the router (or any server speaking its wire format). */
export interface WireClientOptions {
  /** The server root, e.g. http://127.0.0.1:8788; the adapter adds `/v1/...`. */
  baseURL: string;
  /** Sent as a bearer token; omitted when empty (a loopback router without a token). */
  apiKey?: string;
  /** SDK retries of connection failures, 408, 409, 429 and 5xx before the first byte. */
  maxRetries?: number;
  timeoutMs?: number;
  /** A fetch implementation, e.g. one that reaches a router embedded in this process. */
  fetch?: typeof globalThis.fetch;
  /** Stream responses (default); false asks for one JSON answer, turned into the same events. */
  stream?: boolean;
}

/** The server root without a trailing slash or `/v1`, so both SDKs can add their own paths. */
export function serverRoot(baseURL: string): string {
  return baseURL.replace(/\/+$/, "").replace(/\/v1$/, "");
}

/** Per-request headers. Never the request body: that is not logged or echoed anywhere. */
export function requestHeaders(request: ModelRequest): Record<string, string> {
  return request.sessionId ? { "x-session-id": request.sessionId } : {};
}

/** What an adapter learned about a thrown SDK error. */
export interface SdkFailure {
  /** The request was aborted by the caller. */
  aborted?: boolean;
  /** No response arrived in time. */
  timedOut?: boolean;
  /** The connection failed before a status arrived. */
  connectionFailed?: boolean;
  /** The HTTP status, when the server answered with an error status. */
  status?: number;
  /** The body's error type, e.g. `overloaded_error` sent inside a stream. */
  errorType?: string;
  message: string;
}

const kindsByErrorType: Record<string, ModelErrorKind> = {
  authentication_error: "auth",
  permission_error: "auth",
  invalid_request_error: "bad-request",
  not_found_error: "bad-request",
  request_too_large: "bad-request",
  rate_limit_error: "rate-limit",
  overloaded_error: "overloaded",
  timeout_error: "timeout",
  api_error: "unknown",
  server_error: "unknown",
};

export function failureToErrorEvent(failure: SdkFailure): ErrorEvent {
  if (failure.aborted) return createErrorEvent("cancelled", "the request was aborted");
  if (failure.timedOut) return createErrorEvent("timeout", failure.message);
  if (failure.connectionFailed) return createErrorEvent("network", failure.message);
  if (failure.status !== undefined) {
    return createErrorEvent(kindForStatus(failure.status), failure.message, failure.status);
  }
  const kind = failure.errorType === undefined ? undefined : kindsByErrorType[failure.errorType];
  if (kind) {
    // An error sent inside a stream after a 200: a server-side failure, so retry is reasonable.
    const event = createErrorEvent(kind, failure.message);
    return kind === "unknown" ? { ...event, retryable: true } : event;
  }
  // Not an API error: the body stopped arriving (socket closed, proxy reset) or it was garbage.
  return createErrorEvent("network", failure.message);
}

/** Reads `type` from an error body: `{type}` or `{error: {type}}`. */
export function readErrorType(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const inner = (body as { error?: unknown }).error;
  const source = typeof inner === "object" && inner !== null ? inner : body;
  const type = (source as { type?: unknown }).type;
  return typeof type === "string" ? type : undefined;
}
