/**
 * A Backend reached over HTTP: llama-server, any OpenAI-compatible server, OpenAI or Anthropic.
 * One undici Pool per backend keeps connections alive between requests, which is most of what
 * keeps the router's overhead under a millisecond.
 */
import type { IncomingHttpHeaders } from "node:http";
import { Pool } from "undici";
import { ConfigError } from "../../errors.js";
import type { Backend, BackendHealth, UpstreamRequest, UpstreamResponse } from "../backend.js";
import {
  backendProfiles,
  defaultAnthropicVersion,
  type HttpBackendKind,
} from "./backend-profiles.js";
import { checkHttpHealth } from "./http-health.js";

/** Timeouts as in the `router.timeouts` config section. */
export interface HttpBackendTimeouts {
  connectMs: number;
  firstByteMs: number;
  idleMs: number;
}

/** Everything an HTTP backend needs; `url` may be left out for openai and anthropic. */
export interface HttpBackendOptions {
  name: string;
  kind: HttpBackendKind;
  url?: string;
  models: readonly string[];
  weight: number;
  /** Replaces `body.model` on every request when set. */
  model?: string;
  apiKey?: string;
  /** Configured slots; when set, /props is not asked. */
  slots?: number;
  timeouts: HttpBackendTimeouts;
}

// Caller credentials must never reach a backend, whatever the router passes along.
const blockedHeaders = new Set(["authorization", "x-api-key", "host", "content-length"]);

export function createHttpBackend(options: HttpBackendOptions): Backend {
  const profile = backendProfiles[options.kind];
  const url = parseBaseUrl(options);
  const apiKey = options.apiKey ?? "";
  if (profile.requiresApiKey && apiKey === "") {
    throw new ConfigError(`router backend "${options.name}" (${options.kind}) has no apiKey`, {
      hint: "set apiKey: ${ENV_VAR} in the backend's config and export that variable",
    });
  }
  const { connectMs, firstByteMs, idleMs } = options.timeouts;
  const pool = new Pool(url.origin, {
    connectTimeout: connectMs,
    headersTimeout: firstByteMs,
    // The router times the first chunk and the gaps itself; this is only a backstop.
    bodyTimeout: Math.max(firstByteMs, idleMs),
    keepAliveTimeout: 30_000,
  });
  // A url ending in /v1 is common in other tools' configs; our paths already start with /v1.
  const basePath = url.pathname.replace(/\/+$/, "").replace(/\/v1$/, "");
  const fixedHeaders: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "harness-router",
    ...(apiKey ? profile.authHeaders(apiKey) : {}),
  };
  const isAnthropic = profile.protocol === "anthropic";

  const buildHeaders = (passed: Record<string, string>): Record<string, string> => {
    const headers: Record<string, string> = {};
    for (const name in passed) {
      if (!blockedHeaders.has(name)) headers[name] = passed[name] as string;
    }
    if (isAnthropic && headers["anthropic-version"] === undefined) {
      headers["anthropic-version"] = defaultAnthropicVersion;
    }
    return Object.assign(headers, fixedHeaders);
  };

  const encodeBody = (request: UpstreamRequest): string | Uint8Array => {
    if (options.model !== undefined && request.body.model !== options.model) {
      return JSON.stringify({ ...request.body, model: options.model });
    }
    return request.rawBody ?? JSON.stringify(request.body);
  };

  return {
    name: options.name,
    kind: options.kind,
    protocol: profile.protocol,
    models: options.models,
    weight: options.weight,
    async send(request): Promise<UpstreamResponse> {
      const response = await pool.request({
        method: "POST",
        path: basePath + request.path,
        headers: buildHeaders(request.headers),
        body: encodeBody(request),
        signal: request.signal,
      });
      return {
        status: response.statusCode,
        headers: flattenHeaders(response.headers),
        body: response.body,
      };
    },
    checkHealth(signal): Promise<BackendHealth> {
      return checkHttpHealth({
        pool,
        basePath,
        profile,
        headers: isAnthropic
          ? { ...fixedHeaders, "anthropic-version": defaultAnthropicVersion }
          : fixedHeaders,
        ...(options.slots !== undefined ? { configuredSlots: options.slots } : {}),
        readSlots: options.kind === "llama-server",
        signal,
      });
    },
    async close() {
      await pool.close();
    },
  };
}

function parseBaseUrl(options: HttpBackendOptions): URL {
  const text = options.url ?? backendProfiles[options.kind].defaultUrl;
  if (text === undefined || text === "") {
    throw new ConfigError(`router backend "${options.name}" (${options.kind}) needs a url`, {
      hint: "add url: http://HOST:PORT to the backend's config",
    });
  }
  try {
    return new URL(text);
  } catch {
    throw new ConfigError(`router backend "${options.name}" has an invalid url: ${text}`, {
      hint: "write it as http://HOST:PORT or https://HOST",
    });
  }
}

export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}
