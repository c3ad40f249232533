/**
 * Turns one `router.backends` config entry into a Backend. The embedded kind is imported only
 * when configured, because loading llama.cpp bindings costs time and memory nobody else needs.
 */
import type { BackendConfig } from "../../config/schema.js";
import type { Backend } from "../backend.js";
import { createHttpBackend, type HttpBackendTimeouts } from "./http-backend.js";

/** Settings shared by all backends of one router. */
export interface CreateBackendOptions {
  timeouts: HttpBackendTimeouts;
  /** Download progress of an embedded backend's model, for the CLI to show. */
  onProgress?: (progress: { downloadedBytes: number; totalBytes?: number }) => void;
}

export async function createBackend(
  config: BackendConfig,
  options: CreateBackendOptions,
): Promise<Backend> {
  const common = {
    name: config.name,
    models: config.models,
    weight: config.weight,
    ...(config.model !== undefined ? { model: config.model } : {}),
    ...(config.slots !== undefined ? { slots: config.slots } : {}),
  };
  if (config.kind === "embedded") {
    const { createEmbeddedBackend } = await import("./embedded-backend.js");
    return createEmbeddedBackend({
      ...common,
      ...(config.contextSize !== undefined ? { contextSize: config.contextSize } : {}),
      ...(config.threads !== undefined ? { threads: config.threads } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  }
  return createHttpBackend({
    ...common,
    kind: config.kind,
    ...(config.url !== undefined ? { url: config.url } : {}),
    ...(config.apiKey !== undefined ? { apiKey: config.apiKey } : {}),
    timeouts: options.timeouts,
  });
}
