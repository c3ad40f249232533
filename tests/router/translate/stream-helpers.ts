/** Builders and readers for stream-translation tests. */
import type { SseEvent } from "../../../src/router/sse.js";
import type { StreamTranslator } from "../../../src/router/translate/index.js";

/** One OpenAI chunk as llama-server streams it (choices[0] with the given delta). */
export function openAiChunk(
  delta: Record<string, unknown>,
  finishReason: string | null = null,
  extra: Record<string, unknown> = {},
): SseEvent {
  return {
    data: JSON.stringify({
      id: "chatcmpl-7Rx",
      object: "chat.completion.chunk",
      created: 1_700_000_000,
      model: "qwen3.gguf",
      choices: [{ index: 0, delta, finish_reason: finishReason }],
      ...extra,
    }),
  };
}

export const openAiDone: SseEvent = { data: "[DONE]" };

/** A chunk carrying one tool-call delta. */
export function openAiToolCall(index: number, fields: Record<string, unknown>): SseEvent {
  return openAiChunk({ tool_calls: [{ index, ...fields }] });
}

/** One Anthropic event, named after its type as Anthropic sends it. */
export function anthropicEvent(event: Record<string, unknown>): SseEvent {
  return { event: String(event.type), data: JSON.stringify(event) };
}

/** An emitted event, data parsed; `created` zeroed so chunks compare equal. */
export interface ReadEvent {
  event?: string;
  data: unknown;
}

/** Pushes every event, then ends the stream; returns everything emitted, parsed. */
export function runStream(
  translator: StreamTranslator,
  events: SseEvent[],
  end = true,
): ReadEvent[] {
  const out = events.flatMap((event) => translator.push(event));
  if (end) out.push(...translator.end());
  return out.map(readEvent);
}

export function readEvent(event: SseEvent): ReadEvent {
  const data: unknown = event.data === "[DONE]" ? "[DONE]" : JSON.parse(event.data);
  if (typeof data === "object" && data !== null && "created" in data) {
    (data as { created: number }).created = 0;
  }
  return event.event === undefined ? { data } : { event: event.event, data };
}

/** Shorthands for the Anthropic events a translator is expected to emit. */
export const expected = {
  blockStart: (index: number, content_block: Record<string, unknown>) => ({
    event: "content_block_start",
    data: { type: "content_block_start", index, content_block },
  }),
  delta: (index: number, delta: Record<string, unknown>) => ({
    event: "content_block_delta",
    data: { type: "content_block_delta", index, delta },
  }),
  text: (index: number, text: string) => expected.delta(index, { type: "text_delta", text }),
  json: (index: number, partial_json: string) =>
    expected.delta(index, { type: "input_json_delta", partial_json }),
  blockStop: (index: number) => ({
    event: "content_block_stop",
    data: { type: "content_block_stop", index },
  }),
  messageStop: { event: "message_stop", data: { type: "message_stop" } },
  /** message_start for a translated openAiChunk stream (id chatcmpl-7Rx, usage not known yet). */
  messageStart: {
    event: "message_start",
    data: {
      type: "message_start",
      message: {
        id: "msg_7Rx",
        type: "message",
        role: "assistant",
        model: "claude-sonnet-4-5",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    },
  },
  messageDelta: (stop_reason: string, usage: Record<string, number> = {}) => ({
    event: "message_delta",
    data: {
      type: "message_delta",
      delta: { stop_reason, stop_sequence: null },
      usage: {
        input_tokens: 0,
        output_tokens: 0,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        ...usage,
      },
    },
  }),
};

/** An OpenAI chunk as the Anthropic -> OpenAI translator emits it (created zeroed). */
export function emittedChunk(
  delta: Record<string, unknown>,
  finish: string | null = null,
  extra: Record<string, unknown> = {},
): ReadEvent {
  return {
    data: {
      id: "chatcmpl-01Abc",
      object: "chat.completion.chunk",
      created: 0,
      model: "gpt-local",
      choices: [{ index: 0, delta, finish_reason: finish }],
      ...extra,
    },
  };
}
