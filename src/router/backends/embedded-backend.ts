/**
 * The `embedded` backend: llama.cpp running inside the router process through node-llama-cpp,
 * speaking OpenAI chat completions. It is the default when no other backend is configured.
 * The model loads in the background (health says "warming" until then); requests wait for it.
 */
import type { Backend, BackendHealth, UpstreamRequest, UpstreamResponse } from "../backend.js";
import {
  assertPromptFits,
  createRequestGrammar,
  generateEmbeddedResponse,
  tokenizePrompt,
  type EmbeddedGenerationResult,
} from "./embedded-generate.js";
import {
  createLlamaLogBuffer,
  isRemoteModelReference,
  loadEmbeddedModel,
  resolveDefaultModelsDir,
  resolveEmbeddedModelPath,
  type EmbeddedDownloadProgress,
  type LoadedEmbeddedModel,
} from "./embedded-model.js";
import {
  EmbeddedRequestError,
  readEmbeddedChatRequest,
  type EmbeddedChatRequest,
} from "./embedded-request.js";
import { createSlotPool, type SlotPool } from "./embedded-slots.js";
import { createByteChannel } from "./embedded-stream.js";
import {
  createCompletionIdentity,
  createJsonResponse,
  formatChatCompletion,
  formatClosingChunks,
  formatErrorBody,
  formatRoleChunk,
  formatStreamError,
  formatTextChunk,
  type CompletionIdentity,
} from "./embedded-wire.js";
import type { LlamaChat, LlamaGrammar, Token } from "node-llama-cpp";

export interface EmbeddedBackendOptions {
  name: string;
  models: readonly string[];
  weight: number;
  /** A local GGUF path or an `hf:` reference; DEFAULT_EMBEDDED_MODEL when unset. */
  model?: string;
  /** Parallel sequences (default 1); further requests wait for a free one. */
  slots?: number;
  /** Tokens per slot; default: as large as memory allows, up to 32768 or the trained size. */
  contextSize?: number;
  /** CPU threads for generation; default: llama.cpp's choice. */
  threads?: number;
  /** Where `hf:` models are downloaded; default `$HARNESS_HOME/models`. */
  modelsDir?: string;
  onProgress?: (p: { downloadedBytes: number; totalBytes?: number }) => void;
}

/** A small instruct model (Qwen2.5 0.5B, Q4_K_M, ~400 MB) used when `model` is unset. */
export const DEFAULT_EMBEDDED_MODEL = "hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M";

/** Set to off/false/0/cpu to keep llama.cpp on the CPU even when a GPU is available. */
const gpuEnvironmentVariable = "HARNESS_EMBEDDED_GPU";

const sseHeaders = { "content-type": "text/event-stream", "cache-control": "no-cache" };

/** Resolves with `promise`, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

interface PreparedRequest {
  request: EmbeddedChatRequest;
  prompt: Token[];
  grammar: LlamaGrammar | undefined;
  identity: CompletionIdentity;
}

/** Creates the backend and starts resolving and loading its model in the background. */
export async function createEmbeddedBackend(options: EmbeddedBackendOptions): Promise<Backend> {
  const reference = options.model ?? DEFAULT_EMBEDDED_MODEL;
  const slots = Math.max(1, Math.floor(options.slots ?? 1));
  const modelsDir = options.modelsDir ?? resolveDefaultModelsDir();
  const gpu = !/^(off|false|0|cpu|no)$/i.test(process.env[gpuEnvironmentVariable] ?? "");
  const logs = createLlamaLogBuffer();
  const closing = new AbortController();
  let progress: EmbeddedDownloadProgress | undefined;
  let failure: string | undefined;
  let ready = false;
  const inFlight = new Set<Promise<unknown>>();

  const loading = (async () => {
    const modelPath = await resolveEmbeddedModelPath(reference, {
      modelsDir,
      signal: closing.signal,
      onProgress: (update) => {
        progress = update;
        options.onProgress?.(update);
      },
    });
    const loaded = await loadEmbeddedModel({
      modelPath,
      slots,
      gpu,
      log: logs.log,
      ...(options.contextSize ? { contextSize: options.contextSize } : {}),
      ...(options.threads ? { threads: options.threads } : {}),
    });
    const pool = createSlotPool<LlamaChat>(loaded.chats, (chat) => chat.sequence.contextTokens);
    ready = true;
    return { loaded, pool };
  })();
  loading.catch((error: unknown) => {
    const recent = logs.recent();
    const hint = (error as { hint?: unknown }).hint;
    failure = [
      `Embedded model ${reference} failed to load: ${error instanceof Error ? error.message : String(error)}`,
      typeof hint === "string" ? hint : undefined,
      recent ? `llama.cpp said: ${recent}` : undefined,
    ]
      .filter(Boolean)
      .join(" ");
  });

  function prepare(loaded: LoadedEmbeddedModel, body: Record<string, unknown>) {
    const request = readEmbeddedChatRequest(body);
    const prompt = tokenizePrompt(loaded, request);
    assertPromptFits(prompt, loaded.context.contextSize);
    const configured = options.models.find((model) => model !== "*");
    const identity = createCompletionIdentity(request.model ?? configured ?? "embedded");
    return createRequestGrammar(loaded, request).then((grammar): PreparedRequest => ({
      request,
      prompt,
      grammar,
      identity,
    }));
  }

  async function generate(
    pool: SlotPool<LlamaChat>,
    prepared: PreparedRequest,
    signal: AbortSignal,
    onText?: (text: string) => void,
  ): Promise<EmbeddedGenerationResult> {
    const lease = await pool.acquire(prepared.prompt, signal);
    const running = generateEmbeddedResponse(lease.slot, prepared.request, prepared.prompt, {
      grammar: prepared.grammar,
      signal,
      ...(onText ? { onText } : {}),
    });
    inFlight.add(running);
    try {
      return await running;
    } finally {
      inFlight.delete(running);
      lease.release();
    }
  }

  function stream(
    pool: SlotPool<LlamaChat>,
    prepared: PreparedRequest,
    requestSignal: AbortSignal,
  ): UpstreamResponse {
    const channel = createByteChannel();
    const signal = AbortSignal.any([requestSignal, closing.signal, channel.cancelled]);
    const { identity } = prepared;
    channel.push(formatRoleChunk(identity));
    generate(pool, prepared, signal, (text) => channel.push(formatTextChunk(identity, text)))
      .then((result) => {
        if (!signal.aborted)
          channel.push(formatClosingChunks(identity, result, prepared.request.includeUsage));
      })
      .catch((error: unknown) => {
        if (!signal.aborted)
          channel.push(formatStreamError(error instanceof Error ? error.message : String(error)));
      })
      .finally(() => channel.end());
    return { status: 200, headers: sseHeaders, body: channel.body };
  }

  return {
    name: options.name,
    kind: "embedded",
    protocol: "openai",
    models: options.models,
    weight: options.weight,

    async checkHealth(): Promise<BackendHealth> {
      if (failure !== undefined) return { readiness: "down", detail: failure };
      if (ready) return { readiness: "ready", slots };
      const download =
        progress && isRemoteModelReference(reference) ? downloadDetail(progress) : "";
      return { readiness: "warming", slots, detail: `Loading ${reference}${download}` };
    },

    async send(upstream: UpstreamRequest): Promise<UpstreamResponse> {
      if (upstream.path !== "/v1/chat/completions") {
        return createJsonResponse(
          404,
          formatErrorBody(
            `The embedded backend serves /v1/chat/completions, not ${upstream.path}.`,
            "not_found_error",
          ),
        );
      }
      const { loaded, pool } = await untilAborted(loading, upstream.signal);
      let prepared: PreparedRequest;
      try {
        prepared = await prepare(loaded, upstream.body);
      } catch (error) {
        if (error instanceof EmbeddedRequestError)
          return createJsonResponse(400, formatErrorBody(error.message, "invalid_request_error"));
        throw error;
      }
      if (upstream.stream) return stream(pool, prepared, upstream.signal);
      const signal = AbortSignal.any([upstream.signal, closing.signal]);
      const result = await generate(pool, prepared, signal);
      if (signal.aborted) throw signal.reason;
      return createJsonResponse(200, formatChatCompletion(prepared.identity, result));
    },

    async close(): Promise<void> {
      closing.abort(new Error(`Backend ${options.name} is closing.`));
      // Aborted generations end within a token; the model is freed only after they have.
      // A download may not stop promptly; whatever it loads is freed when it finishes.
      const disposeLoaded = loading
        .then(async ({ loaded }) => {
          await Promise.allSettled([...inFlight]);
          await loaded.dispose();
        })
        .catch(() => undefined);
      if (ready || !isRemoteModelReference(reference)) await disposeLoaded;
    },
  };
}

function downloadDetail(progress: EmbeddedDownloadProgress): string {
  const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
  const total = progress.totalBytes ? ` of ${megabytes(progress.totalBytes)}` : "";
  return ` (downloaded ${megabytes(progress.downloadedBytes)}${total})`;
}
