/**
 * The contract between the router and whatever answers a model request: a llama-server, any
 * OpenAI-compatible server, OpenAI, Anthropic, or llama.cpp embedded in this process. The router
 * picks a backend, translates the request into the backend's protocol if needed, and calls
 * `send`; it never looks inside a backend beyond this interface.
 */

/** The two wire formats the router speaks on both sides. */
export type WireProtocol = "openai" | "anthropic";

export type BackendKind =
  "llama-server" | "openai-compatible" | "openai" | "anthropic" | "embedded";

/** What an active health check found. "warming" (llama-server 503 while loading) is not "down". */
export type BackendReadiness = "ready" | "warming" | "down";

export interface BackendHealth {
  readiness: BackendReadiness;
  /** Parallel slots the backend serves (llama-server `/props` total_slots); undefined if unknown. */
  slots?: number;
  /** Why it is not ready, for `harness router status`. */
  detail?: string;
}

/** A request on its way upstream, already in the backend's protocol. */
export interface UpstreamRequest {
  /** "/v1/chat/completions" for openai, "/v1/messages" for anthropic. */
  path: string;
  /** Headers to pass through (anthropic-version, anthropic-beta, ...); never the caller's auth. */
  headers: Record<string, string>;
  /** The JSON body, already translated; `model` is the backend's own model id. */
  body: Record<string, unknown>;
  /**
   * The caller's bytes when `body` is their unchanged parse (no translation): a backend that only
   * forwards bytes may send these instead of serializing `body` again, which is what keeps large
   * prompts cheap to proxy. Absent when the router changed the body.
   */
  rawBody?: Uint8Array;
  stream: boolean;
  /** Aborted when the client disconnects or a timeout fires; the backend must stop work. */
  signal: AbortSignal;
}

/** The backend's answer: status and headers as soon as they are known, then the body bytes. */
export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  /** Raw body: JSON for non-streaming, server-sent events for streaming. */
  body: AsyncIterable<Uint8Array>;
}

/** Token counts read from a response (usage, or llama-server `timings`). */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  /** Prompt tokens served from the backend's cache (llama-server timings.cache_n). */
  cachedTokens: number;
}

export interface Backend {
  readonly name: string;
  readonly kind: BackendKind;
  /** The protocol `send` expects; the router translates when the caller spoke the other one. */
  readonly protocol: WireProtocol;
  /** Model ids (and aliases) this backend serves; "*" serves any. */
  readonly models: readonly string[];
  /** Relative share for weighted strategies; default 1. */
  readonly weight: number;
  /** Active health check; must not throw (report "down" with a detail instead). */
  checkHealth(signal: AbortSignal): Promise<BackendHealth>;
  /**
   * Sends one request. Rejects (with an Error) only when no response status was received: a
   * connection failure or a timeout before the first byte, which the router may retry elsewhere.
   */
  send(request: UpstreamRequest): Promise<UpstreamResponse>;
  /** Frees sockets, models and timers. */
  close(): Promise<void>;
}
