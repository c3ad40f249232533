/**
 * Builds the model client the commands hand to workflows. Every call goes through the local
 * router, which speaks both wire formats; the caller picks the format and reads any key from
 * the environment, so nothing below this point reads the environment or the disk for secrets.
 */
import { createAnthropicMessagesClient } from "./anthropic-messages-client.js";
import type { ModelClient } from "./model-client.js";
import { createOpenAiChatClient } from "./openai-chat-client.js";

/** Where the router listens unless the config says otherwise (router.host, router.port). */
export const defaultRouterURL = "http://127.0.0.1:8788";

/** How to reach the router. Request bodies are never logged, whatever the options. */
export interface ModelClientOptions {
  protocol: "openai" | "anthropic";
  /** The router (or server) root; default {@link defaultRouterURL}. */
  baseURL?: string;
  /** The router token or provider key; sent as a bearer token, omitted when empty. */
  apiKey?: string;
  maxRetries?: number;
  timeoutMs?: number;
  /** For a router embedded in this process, or tests. */
  fetch?: typeof globalThis.fetch;
  /** false asks for whole JSON answers instead of streams (same events either way). */
  stream?: boolean;
}

export function createModelClient(options: ModelClientOptions): ModelClient {
  const wire = { ...options, baseURL: options.baseURL ?? defaultRouterURL };
  return options.protocol === "anthropic"
    ? createAnthropicMessagesClient(wire)
    : createOpenAiChatClient(wire);
}
