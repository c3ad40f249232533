/**
 * OpenAI chat completion chunks -> Anthropic stream events. Anthropic content blocks come one at
 * a time (start, deltas, stop), so a change of kind (reasoning, text, another tool call) closes
 * the open block and starts the next. The message ends on `[DONE]` or at the end of the stream,
 * after the trailing usage chunk OpenAI sends once the finish reason is known.
 */
import type { SseEvent } from "../sse.js";
import type {
  AnthropicResponseBlock,
  AnthropicStopReason,
  AnthropicStreamEvent,
} from "../wire/anthropic-types.js";
import { anthropicErrorType, statusOfStreamError } from "./errors.js";
import {
  arrayOf,
  convertId,
  isRecord,
  numberOf,
  parseEventData,
  randomIdSuffix,
  stringOf,
} from "./json-values.js";
import { anthropicStopReasonFromOpenAi } from "./stop-reasons.js";
import type { StreamTranslator } from "./stream-translator.js";
import { readOpenAiUsage, toAnthropicUsage, type UsageFigures } from "./usage.js";

interface ToolCallState {
  id: string;
  name: string;
  /** Arguments that arrived before the name; a block cannot start without one. */
  pendingArguments: string;
  blockIndex?: number;
}

interface OpenBlock {
  kind: "text" | "thinking" | "tool";
  index: number;
}

/** A translator for one response; `model` in message_start is what the caller asked for. */
export function createOpenAiToAnthropicStream(requestedModel: string): StreamTranslator {
  let started = false;
  let finished = false;
  let nextBlockIndex = 0;
  let open: OpenBlock | undefined;
  let stopReason: AnthropicStopReason | undefined;
  let usage: UsageFigures | undefined;
  const toolCalls = new Map<number, ToolCallState>();
  let out: SseEvent[] = [];

  const emit = (event: AnthropicStreamEvent) => {
    out.push({ event: event.type, data: JSON.stringify(event) });
  };

  const start = (chunk: Record<string, unknown>) => {
    started = true;
    emit({
      type: "message_start",
      message: {
        id: convertId(chunk.id, "chatcmpl-", "msg_"),
        type: "message",
        role: "assistant",
        model: requestedModel,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    });
  };

  const closeOpenBlock = () => {
    if (open === undefined) return;
    if (open.kind === "thinking") {
      // Anthropic clients expect a signature before a thinking block ends; local models have none.
      emit({
        type: "content_block_delta",
        index: open.index,
        delta: { type: "signature_delta", signature: "" },
      });
    }
    emit({ type: "content_block_stop", index: open.index });
    open = undefined;
  };

  const openBlock = (kind: OpenBlock["kind"], block: AnthropicResponseBlock): number => {
    closeOpenBlock();
    const index = nextBlockIndex++;
    open = { kind, index };
    emit({ type: "content_block_start", index, content_block: block });
    return index;
  };

  const addText = (text: string) => {
    const index =
      open?.kind === "text" ? open.index : openBlock("text", { type: "text", text: "" });
    emit({ type: "content_block_delta", index, delta: { type: "text_delta", text } });
  };

  const addThinking = (thinking: string) => {
    const index =
      open?.kind === "thinking"
        ? open.index
        : openBlock("thinking", { type: "thinking", thinking: "", signature: "" });
    emit({ type: "content_block_delta", index, delta: { type: "thinking_delta", thinking } });
  };

  const addToolCallDelta = (delta: Record<string, unknown>) => {
    const toolIndex = numberOf(delta.index) ?? 0;
    const fn = isRecord(delta.function) ? delta.function : {};
    let call = toolCalls.get(toolIndex);
    if (call === undefined) {
      call = { id: "", name: "", pendingArguments: "" };
      toolCalls.set(toolIndex, call);
    }
    const argumentsPart = stringOf(fn.arguments) ?? "";
    if (call.blockIndex === undefined) {
      call.id ||= stringOf(delta.id) ?? "";
      call.name += stringOf(fn.name) ?? "";
      call.pendingArguments += argumentsPart;
      if (call.name === "") return;
      const id = call.id || `toolu_${randomIdSuffix()}`;
      call.blockIndex = openBlock("tool", { type: "tool_use", id, name: call.name, input: {} });
      if (call.pendingArguments !== "") sendArguments(call.blockIndex, call.pendingArguments);
      call.pendingArguments = "";
      return;
    }
    // A call whose block was already closed (servers stream calls one after another, so this
    // should not happen) still gets its arguments, by index, as Anthropic SDKs accumulate them.
    if (argumentsPart !== "") sendArguments(call.blockIndex, argumentsPart);
  };

  const sendArguments = (index: number, partial_json: string) => {
    emit({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json } });
  };

  const finish = () => {
    finished = true;
    if (!started) {
      emitError(502, "the backend closed the stream without sending a response");
      return;
    }
    closeOpenBlock();
    emit({
      type: "message_delta",
      delta: { stop_reason: stopReason ?? "end_turn", stop_sequence: null },
      usage: toAnthropicUsage(usage),
    });
    emit({ type: "message_stop" });
  };

  const emitError = (status: number, message: string) => {
    finished = true;
    emit({ type: "error", error: { type: anthropicErrorType(status), message } });
  };

  const takeChunk = (chunk: Record<string, unknown>) => {
    // OpenAI and llama-server send `{ error: {...} }`; vLLM-style servers `{ object: "error", ... }`.
    const error = isRecord(chunk.error)
      ? chunk.error
      : chunk.object === "error"
        ? chunk
        : undefined;
    if (error) {
      const message = stringOf(error.message) ?? "the backend reported an error";
      emitError(statusOfStreamError(error), message);
      return;
    }
    if (!started) start(chunk);
    const choice = arrayOf(chunk.choices).find(isRecord);
    const delta = isRecord(choice?.delta) ? choice.delta : {};
    const reasoning = stringOf(delta.reasoning_content);
    if (reasoning) addThinking(reasoning);
    const text = stringOf(delta.content) || stringOf(delta.refusal);
    if (text) addText(text);
    for (const call of arrayOf(delta.tool_calls)) if (isRecord(call)) addToolCallDelta(call);
    if (choice?.finish_reason) {
      stopReason = anthropicStopReasonFromOpenAi(choice.finish_reason);
      closeOpenBlock();
    }
    const figures = readOpenAiUsage(chunk.usage, chunk.timings);
    if (figures) usage = { ...usage, ...figures };
  };

  const collect = (work: () => void): SseEvent[] => {
    out = [];
    if (!finished) work();
    return out;
  };

  return {
    push: (event) =>
      collect(() => {
        if (event.data.trim() === "[DONE]") return finish();
        const chunk = parseEventData(event.data);
        if (chunk) takeChunk(chunk);
      }),
    end: () => collect(finish),
  };
}
