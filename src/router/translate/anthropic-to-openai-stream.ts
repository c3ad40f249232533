/**
 * Anthropic stream events -> OpenAI chat completion chunks. Tool calls are numbered in order of
 * appearance, as OpenAI's `tool_calls[].index` counts tool calls only, not content blocks. The
 * closing chunk carries the finish reason and the usage, then `[DONE]` follows.
 */
import type { SseEvent } from "../sse.js";
import type {
  OpenAiDelta,
  OpenAiErrorBody,
  OpenAiFinishReason,
  OpenAiStreamChunk,
  OpenAiUsage,
} from "../wire/openai-types.js";
import { openAiErrorType, statusOfStreamError } from "./errors.js";
import {
  convertId,
  isRecord,
  numberOf,
  parseEventData,
  randomIdSuffix,
  stringifyToolInput,
  stringOf,
} from "./json-values.js";
import { openAiFinishReasonFromAnthropic } from "./stop-reasons.js";
import type { StreamTranslator } from "./stream-translator.js";
import { readAnthropicUsage, toOpenAiUsage } from "./usage.js";

/** A translator for one response; `model` in every chunk is what the caller asked for. */
export function createAnthropicToOpenAiStream(requestedModel: string): StreamTranslator {
  let id = "";
  let created = 0;
  let started = false;
  let finished = false;
  let finishReason: OpenAiFinishReason | undefined;
  // Anthropic usage fields are cumulative: the latest value of each one wins.
  const usage: Record<string, number> = {};
  const toolIndexByBlock = new Map<number, number>();
  let out: SseEvent[] = [];

  const emitChunk = (
    delta: OpenAiDelta,
    finish: OpenAiFinishReason | null = null,
    total?: OpenAiUsage,
  ) => {
    const chunk: OpenAiStreamChunk = {
      id,
      object: "chat.completion.chunk",
      created,
      model: requestedModel,
      choices: [{ index: 0, delta, finish_reason: finish }],
      ...(total ? { usage: total } : {}),
    };
    out.push({ data: JSON.stringify(chunk) });
  };

  const start = (messageId: unknown) => {
    started = true;
    id = convertId(messageId, "msg_", "chatcmpl-");
    created = Math.floor(Date.now() / 1000);
    emitChunk({ role: "assistant", content: "" });
  };

  const addUsage = (value: unknown) => {
    if (!isRecord(value)) return;
    for (const [key, field] of Object.entries(value)) {
      const number = numberOf(field);
      if (number !== undefined) usage[key] = number;
    }
  };

  const startBlock = (index: number, block: Record<string, unknown>) => {
    if (block.type === "text" && stringOf(block.text)) emitChunk({ content: stringOf(block.text) });
    if (block.type === "thinking" && stringOf(block.thinking)) {
      emitChunk({ reasoning_content: stringOf(block.thinking) });
    }
    if (block.type !== "tool_use") return;
    const toolIndex = toolIndexByBlock.size;
    toolIndexByBlock.set(index, toolIndex);
    // Streamed tool input arrives as deltas; an input given whole up front is sent at once.
    const input =
      isRecord(block.input) && Object.keys(block.input).length > 0 ? block.input : undefined;
    emitChunk({
      tool_calls: [
        {
          index: toolIndex,
          id: stringOf(block.id) ?? `call_${randomIdSuffix()}`,
          type: "function",
          function: {
            name: stringOf(block.name) ?? "",
            arguments: input ? stringifyToolInput(input) : "",
          },
        },
      ],
    });
  };

  const addDelta = (index: number, delta: Record<string, unknown>) => {
    if (delta.type === "text_delta") emitChunk({ content: stringOf(delta.text) ?? "" });
    else if (delta.type === "thinking_delta") {
      emitChunk({ reasoning_content: stringOf(delta.thinking) ?? "" });
    } else if (delta.type === "input_json_delta") {
      const toolIndex = toolIndexByBlock.get(index);
      const partial = stringOf(delta.partial_json) ?? "";
      if (toolIndex !== undefined && partial !== "") {
        emitChunk({ tool_calls: [{ index: toolIndex, function: { arguments: partial } }] });
      }
    }
  };

  const finish = () => {
    finished = true;
    if (!started) {
      emitError(502, "the backend closed the stream without sending a response");
      return;
    }
    emitChunk({}, finishReason ?? "stop", toOpenAiUsage(readAnthropicUsage(usage)));
    out.push({ data: "[DONE]" });
  };

  const emitError = (status: number, message: string, code: string | null = null) => {
    finished = true;
    const body: OpenAiErrorBody = { error: { message, type: openAiErrorType(status), code } };
    out.push({ data: JSON.stringify(body) });
  };

  const takeEvent = (event: Record<string, unknown>) => {
    if (event.type === "error") {
      const error = isRecord(event.error) ? event.error : {};
      const type = stringOf(error.type) ?? "api_error";
      const message = stringOf(error.message) ?? "the backend reported an error";
      emitError(statusOfStreamError(error), message, type);
      return;
    }
    if (event.type === "ping") return;
    const message = isRecord(event.message) ? event.message : undefined;
    if (!started) start(message?.id);
    const index = numberOf(event.index) ?? 0;
    switch (event.type) {
      case "message_start":
        addUsage(message?.usage);
        break;
      case "content_block_start":
        if (isRecord(event.content_block)) startBlock(index, event.content_block);
        break;
      case "content_block_delta":
        if (isRecord(event.delta)) addDelta(index, event.delta);
        break;
      case "message_delta":
        if (isRecord(event.delta) && event.delta.stop_reason) {
          finishReason = openAiFinishReasonFromAnthropic(event.delta.stop_reason);
        }
        addUsage(event.usage);
        break;
      case "message_stop":
        finish();
        break;
    }
  };

  const collect = (work: () => void): SseEvent[] => {
    out = [];
    if (!finished) work();
    return out;
  };

  return {
    push: (event) =>
      collect(() => {
        const data = parseEventData(event.data);
        if (data) takeEvent(data);
      }),
    end: () => collect(finish),
  };
}
