/**
 * One generation on one slot of the embedded backend: prompt accounting (how much of it the
 * slot's KV cache already held), grammar set-up, and the result in OpenAI terms.
 */
import { randomBytes } from "node:crypto";
import type {
  ChatWrapper,
  GbnfJsonSchema,
  Llama,
  LlamaChat,
  LlamaGrammar,
  LlamaModel,
  Token,
} from "node-llama-cpp";
import { EmbeddedRequestError, type EmbeddedChatRequest } from "./embedded-request.js";
import { countCommonPrefix } from "./embedded-slots.js";

/** A tool call as OpenAI returns it; `arguments` is a JSON string. */
export interface EmbeddedToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface EmbeddedGenerationResult {
  text: string;
  toolCalls: EmbeddedToolCall[];
  finishReason: "stop" | "length" | "tool_calls";
  /** Prompt tokens in total, and how many of them the slot's cache already held. */
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  promptMs: number;
  predictedMs: number;
}

/** What a generation needs from the loaded model. */
export interface EmbeddedModelHandle {
  llama: Llama;
  model: LlamaModel;
  chatWrapper: ChatWrapper;
}

const createToolCallId = () => `call_${randomBytes(12).toString("hex")}`;

/** Throws EmbeddedRequestError when the prompt leaves no room to generate in one slot. */
export function assertPromptFits(prompt: readonly Token[], contextSize: number): void {
  if (prompt.length >= contextSize) {
    throw new EmbeddedRequestError(
      `The prompt has ${prompt.length} tokens; the embedded model's context holds ${contextSize} per slot.`,
    );
  }
}

/** The prompt tokens LlamaChat will evaluate for this request (same wrapper, same history). */
export function tokenizePrompt(handle: EmbeddedModelHandle, request: EmbeddedChatRequest): Token[] {
  const { contextText } = handle.chatWrapper.generateContextState({
    chatHistory: request.history,
    ...(request.tools.kind === "native" ? { availableFunctions: request.tools.functions } : {}),
  });
  return contextText.tokenize(handle.model.tokenizer);
}

/** The grammar the request's output must follow, if any; throws EmbeddedRequestError for a bad schema. */
export async function createRequestGrammar(
  handle: EmbeddedModelHandle,
  request: EmbeddedChatRequest,
): Promise<LlamaGrammar | undefined> {
  const schema = request.tools.kind === "forced" ? request.tools.schema : request.responseFormat;
  if (schema === undefined) return undefined;
  if (schema === "json") return handle.llama.getGrammarFor("json");
  try {
    // The method's generic parameters infer a schema type from literals; ours arrive at runtime.
    const create = handle.llama.createGrammarForJsonSchema.bind(handle.llama) as (
      schema: GbnfJsonSchema,
    ) => Promise<LlamaGrammar>;
    return await create(schema);
  } catch (error) {
    throw new EmbeddedRequestError(
      `The JSON schema cannot be turned into a grammar: ${(error as Error).message}`,
    );
  }
}

/** The grammar writes `name` first, then `arguments`; this captures the arguments as written. */
const forcedCallShape =
  /^\s*\{\s*"name"\s*:\s*"(?:[^"\\]|\\.)*"\s*,\s*"arguments"\s*:\s*([\s\S]*?)\s*\}\s*$/;

/** Reads the forced-call JSON `{"name", "arguments"}`; undefined when it was cut off. */
function readForcedCall(text: string): EmbeddedToolCall | undefined {
  try {
    const parsed = JSON.parse(text) as { name?: unknown; arguments?: unknown };
    if (typeof parsed.name !== "string") return undefined;
    // Keep the model's own text: re-serialising would turn numbers like 1E999 into null.
    const written = forcedCallShape.exec(text)?.[1];
    const args = written ?? JSON.stringify(parsed.arguments ?? {});
    return { id: createToolCallId(), name: parsed.name, arguments: args };
  } catch {
    return undefined;
  }
}

/**
 * Generates the answer on `chat`'s sequence. `onText` receives visible text as it is produced
 * (not the JSON of a forced tool call). Rejects with the signal's reason if aborted before the
 * first token; an abort during generation ends it early with what was produced.
 */
export async function generateEmbeddedResponse(
  chat: LlamaChat,
  request: EmbeddedChatRequest,
  prompt: readonly Token[],
  options: {
    grammar: LlamaGrammar | undefined;
    signal: AbortSignal;
    onText?: (text: string) => void;
  },
): Promise<EmbeddedGenerationResult> {
  const contextSize = chat.sequence.contextSize;
  // One prompt token is always evaluated again, to get the logits of the first new token.
  const cachedTokens = Math.min(
    countCommonPrefix(chat.sequence.contextTokens, prompt),
    prompt.length - 1,
  );
  const maxTokens = Math.min(request.maxTokens ?? Infinity, contextSize - prompt.length);
  const grammar = options.grammar;
  const forced = request.tools.kind === "forced";

  const started = performance.now();
  // Every sampled token takes one logits output from the sequence; LlamaChat's onToken can skip
  // a token it held back (a partial stop trigger) when max_tokens ends the generation.
  const outputsBefore = chat.sequence.tokenMeter.usedOutputTokens;
  let firstTokenAt: number | undefined;
  let streamedTokens = 0;
  const sampling = {
    signal: options.signal,
    stopOnAbortSignal: true,
    maxTokens,
    temperature: request.temperature,
    ...(request.topP !== undefined ? { topP: request.topP } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    ...(request.stop.length > 0 ? { customStopTriggers: request.stop } : {}),
    onToken: (tokens: Token[]) => {
      firstTokenAt ??= performance.now();
      streamedTokens += tokens.length;
    },
    ...(options.onText && !forced ? { onTextChunk: options.onText } : {}),
  };
  const response =
    request.tools.kind === "native"
      ? await chat.generateResponse(request.history, {
          ...sampling,
          functions: request.tools.functions,
          maxParallelFunctionCalls: request.tools.parallel ? 4 : 1,
        })
      : await chat.generateResponse(request.history, {
          ...sampling,
          ...(grammar ? { grammar } : {}),
        });
  const finished = performance.now();
  const sampled = chat.sequence.tokenMeter.usedOutputTokens - outputsBefore;
  const completionTokens = Math.max(streamedTokens, Math.min(sampled, maxTokens));

  let text = response.response;
  let toolCalls: EmbeddedToolCall[] = (response.functionCalls ?? []).map((call) => ({
    id: createToolCallId(),
    name: call.functionName,
    arguments: JSON.stringify(call.params ?? {}),
  }));
  if (forced) {
    const call = readForcedCall(text);
    if (call) [text, toolCalls] = ["", [call]];
  }
  const stopReason = response.metadata.stopReason;
  const finishReason =
    toolCalls.length > 0 ? "tool_calls" : stopReason === "maxTokens" ? "length" : "stop";
  const promptDone = firstTokenAt ?? finished;
  return {
    text,
    toolCalls,
    finishReason,
    promptTokens: prompt.length,
    cachedTokens: Math.max(0, cachedTokens),
    completionTokens,
    promptMs: promptDone - started,
    predictedMs: finished - promptDone,
  };
}
