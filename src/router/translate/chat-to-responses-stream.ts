/**
 * Chat completion chunks -> the Responses API event stream: response.created and
 * response.in_progress on the first chunk; per output item output_item.added, its deltas
 * (output_text, reasoning_text, function_call_arguments) and output_item.done; at the end
 * response.completed (or response.incomplete after a length stop) carrying the whole response
 * with usage. An error ends the stream with response.failed and no further item events, so a
 * half-written tool call is never handed to the caller as done.
 *
 * Reasoning and message items close as soon as another kind of output starts; tool calls stay
 * open until the finish reason, so a server that interleaves parallel calls loses nothing.
 * Every event carries `sequence_number`, counted from 0.
 */
import type { SseEvent } from "../sse.js";
import type {
  ResponsesCustomToolCallItem,
  ResponsesError,
  ResponsesFunctionCallItem,
  ResponsesItemStatus,
  ResponsesMessageItem,
  ResponsesOutputItem,
  ResponsesOutputText,
  ResponsesReasoningItem,
  ResponsesResponse,
} from "../wire/responses-types.js";
import { customToolInput } from "./chat-to-responses-response.js";
import { arrayOf, isRecord, numberOf, parseEventData, stringOf } from "./json-values.js";
import {
  addChatUsage,
  newItemId,
  newToolCallItem,
  responseIdOf,
  responseSkeleton,
  responsesErrorOf,
  statusOfFinish,
  toResponsesUsage,
  type ChatUsageTotals,
  type ResponsesReplyContext,
} from "./responses-objects.js";
import type { StreamTranslator } from "./stream-translator.js";

/** A stream translator that can also end a stream the upstream broke off. */
export interface ResponsesStreamTranslator extends StreamTranslator {
  /** response.failed with what was sent so far; nothing once the stream has ended. */
  fail(message: string): SseEvent[];
}

interface OpenTextItem {
  kind: "message" | "reasoning";
  index: number;
  item: ResponsesMessageItem | ResponsesReasoningItem;
  text: string;
}

interface ToolCallState {
  callId: string;
  name: string;
  arguments: string;
  index?: number;
  item?: ResponsesFunctionCallItem | ResponsesCustomToolCallItem;
  closed: boolean;
}

export function createChatToResponsesStream(
  context: ResponsesReplyContext,
): ResponsesStreamTranslator {
  let sequence = 0;
  let response: ResponsesResponse | undefined;
  let finished = false;
  let finishReason: unknown;
  let openText: OpenTextItem | undefined;
  const toolCalls = new Map<number, ToolCallState>();
  const usage: ChatUsageTotals = {};
  let out: SseEvent[] = [];

  const emit = (type: string, fields: Record<string, unknown>) => {
    out.push({
      event: type,
      data: JSON.stringify({ type, sequence_number: sequence++, ...fields }),
    });
  };

  const started = (chunk: Record<string, unknown> = {}): ResponsesResponse => {
    if (response) return response;
    const created = numberOf(chunk.created) ?? Math.floor(Date.now() / 1000);
    response = responseSkeleton(context, responseIdOf(chunk.id), created);
    emit("response.created", { response });
    emit("response.in_progress", { response });
    return response;
  };

  const itemStatus = (): ResponsesItemStatus =>
    statusOfFinish(finishReason).status === "completed" ? "completed" : "incomplete";

  const addItem = (item: ResponsesOutputItem): number => {
    const output = started().output;
    output.push(item);
    emit("response.output_item.added", { output_index: output.length - 1, item });
    return output.length - 1;
  };

  const openTextItem = (kind: OpenTextItem["kind"]): OpenTextItem => {
    if (openText?.kind === kind) return openText;
    closeTextItem();
    const item: ResponsesMessageItem | ResponsesReasoningItem =
      kind === "message"
        ? {
            type: "message",
            id: newItemId("msg_"),
            status: "in_progress",
            role: "assistant",
            content: [],
          }
        : {
            type: "reasoning",
            id: newItemId("rs_"),
            summary: [],
            content: [],
            status: "in_progress",
          };
    const index = addItem(item);
    const part = kind === "message" ? outputText("") : { type: "reasoning_text", text: "" };
    emit("response.content_part.added", { ...where(item.id, index), part });
    openText = { kind, index, item, text: "" };
    return openText;
  };

  const addDelta = (kind: OpenTextItem["kind"], delta: string) => {
    const open = openTextItem(kind);
    open.text += delta;
    const type =
      kind === "message" ? "response.output_text.delta" : "response.reasoning_text.delta";
    const logprobs = kind === "message" ? { logprobs: [] } : {};
    emit(type, { ...where(open.item.id, open.index), delta, ...logprobs });
  };

  const closeTextItem = () => {
    if (openText === undefined) return;
    const { kind, index, item, text } = openText;
    openText = undefined;
    const at = where(item.id, index);
    if (item.type === "message") {
      const part = outputText(text);
      emit("response.output_text.done", { ...at, text, logprobs: [] });
      emit("response.content_part.done", { ...at, part });
      item.content = [part];
    } else {
      const part = { type: "reasoning_text" as const, text };
      emit("response.reasoning_text.done", { ...at, text });
      emit("response.content_part.done", { ...at, part });
      item.content = [part];
    }
    item.status = kind === "message" ? itemStatus() : "completed";
    emit("response.output_item.done", { output_index: index, item });
  };

  const addToolCallDelta = (delta: Record<string, unknown>) => {
    const chatIndex = numberOf(delta.index) ?? 0;
    const fn = isRecord(delta.function) ? delta.function : {};
    let call = toolCalls.get(chatIndex);
    if (call === undefined) {
      call = { callId: "", name: "", arguments: "", closed: false };
      toolCalls.set(chatIndex, call);
    }
    const part = stringOf(fn.arguments) ?? "";
    call.arguments += part;
    if (call.item !== undefined) {
      if (part !== "") sendArguments(call, part);
      return;
    }
    call.callId ||= stringOf(delta.id) ?? "";
    call.name += stringOf(fn.name) ?? "";
    // An item cannot start without a name; arguments that came first are sent with it.
    if (call.name === "") return;
    closeTextItem();
    call.item = newToolCallItem(call.callId, call.name, context, "in_progress");
    call.index = addItem(call.item);
    if (call.arguments !== "") sendArguments(call, call.arguments);
  };

  // A custom tool's input is the `input` member of JSON arguments: it is sent whole at the end.
  const sendArguments = (call: ToolCallState, part: string) => {
    if (call.item?.type !== "function_call" || call.index === undefined) return;
    emit("response.function_call_arguments.delta", {
      item_id: call.item.id,
      output_index: call.index,
      delta: part,
    });
  };

  const closeToolCall = (call: ToolCallState) => {
    const { item, index } = call;
    if (call.closed || item === undefined || index === undefined) return;
    call.closed = true;
    const at = { item_id: item.id, output_index: index };
    if (item.type === "function_call") {
      item.arguments = call.arguments;
      emit("response.function_call_arguments.done", {
        ...at,
        name: item.name,
        arguments: call.arguments,
      });
    } else {
      item.input = customToolInput(call.arguments);
      emit("response.custom_tool_call_input.delta", { ...at, delta: item.input });
      emit("response.custom_tool_call_input.done", { ...at, input: item.input });
    }
    item.status = "completed";
    emit("response.output_item.done", { output_index: index, item });
  };

  const closeAll = () => {
    closeTextItem();
    const calls = [...toolCalls.values()].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    for (const call of calls) closeToolCall(call);
  };

  const complete = () => {
    if (response === undefined) {
      return failWith({
        code: "server_error",
        message: "the backend closed the stream without sending a response",
      });
    }
    closeAll();
    finished = true;
    const ending = statusOfFinish(finishReason);
    Object.assign(response, ending, { usage: toResponsesUsage(usage) });
    emit(ending.status === "completed" ? "response.completed" : "response.incomplete", {
      response,
    });
  };

  const failWith = (error: ResponsesError) => {
    const failed = started();
    finished = true;
    Object.assign(failed, { status: "failed", error, usage: toResponsesUsage(usage) });
    emit("response.failed", { response: failed });
  };

  const takeChunk = (chunk: Record<string, unknown>) => {
    // OpenAI and llama-server send `{ error: {...} }`; vLLM-style servers `{ object: "error" }`.
    const error = isRecord(chunk.error)
      ? chunk.error
      : chunk.object === "error"
        ? chunk
        : undefined;
    if (error) return failWith(responsesErrorOf(error));
    started(chunk);
    const choice = arrayOf(chunk.choices).find(isRecord);
    const delta = isRecord(choice?.delta) ? choice.delta : {};
    const reasoning = stringOf(delta.reasoning_content);
    if (reasoning) addDelta("reasoning", reasoning);
    const text = stringOf(delta.content) || stringOf(delta.refusal);
    if (text) addDelta("message", text);
    for (const call of arrayOf(delta.tool_calls)) if (isRecord(call)) addToolCallDelta(call);
    if (choice?.finish_reason) {
      finishReason = choice.finish_reason;
      closeAll();
    }
    addChatUsage(usage, chunk);
  };

  const collect = (work: () => void): SseEvent[] => {
    out = [];
    if (!finished) work();
    return out;
  };

  return {
    push: (event) =>
      collect(() => {
        if (event.data.trim() === "[DONE]") return complete();
        const chunk = parseEventData(event.data);
        if (chunk) takeChunk(chunk);
      }),
    end: () => collect(complete),
    fail: (message) => collect(() => failWith({ code: "server_error", message })),
  };
}

function where(itemId: string, outputIndex: number) {
  return { item_id: itemId, output_index: outputIndex, content_index: 0 };
}

function outputText(text: string): ResponsesOutputText {
  return { type: "output_text", text, annotations: [], logprobs: [] };
}
