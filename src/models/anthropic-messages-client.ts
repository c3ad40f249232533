/**
 * The Anthropic-style adapter: `/v1/messages`, as the router, Anthropic and Claude-compatible
 * servers speak it. It is the only file that sees `@anthropic-ai/sdk` types; the content blocks
 * it reads are assembled into `ModelEvent`s by anthropic-message-assembly.ts.
 */
import Anthropic, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from "@anthropic-ai/sdk";
import type {
  ErrorEvent,
  ModelClient,
  ModelEvent,
  ModelMessage,
  ModelRequest,
  ThinkingLevel,
} from "./model-client.js";
import { createMessageAssembly, type MessageAssembly } from "./anthropic-message-assembly.js";
import { createModelStream } from "./model-stream.js";
import {
  failureToErrorEvent,
  readErrorType,
  requestHeaders,
  serverRoot,
  type WireClientOptions,
} from "./wire.js";

/** `temperature` is not in the SDK's types; the router and compatible servers still read it. */
type Body = Omit<Anthropic.MessageCreateParamsNonStreaming, "stream"> & { temperature?: number };
type Param = Anthropic.MessageParam;
type Block = Anthropic.ContentBlockParam;
type ImageMediaType = Anthropic.Base64ImageSource["media_type"];

/** Thinking budgets in tokens; `max_tokens` is raised by the budget so the answer keeps its room. */
export const thinkingBudgets: Record<Exclude<ThinkingLevel, "off">, number> = {
  low: 2048,
  medium: 8192,
  high: 24576,
};

const defaultMaxTokens = 4096;

export interface AnthropicMessagesClientOptions extends WireClientOptions {
  /** Sent instead of `apiKey` when the server expects an OAuth-style token. */
  authToken?: string;
}

export function createAnthropicMessagesClient(
  options: AnthropicMessagesClientOptions,
): ModelClient {
  const credential = options.authToken
    ? { authToken: options.authToken }
    : // A key is always passed so the SDK does not go looking for credentials on disk; without
      // one the Authorization header is dropped below.
      { apiKey: options.apiKey || "no-key" };
  const client = new Anthropic({
    ...credential,
    baseURL: serverRoot(options.baseURL),
    maxRetries: options.maxRetries ?? 2,
    timeout: options.timeoutMs ?? 600_000,
    // The SDK's own logging could print request bodies (ANTHROPIC_LOG=debug); harness never does.
    logLevel: "off",
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.apiKey || options.authToken ? {} : { defaultHeaders: { Authorization: null } }),
  });
  const streaming = options.stream ?? true;
  return {
    stream: (request) =>
      createModelStream(runMessages(client, request, streaming), {
        parseJson: request.responseSchema !== undefined,
      }),
  };
}

async function* runMessages(
  client: Anthropic,
  request: ModelRequest,
  streaming: boolean,
): AsyncGenerator<ModelEvent> {
  const body = toMessagesBody(request);
  const init = { signal: request.signal, headers: requestHeaders(request) };
  const assembly = createMessageAssembly(request.responseSchema?.name);
  try {
    if (!streaming) {
      const message = await client.messages.create({ ...body, stream: false }, init);
      yield* assembly.start(message.usage);
      for (const [index, block] of message.content.entries()) {
        yield* assembly.blockStart(index, block);
        yield* assembly.blockStop(index);
      }
      assembly.messageDelta(message.stop_reason, message.usage);
      yield* assembly.finish();
      return;
    }
    const events = await client.messages.create({ ...body, stream: true }, init);
    yield* streamEvents(events, assembly);
    // The SDK ends the iteration quietly when the caller aborts.
    if (request.signal?.aborted) throw new APIUserAbortError();
    yield* assembly.finish();
  } catch (error) {
    yield toErrorEvent(error, request.signal);
  }
}

async function* streamEvents(
  events: AsyncIterable<Anthropic.RawMessageStreamEvent>,
  assembly: MessageAssembly,
): AsyncGenerator<ModelEvent> {
  for await (const event of events) {
    switch (event.type) {
      case "message_start":
        yield* assembly.start(event.message.usage);
        break;
      case "content_block_start":
        yield* assembly.blockStart(event.index, event.content_block);
        break;
      case "content_block_delta":
        yield* assembly.blockDelta(event.index, event.delta);
        break;
      case "content_block_stop":
        yield* assembly.blockStop(event.index);
        break;
      case "message_delta":
        assembly.messageDelta(event.delta.stop_reason, event.usage);
        break;
      default:
        break;
    }
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

function toMessagesBody(request: ModelRequest): Body {
  const budget =
    request.thinking && request.thinking !== "off" ? thinkingBudgets[request.thinking] : 0;
  const answerTokens = request.maxTokens ?? defaultMaxTokens;
  const body: Body = {
    model: request.model,
    max_tokens: budget + answerTokens,
    messages: toAnthropicMessages(request.messages),
  };
  // Cache breakpoints: the stable prefix (tools + system) and the conversation so far.
  if (request.system) {
    body.system = [{ type: "text", text: request.system, cache_control: { type: "ephemeral" } }];
  }
  const tools: Anthropic.Tool[] = (request.tools ?? []).map((tool) => ({
    name: tool.name,
    description: tool.description,
    input_schema: { ...tool.inputSchema, type: "object" },
  }));
  if (request.responseSchema) {
    const { name, schema } = request.responseSchema;
    tools.push({
      name,
      description: "Give your final answer by calling this tool; its input is the answer.",
      input_schema: { ...schema, type: "object" },
    });
    // The API refuses a forced tool while thinking, so then the tool is only offered; an answer
    // given as text instead is parsed as JSON all the same.
    body.tool_choice = budget > 0 ? { type: "auto" } : { type: "tool", name };
  }
  if (tools.length > 0) body.tools = tools;
  if (request.toolChoice && request.tools?.length && !request.responseSchema) {
    // The API refuses a forced tool while thinking; then the choice stays automatic.
    const forced = request.toolChoice === "required" && budget === 0;
    body.tool_choice =
      request.toolChoice === "none"
        ? { type: "none" }
        : forced
          ? { type: "any" }
          : { type: "auto" };
  }
  if (budget > 0) {
    body.thinking = { type: "enabled", budget_tokens: budget };
  } else if (request.temperature !== undefined) {
    // With thinking the API accepts no temperature but the default.
    body.temperature = request.temperature;
  }
  return body;
}

/** Tool results ride in user turns; consecutive user turns are merged into one. */
function toAnthropicMessages(messages: ModelMessage[]): Param[] {
  const out: Param[] = [];
  for (const message of messages) {
    const blocks = toBlocks(message);
    if (blocks.length === 0) continue;
    const role = message.role === "assistant" ? "assistant" : "user";
    const last = out.at(-1);
    if (last && last.role === role && role === "user" && Array.isArray(last.content)) {
      last.content.push(...blocks);
    } else {
      out.push({ role, content: blocks });
    }
  }
  const lastBlock = out.at(-1)?.role === "user" ? out.at(-1)?.content.at(-1) : undefined;
  if (lastBlock && typeof lastBlock === "object" && "type" in lastBlock) markCached(lastBlock);
  return out;
}

function markCached(block: Block): void {
  if (block.type === "text" || block.type === "image" || block.type === "tool_result") {
    block.cache_control = { type: "ephemeral" };
  }
}

function toBlocks(message: ModelMessage): Block[] {
  switch (message.role) {
    case "user":
      if (typeof message.content === "string") return [{ type: "text", text: message.content }];
      return message.content.map((part) =>
        part.type === "text"
          ? { type: "text", text: part.text }
          : {
              type: "image",
              source: {
                type: "base64",
                media_type: part.mediaType as ImageMediaType,
                data: part.data,
              },
            },
      );
    case "assistant": {
      const blocks: Block[] = [];
      for (const part of message.reasoning ?? []) {
        // Unsigned reasoning (from another wire format) cannot be sent back; it is dropped.
        if (part.redactedData) blocks.push({ type: "redacted_thinking", data: part.redactedData });
        else if (part.signature) {
          blocks.push({ type: "thinking", thinking: part.text, signature: part.signature });
        }
      }
      if (message.text) blocks.push({ type: "text", text: message.text });
      for (const call of message.toolCalls ?? []) {
        blocks.push({ type: "tool_use", id: call.id, name: call.name, input: call.input ?? {} });
      }
      return blocks;
    }
    case "tool":
      return [
        {
          type: "tool_result",
          tool_use_id: message.toolCallId,
          content: message.content,
          ...(message.isError ? { is_error: true } : {}),
        },
      ];
  }
}
