/**
 * Pieces shared by the whole and the streamed chat -> Responses translations: the response
 * object (echoing the caller's settings, as OpenAI does), usage, status, ids and errors.
 */
import type {
  ResponsesCustomToolCallItem,
  ResponsesError,
  ResponsesErrorBody,
  ResponsesFunctionCallItem,
  ResponsesItemStatus,
  ResponsesResponse,
  ResponsesStatus,
  ResponsesUsage,
} from "../wire/responses-types.js";
import { statusOfStreamError } from "./errors.js";
import { convertId, isRecord, numberOf, randomIdSuffix, stringOf } from "./json-values.js";
import { readOpenAiUsage } from "./usage.js";

/** What translating an answer back needs from the caller's Responses request. */
export interface ResponsesReplyContext {
  /** The caller's request body, as sent. */
  request: Record<string, unknown>;
  /** The model the caller asked for; answers name it, not the backend's model id. */
  requestedModel: string;
  /** Chat function names standing for custom or namespaced tools; others are plain functions. */
  toolNames: ReadonlyMap<string, ResponsesToolName>;
}

/** The Responses tool behind a chat function name. */
export interface ResponsesToolName {
  name: string;
  /** The `namespace` tool it was offered in, if any. */
  namespace?: string;
  /** A `custom` tool: called with free-form text, reported as custom_tool_call. */
  custom: boolean;
}

/** Chat has no namespaces: a namespaced tool is offered as `<namespace>__<name>`. */
export function chatToolName(name: string, namespace: string | undefined): string {
  return namespace ? `${namespace}__${name}` : name;
}

/** A tool call item for a chat tool call, before its arguments are known. */
export function newToolCallItem(
  callId: string,
  chatName: string,
  context: ResponsesReplyContext,
  status: ResponsesItemStatus,
): ResponsesFunctionCallItem | ResponsesCustomToolCallItem {
  const tool = context.toolNames.get(chatName);
  const call_id = callId || `call_${randomIdSuffix()}`;
  const name = tool?.name ?? chatName;
  const namespace = tool?.namespace !== undefined ? { namespace: tool.namespace } : {};
  if (tool?.custom) {
    const id = newItemId("ctc_");
    return { type: "custom_tool_call", id, call_id, name, ...namespace, input: "", status };
  }
  const id = newItemId("fc_");
  return { type: "function_call", id, call_id, name, ...namespace, arguments: "", status };
}

/** The response id for a chat completion id (`chatcmpl-x` -> `resp_x`). */
export function responseIdOf(chatId: unknown): string {
  return convertId(chatId, "chatcmpl-", "resp_");
}

/** A fresh output item id with the prefix OpenAI uses for its kind (msg_, fc_, rs_, ctc_). */
export function newItemId(prefix: "msg_" | "fc_" | "rs_" | "ctc_"): string {
  return prefix + randomIdSuffix();
}

/** A response object with no output yet; callers fill output, status, usage and error. */
export function responseSkeleton(
  context: ResponsesReplyContext,
  id: string,
  createdAt: number,
): ResponsesResponse {
  const request = context.request;
  const reasoning = isRecord(request.reasoning) ? request.reasoning : {};
  const text = isRecord(request.text) && isRecord(request.text.format) ? request.text : undefined;
  return {
    id,
    object: "response",
    created_at: createdAt,
    status: "in_progress",
    error: null,
    incomplete_details: null,
    instructions: request.instructions ?? null,
    max_output_tokens: numberOf(request.max_output_tokens) ?? null,
    model: context.requestedModel,
    output: [],
    parallel_tool_calls:
      typeof request.parallel_tool_calls === "boolean" ? request.parallel_tool_calls : true,
    previous_response_id: null,
    reasoning: {
      effort: stringOf(reasoning.effort) ?? null,
      summary: stringOf(reasoning.summary) ?? null,
    },
    store: false,
    temperature: numberOf(request.temperature) ?? null,
    text: { format: text && isRecord(text.format) ? text.format : { type: "text" } },
    tool_choice: request.tool_choice ?? "auto",
    tools: Array.isArray(request.tools) ? request.tools : [],
    top_p: numberOf(request.top_p) ?? null,
    truncation: "disabled",
    usage: null,
    user: stringOf(request.user) ?? null,
    metadata: isRecord(request.metadata) ? request.metadata : {},
  };
}

/** How a chat answer ended, as a response status (a length stop is "incomplete", as at OpenAI). */
export function statusOfFinish(finishReason: unknown): {
  status: ResponsesStatus;
  incomplete_details: ResponsesResponse["incomplete_details"];
} {
  if (finishReason === "length") {
    return { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } };
  }
  if (finishReason === "content_filter") {
    return { status: "incomplete", incomplete_details: { reason: "content_filter" } };
  }
  return { status: "completed", incomplete_details: null };
}

/** Running token counts of one answer, from chat `usage` and llama-server `timings`. */
export interface ChatUsageTotals {
  inputTokens?: number;
  outputTokens?: number;
  cachedTokens?: number;
  reasoningTokens?: number;
}

/** Adds what one chat body or chunk reports; later figures replace earlier ones. */
export function addChatUsage(totals: ChatUsageTotals, value: Record<string, unknown>): void {
  const figures = readOpenAiUsage(value.usage, value.timings);
  if (figures) Object.assign(totals, figures);
  const details = isRecord(value.usage) ? value.usage.completion_tokens_details : undefined;
  const reasoning = isRecord(details) ? numberOf(details.reasoning_tokens) : undefined;
  if (reasoning !== undefined) totals.reasoningTokens = reasoning;
}

export function toResponsesUsage(totals: ChatUsageTotals): ResponsesUsage {
  const input = totals.inputTokens ?? 0;
  const output = totals.outputTokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: totals.cachedTokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: totals.reasoningTokens ?? 0 },
    total_tokens: input + output,
  };
}

/**
 * A chat error object (`{ message, type, code }`, code sometimes an HTTP status number) as a
 * Responses error. Context overflows get OpenAI's code, which Codex treats as final instead of
 * retrying; other codes are kept when they are strings.
 */
export function responsesErrorOf(error: Record<string, unknown>, status?: number): ResponsesError {
  const message = stringOf(error.message) ?? "the backend reported an error";
  const code = stringOf(error.code);
  const type = stringOf(error.type);
  if (
    code === "context_length_exceeded" ||
    type === "exceed_context_size_error" ||
    /context (length|size|window)/i.test(message)
  ) {
    return { code: "context_length_exceeded", message };
  }
  if (code !== undefined && code !== "") return { code, message };
  const httpStatus = status ?? statusOfStreamError(error);
  if (httpStatus === 429) return { code: "rate_limit_exceeded", message };
  return { code: httpStatus >= 500 ? "server_error" : null, message };
}

/** An error body of a 4xx/5xx answer, already in chat completions' shape, tidied for Responses. */
export function responsesErrorBody(
  body: Record<string, unknown>,
  status: number,
): ResponsesErrorBody {
  const error = isRecord(body.error)
    ? body.error
    : { message: stringOf(body.error) ?? stringOf(body.message) ?? JSON.stringify(body) };
  const { code, message } = responsesErrorOf(error, status);
  return {
    error: {
      message,
      type: stringOf(error.type) ?? (status >= 500 ? "server_error" : "invalid_request_error"),
      code,
      param: stringOf(error.param) ?? null,
    },
  };
}
