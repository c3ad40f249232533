/**
 * What differs between the HTTP backend kinds: protocol, default URL, how to authenticate and
 * where to check health. Everything else (pooling, timeouts, streaming) is shared.
 */
import type { WireProtocol } from "../backend.js";

export type HttpBackendKind = "llama-server" | "openai-compatible" | "openai" | "anthropic";

/** Fixed facts about one kind of HTTP backend. */
export interface BackendProfile {
  protocol: WireProtocol;
  /** Used when the config gives no url; undefined means a url is required. */
  defaultUrl?: string;
  /** GET this path; 2xx means ready. */
  healthPath: string;
  /** llama-server answers 503 while it loads a model: warming up, not down. */
  warmingOn503: boolean;
  /** Cloud APIs refuse requests without a key, so a missing one is a config error. */
  requiresApiKey: boolean;
  /** Headers that carry the key. */
  authHeaders(apiKey: string): Record<string, string>;
}

const bearer = (apiKey: string): Record<string, string> => ({ authorization: `Bearer ${apiKey}` });

export const backendProfiles: Record<HttpBackendKind, BackendProfile> = {
  "llama-server": {
    protocol: "openai",
    healthPath: "/health",
    warmingOn503: true,
    requiresApiKey: false,
    authHeaders: bearer,
  },
  "openai-compatible": {
    protocol: "openai",
    healthPath: "/v1/models",
    warmingOn503: false,
    requiresApiKey: false,
    authHeaders: bearer,
  },
  openai: {
    protocol: "openai",
    defaultUrl: "https://api.openai.com",
    healthPath: "/v1/models",
    warmingOn503: false,
    requiresApiKey: true,
    authHeaders: bearer,
  },
  anthropic: {
    protocol: "anthropic",
    defaultUrl: "https://api.anthropic.com",
    healthPath: "/v1/models",
    warmingOn503: false,
    requiresApiKey: true,
    authHeaders: (apiKey) => ({ "x-api-key": apiKey }),
  },
};

/** The Messages API version sent when the caller did not name one. */
export const defaultAnthropicVersion = "2023-06-01";
