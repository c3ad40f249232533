/**
 * The OpenAI-style adapter: `/v1/chat/completions`, as the router, llama-server and OpenAI speak
 * it. It is the only file that sees `openai` SDK types; everything leaves as a `ModelEvent`.
 */
import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from "openai";
import type {
  ErrorEvent,
  ModelClient,
  ModelEvent,
  ModelMessage,
  ModelRequest,
  StopReason,
} from "./model-client.js";
import { createErrorEvent } from "./model-errors.js";
import { createModelStream } from "./model-stream.js";
import {
  failureToErrorEvent,
  readErrorType,
  requestHeaders,
  serverRoot,
  type WireClientOptions,
} from "./wire.js";

type Chat = Omit<OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming, "stream">;
type ChatMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;
type ChatCompletion = OpenAI.Chat.Completions.ChatCompletion;
type ChatChunk = OpenAI.Chat.Completions.ChatCompletionChunk;
type ChatUsage = OpenAI.Completions.CompletionUsage;

export function createOpenAiChatClient(options: WireClientOptions): ModelClient {
  const client = new OpenAI({
    baseURL: `${serverRoot(options.baseURL)}/v1`,
    // The SDK insists on a key; without one the Authorization header is dropped below.
    apiKey: options.apiKey || "no-key",
    organization: null,
    project: null,
    maxRetries: options.maxRetries ?? 2,
    timeout: options.timeoutMs ?? 600_000,
    // The SDK's own logging could print request bodies (OPENAI_LOG=debug); harness never does.
    logLevel: "off",
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.apiKey ? {} : { defaultHeaders: { Authorization: null } }),
  });
  const streaming = options.stream ?? true;
  return {
    stream: (request) =>
      createModelStream(runChat(client, request, streaming), {
        parseJson: request.responseSchema !== undefined,
      }),
  };
}

async function* runChat(
  client: OpenAI,
  request: ModelRequest,
  streaming: boolean,
): AsyncGenerator<ModelEvent> {
  const body = toChatBody(request);
  const init = { signal: request.signal, headers: requestHeaders(request) };
  try {
    if (!streaming) {
      const completion = await client.chat.completions.create({ ...body, stream: false }, init);
      yield* completionEvents(completion);
      return;
    }
    const chunks = await client.chat.completions.create(
      { ...body, stream: true, stream_options: { include_usage: true } },
      init,
    );
    yield* chunkEvents(chunks, request.signal);
  } catch (error) {
    yield toErrorEvent(error, request.signal);
  }
}

function toErrorEvent(error: unknown, signal: AbortSignal | undefined): ErrorEvent {
  const message = error instanceof Error ? error.message : String(error);
  return failureToErrorEvent({
    message,
    aborted: signal?.aborted === true || error instanceof APIUserAbortError,
    timedOut: error instanceof APIConnectionTimeoutError,
    connectionFailed: error instanceof APIConnectionError,
    ...(error instanceof APIError && error.status !== undefined ? { status: error.status } : {}),
    ...(error instanceof APIError ? { errorType: readErrorType(error.error) ?? "api_error" } : {}),
  });
}

function toChatBody(request: ModelRequest): Chat {
  const messages: ChatMessage[] = request.system
    ? [{ role: "system", content: request.system }, ...request.messages.map(toChatMessage)]
    : request.messages.map(toChatMessage);
  const body: Chat = { model: request.model, messages };
  if (request.tools?.length) {
    body.tools = request.tools.map((tool) => ({
      type: "function",
      function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
    }));
    if (request.toolChoice) body.tool_choice = request.toolChoice;
  }
  if (request.responseSchema) {
    const { name, schema } = request.responseSchema;
    body.response_format = { type: "json_schema", json_schema: { name, schema } };
  }
  // max_tokens, not max_completion_tokens: llama-server and most compatible servers read it.
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.thinking && request.thinking !== "off") body.reasoning_effort = request.thinking;
  return body;
}

function toChatMessage(message: ModelMessage): ChatMessage {
  switch (message.role) {
    case "user":
      if (typeof message.content === "string") return { role: "user", content: message.content };
      return {
        role: "user",
        content: message.content.map((part) =>
          part.type === "text"
            ? { type: "text", text: part.text }
            : {
                type: "image_url",
                image_url: { url: `data:${part.mediaType};base64,${part.data}` },
              },
        ),
      };
    case "assistant":
      return {
        role: "assistant",
        content: message.text ?? null,
        ...(message.toolCalls?.length
          ? {
              tool_calls: message.toolCalls.map((call) => ({
                id: call.id,
                type: "function" as const,
                function: { name: call.name, arguments: JSON.stringify(call.input ?? {}) },
              })),
            }
          : {}),
      };
    case "tool":
      return { role: "tool", tool_call_id: message.toolCallId, content: message.content };
  }
}

/** A tool call being assembled from deltas: the id and name come first, arguments in pieces. */
interface PendingCall {
  id: string;
  name: string;
  args: string;
}

async function* chunkEvents(
  chunks: AsyncIterable<ChatChunk>,
  signal: AbortSignal | undefined,
): AsyncGenerator<ModelEvent> {
  const calls = new Map<number, PendingCall>();
  let reasoning = "";
  let refused = false;
  let finishReason: string | null = null;
  let usage: ChatUsage | undefined;
  for await (const chunk of chunks) {
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    const delta = choice.delta;
    if (delta.content) yield { type: "text-delta", text: delta.content };
    if (delta.refusal) {
      refused = true;
      yield { type: "text-delta", text: delta.refusal };
    }
    reasoning += readReasoning(delta);
    for (const part of delta.tool_calls ?? []) {
      const call = calls.get(part.index) ?? { id: "", name: "", args: "" };
      calls.set(part.index, call);
      if (part.id) call.id = part.id;
      // Some servers repeat the name on every delta; the first one is the name.
      if (part.function?.name && !call.name) call.name = part.function.name;
      if (part.function?.arguments) call.args += part.function.arguments;
    }
    if (choice.finish_reason) finishReason = choice.finish_reason;
  }
  // The SDK ends the iteration quietly when the caller aborts.
  if (signal?.aborted) throw new APIUserAbortError();
  yield* finishEvents([...calls.values()], reasoning, refused ? "refusal" : finishReason, usage);
}

async function* completionEvents(completion: ChatCompletion): AsyncGenerator<ModelEvent> {
  const choice = completion.choices[0];
  const message = choice?.message;
  if (message?.content) yield { type: "text-delta", text: message.content };
  if (message?.refusal) yield { type: "text-delta", text: message.refusal };
  const calls = (message?.tool_calls ?? []).flatMap((call) =>
    call.type === "function"
      ? [{ id: call.id, name: call.function.name, args: call.function.arguments }]
      : [],
  );
  const reasoning = message ? readReasoning(message) : "";
  const finishReason = message?.refusal ? "refusal" : (choice?.finish_reason ?? null);
  yield* finishEvents(calls, reasoning, finishReason, completion.usage);
}

/** llama-server and others put thinking in a field the OpenAI types do not have. */
function readReasoning(part: object): string {
  const value = (part as { reasoning_content?: unknown }).reasoning_content;
  return typeof value === "string" ? value : "";
}

async function* finishEvents(
  calls: PendingCall[],
  reasoning: string,
  finishReason: string | null,
  usage: ChatUsage | undefined,
): AsyncGenerator<ModelEvent> {
  if (reasoning) yield { type: "reasoning", text: reasoning };
  for (const [index, call] of calls.entries()) {
    let input: unknown;
    try {
      input = call.args.trim() === "" ? {} : JSON.parse(call.args);
    } catch {
      yield createErrorEvent(
        "invalid-output",
        `the arguments of tool call "${call.name}" are not valid JSON`,
      );
      return;
    }
    yield { type: "tool-call", id: call.id || `call_${index}`, name: call.name, input };
  }
  if (usage) {
    yield {
      type: "usage",
      inputTokens: usage.prompt_tokens,
      outputTokens: usage.completion_tokens,
      cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    };
  }
  if (finishReason === null) {
    yield createErrorEvent("network", "the response ended without a finish reason");
    return;
  }
  yield { type: "done", stopReason: calls.length > 0 ? "tool-calls" : toStopReason(finishReason) };
}

function toStopReason(finishReason: string): StopReason {
  if (finishReason === "length") return "length";
  if (finishReason === "content_filter" || finishReason === "refusal") return "refusal";
  if (finishReason === "tool_calls" || finishReason === "function_call") return "tool-calls";
  return "end";
}
