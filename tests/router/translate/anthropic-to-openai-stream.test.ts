import { describe, expect, it } from "vitest";
import { createStreamTranslator } from "../../../src/router/translate/index.js";
import { anthropicEvent, emittedChunk, runStream } from "./stream-helpers.js";

const translator = () => createStreamTranslator("anthropic", "openai", "gpt-local");

const messageStart = anthropicEvent({
  type: "message_start",
  message: {
    id: "msg_01Abc",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-5-20250929",
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: {
      input_tokens: 10,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 90,
      output_tokens: 1,
    },
  },
});
const blockStart = (index: number, content_block: Record<string, unknown>) =>
  anthropicEvent({ type: "content_block_start", index, content_block });
const delta = (index: number, value: Record<string, unknown>) =>
  anthropicEvent({ type: "content_block_delta", index, delta: value });
const blockStop = (index: number) => anthropicEvent({ type: "content_block_stop", index });
const messageDelta = (stop_reason: string, usage: Record<string, number>) =>
  anthropicEvent({ type: "message_delta", delta: { stop_reason, stop_sequence: null }, usage });
const messageStop = anthropicEvent({ type: "message_stop" });
const ping = anthropicEvent({ type: "ping" });

const usage = (prompt: number, completion: number, cached: number) => ({
  usage: {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
  },
});

describe("stream anthropic -> openai", () => {
  it("passes events through untouched for one protocol", () => {
    const same = createStreamTranslator("anthropic", "anthropic", "m");
    expect(same.push(ping)).toEqual([ping]);
  });

  it("translates text, thinking and split tool input, then finish, usage and [DONE]", () => {
    const out = runStream(translator(), [
      messageStart,
      ping,
      blockStart(0, { type: "thinking", thinking: "", signature: "" }),
      delta(0, { type: "thinking_delta", thinking: "Check first." }),
      delta(0, { type: "signature_delta", signature: "EqQB" }),
      blockStop(0),
      blockStart(1, { type: "text", text: "" }),
      delta(1, { type: "text_delta", text: "Running " }),
      delta(1, { type: "text_delta", text: "tests." }),
      blockStop(1),
      blockStart(2, { type: "tool_use", id: "toolu_1", name: "Bash", input: {} }),
      delta(2, { type: "input_json_delta", partial_json: "" }),
      delta(2, { type: "input_json_delta", partial_json: '{"comm' }),
      delta(2, { type: "input_json_delta", partial_json: 'and":"npm test"}' }),
      blockStop(2),
      blockStart(3, { type: "tool_use", id: "toolu_2", name: "Read", input: {} }),
      delta(3, { type: "input_json_delta", partial_json: '{"file_path":"/a"}' }),
      blockStop(3),
      messageDelta("tool_use", { output_tokens: 42 }),
      messageStop,
    ]);
    expect(out).toEqual([
      emittedChunk({ role: "assistant", content: "" }),
      emittedChunk({ reasoning_content: "Check first." }),
      emittedChunk({ content: "Running " }),
      emittedChunk({ content: "tests." }),
      emittedChunk({
        tool_calls: [
          { index: 0, id: "toolu_1", type: "function", function: { name: "Bash", arguments: "" } },
        ],
      }),
      emittedChunk({ tool_calls: [{ index: 0, function: { arguments: '{"comm' } }] }),
      emittedChunk({ tool_calls: [{ index: 0, function: { arguments: 'and":"npm test"}' } }] }),
      emittedChunk({
        tool_calls: [
          { index: 1, id: "toolu_2", type: "function", function: { name: "Read", arguments: "" } },
        ],
      }),
      emittedChunk({ tool_calls: [{ index: 1, function: { arguments: '{"file_path":"/a"}' } }] }),
      emittedChunk({}, "tool_calls", usage(100, 42, 90)),
      { data: "[DONE]" },
    ]);
  });

  it("takes the latest cumulative usage from message_delta", () => {
    const out = runStream(translator(), [
      messageStart,
      messageDelta("end_turn", { input_tokens: 12, cache_read_input_tokens: 88, output_tokens: 7 }),
      messageStop,
    ]);
    expect(out.at(-2)).toEqual(emittedChunk({}, "stop", usage(100, 7, 88)));
  });

  it("sends a tool input given whole at block start", () => {
    const out = runStream(translator(), [
      messageStart,
      blockStart(0, { type: "tool_use", id: "t", name: "A", input: { x: 1 } }),
      blockStop(0),
    ]);
    expect(out[1]).toEqual(
      emittedChunk({
        tool_calls: [
          { index: 0, id: "t", type: "function", function: { name: "A", arguments: '{"x":1}' } },
        ],
      }),
    );
  });

  it.each([
    ["max_tokens", "length"],
    ["stop_sequence", "stop"],
    ["refusal", "content_filter"],
  ])("maps stop_reason %s to %s", (stop, finish) => {
    const out = runStream(translator(), [
      messageStart,
      messageDelta(stop, { output_tokens: 1 }),
      messageStop,
    ]);
    expect(out.at(-2)).toEqual(emittedChunk({}, finish, usage(100, 1, 90)));
  });

  it("finishes cleanly when the stream ends without message_stop", () => {
    const out = runStream(translator(), [
      messageStart,
      blockStart(0, { type: "text", text: "" }),
      delta(0, { type: "text_delta", text: "cut" }),
    ]);
    expect(out.slice(-2)).toEqual([
      emittedChunk({}, "stop", usage(100, 1, 90)),
      { data: "[DONE]" },
    ]);
  });

  it("translates an error event and then stays silent", () => {
    const out = runStream(translator(), [
      messageStart,
      anthropicEvent({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }),
      delta(0, { type: "text_delta", text: "late" }),
      messageStop,
    ]);
    expect(out).toEqual([
      emittedChunk({ role: "assistant", content: "" }),
      {
        data: { error: { message: "Overloaded", type: "server_error", code: "overloaded_error" } },
      },
    ]);
  });

  it("reports an error when the backend sent nothing at all", () => {
    expect(runStream(translator(), [])).toEqual([
      {
        data: {
          error: {
            message: "the backend closed the stream without sending a response",
            type: "server_error",
            code: null,
          },
        },
      },
    ]);
  });
});
