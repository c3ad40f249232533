/**
 * Part of the Anthropic adapter: assembles Messages API content blocks (streamed or whole) into
 * `ModelEvent`s. It describes only the few wire fields it reads, structurally, so no SDK type
 * appears here; anthropic-messages-client.ts feeds it.
 *
 * Structured output arrives as the input of a tool named after the response schema. Its JSON is
 * passed on as text deltas, so a caller sees the same text-then-`parsed` result as with OpenAI's
 * `response_format`, and the call ends with "end" rather than "tool-calls".
 */
import type { ModelEvent, StopReason } from "./model-client.js";
import { createErrorEvent } from "./model-errors.js";

/** Token counts as the Messages API reports them (message_start and message_delta). */
export interface WireUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

/** A content block, or its start in a stream (tool input then arrives as JSON deltas). */
export interface WireBlock {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  thinking?: string;
  signature?: string;
  data?: string;
}

export interface WireDelta {
  type: string;
  text?: string;
  partial_json?: string;
  thinking?: string;
  signature?: string;
}

/** Feed it one message's blocks in order; each step returns the events it completed. */
export interface MessageAssembly {
  start(usage: WireUsage): Iterable<ModelEvent>;
  blockStart(index: number, block: WireBlock): Iterable<ModelEvent>;
  blockDelta(index: number, delta: WireDelta): Iterable<ModelEvent>;
  blockStop(index: number): Iterable<ModelEvent>;
  messageDelta(stopReason: string | null, usage: WireUsage | null): void;
  /** Usage, then `done` (or an error when the message never said why it stopped). */
  finish(): Iterable<ModelEvent>;
}

type PendingKind = "text" | "tool" | "answer" | "thinking" | "redacted" | "other";

interface PendingBlock {
  kind: PendingKind;
  block: WireBlock;
  json: string;
  thinking: string;
  signature: string;
  answerSent: boolean;
}

/** `answerToolName` is the response schema's name when the request asked for structured output. */
export function createMessageAssembly(answerToolName: string | undefined): MessageAssembly {
  const pending = new Map<number, PendingBlock>();
  const usage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  let stopReason: string | null = null;
  let toolCalls = 0;

  const readUsage = (from: WireUsage) => {
    usage.input = from.input_tokens ?? usage.input;
    usage.output = from.output_tokens ?? usage.output;
    usage.cacheRead = from.cache_read_input_tokens ?? usage.cacheRead;
    usage.cacheWrite = from.cache_creation_input_tokens ?? usage.cacheWrite;
  };

  const kindOf = (block: WireBlock): PendingKind => {
    switch (block.type) {
      case "text":
        return "text";
      case "tool_use":
        return answerToolName !== undefined && block.name === answerToolName ? "answer" : "tool";
      case "thinking":
        return "thinking";
      case "redacted_thinking":
        return "redacted";
      default:
        return "other";
    }
  };

  return {
    start(from) {
      readUsage(from);
      return [];
    },
    blockStart(index, block) {
      const kind = kindOf(block);
      pending.set(index, {
        kind,
        block,
        json: "",
        thinking: block.thinking ?? "",
        signature: block.signature ?? "",
        answerSent: false,
      });
      return kind === "text" && block.text ? [{ type: "text-delta", text: block.text }] : [];
    },
    blockDelta(index, delta) {
      const entry = pending.get(index);
      if (!entry) return [];
      if (delta.type === "text_delta" && delta.text)
        return [{ type: "text-delta", text: delta.text }];
      if (delta.type === "input_json_delta" && delta.partial_json) {
        if (entry.kind !== "answer") {
          entry.json += delta.partial_json;
          return [];
        }
        entry.answerSent = true;
        return [{ type: "text-delta", text: delta.partial_json }];
      }
      if (delta.type === "thinking_delta" && delta.thinking) entry.thinking += delta.thinking;
      if (delta.type === "signature_delta" && delta.signature) entry.signature = delta.signature;
      return [];
    },
    blockStop(index) {
      const entry = pending.get(index);
      pending.delete(index);
      if (!entry) return [];
      return finishBlock(entry, () => (toolCalls += 1));
    },
    messageDelta(reason, from) {
      stopReason = reason ?? stopReason;
      if (from) readUsage(from);
    },
    finish() {
      const events: ModelEvent[] = [
        {
          type: "usage",
          // Anthropic counts cached prompt tokens apart from input_tokens; harness counts them in.
          inputTokens: usage.input + usage.cacheRead + usage.cacheWrite,
          outputTokens: usage.output,
          cachedTokens: usage.cacheRead,
        },
      ];
      if (stopReason === null) {
        events.push(createErrorEvent("network", "the message ended without a stop reason"));
      } else {
        events.push({
          type: "done",
          stopReason: toolCalls > 0 ? "tool-calls" : toStopReason(stopReason),
        });
      }
      return events;
    },
  };
}

function finishBlock(entry: PendingBlock, countToolCall: () => void): ModelEvent[] {
  const { block } = entry;
  switch (entry.kind) {
    case "tool": {
      let input: unknown;
      try {
        input = entry.json.trim() === "" ? (block.input ?? {}) : JSON.parse(entry.json);
      } catch {
        const name = block.name ?? "?";
        return [
          createErrorEvent("invalid-output", `the input of tool call "${name}" is not valid JSON`),
        ];
      }
      countToolCall();
      return [{ type: "tool-call", id: block.id ?? "", name: block.name ?? "", input }];
    }
    case "answer":
      // A whole (non-streamed) block carries its input; a streamed one sent it as deltas.
      return entry.answerSent
        ? []
        : [{ type: "text-delta", text: JSON.stringify(block.input ?? {}) }];
    case "thinking":
      return [
        {
          type: "reasoning",
          text: entry.thinking,
          ...(entry.signature ? { signature: entry.signature } : {}),
        },
      ];
    case "redacted":
      return [{ type: "reasoning", text: "", redactedData: block.data ?? "" }];
    default:
      return [];
  }
}

function toStopReason(reason: string): StopReason {
  switch (reason) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "refusal":
      return "refusal";
    case "tool_use":
      // Only the structured-output tool was called (real tool calls were counted above).
      return "end";
    default:
      return "end";
  }
}
