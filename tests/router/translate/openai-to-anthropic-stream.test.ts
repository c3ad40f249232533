import { describe, expect, it } from "vitest";
import { createSseParser, serializeSseEvent, type SseEvent } from "../../../src/router/sse.js";
import { createStreamTranslator } from "../../../src/router/translate/index.js";
import {
  expected,
  openAiChunk,
  openAiDone,
  openAiToolCall,
  readEvent,
  runStream,
} from "./stream-helpers.js";

const translator = () => createStreamTranslator("openai", "anthropic", "claude-sonnet-4-5");

describe("stream openai -> anthropic", () => {
  it("passes events through untouched for one protocol", () => {
    const same = createStreamTranslator("openai", "openai", "m");
    const event = openAiChunk({ content: "x" });
    expect(same.push(event)).toEqual([event]);
    expect(same.end()).toEqual([]);
  });

  it("translates a llama-server text stream with its usage chunk and timings", () => {
    const events = [
      openAiChunk({ role: "assistant", content: null }),
      openAiChunk({ content: "Hel" }),
      openAiChunk({ content: "lo" }),
      openAiChunk({}, "stop"),
      {
        data: JSON.stringify({
          id: "chatcmpl-7Rx",
          object: "chat.completion.chunk",
          choices: [],
          usage: { completion_tokens: 2, prompt_tokens: 1200, total_tokens: 1202 },
          timings: { cache_n: 1000, prompt_n: 200, predicted_n: 2 },
        }),
      },
      openAiDone,
    ];
    expect(runStream(translator(), events)).toEqual([
      expected.messageStart,
      expected.blockStart(0, { type: "text", text: "" }),
      expected.text(0, "Hel"),
      expected.text(0, "lo"),
      expected.blockStop(0),
      expected.messageDelta("end_turn", {
        input_tokens: 200,
        output_tokens: 2,
        cache_read_input_tokens: 1000,
      }),
      expected.messageStop,
    ]);
  });

  it("streams reasoning, text and split tool-call arguments as separate blocks", () => {
    const events = [
      openAiChunk({ role: "assistant", content: null }),
      openAiChunk({ reasoning_content: "Need " }),
      openAiChunk({ reasoning_content: "the file." }),
      openAiChunk({ content: "Reading." }),
      openAiToolCall(0, {
        id: "call_a",
        type: "function",
        function: { name: "Read", arguments: "" },
      }),
      openAiToolCall(0, { function: { arguments: '{"file_' } }),
      openAiToolCall(0, { function: { arguments: 'path":"/a' } }),
      openAiToolCall(0, { function: { arguments: '.ts"}' } }),
      openAiToolCall(1, {
        id: "call_b",
        type: "function",
        function: { name: "Bash", arguments: '{"command":' },
      }),
      openAiToolCall(1, { function: { arguments: '"ls"}' } }),
      openAiChunk({}, "tool_calls"),
      openAiDone,
    ];
    expect(runStream(translator(), events)).toEqual([
      expected.messageStart,
      expected.blockStart(0, { type: "thinking", thinking: "", signature: "" }),
      expected.delta(0, { type: "thinking_delta", thinking: "Need " }),
      expected.delta(0, { type: "thinking_delta", thinking: "the file." }),
      expected.delta(0, { type: "signature_delta", signature: "" }),
      expected.blockStop(0),
      expected.blockStart(1, { type: "text", text: "" }),
      expected.text(1, "Reading."),
      expected.blockStop(1),
      expected.blockStart(2, { type: "tool_use", id: "call_a", name: "Read", input: {} }),
      expected.json(2, '{"file_'),
      expected.json(2, 'path":"/a'),
      expected.json(2, '.ts"}'),
      expected.blockStop(2),
      expected.blockStart(3, { type: "tool_use", id: "call_b", name: "Bash", input: {} }),
      expected.json(3, '{"command":'),
      expected.json(3, '"ls"}'),
      expected.blockStop(3),
      expected.messageDelta("tool_use"),
      expected.messageStop,
    ]);
  });

  it("interleaves text and tool blocks in arrival order", () => {
    const events = [
      openAiChunk({ content: "First " }),
      openAiToolCall(0, { id: "c1", function: { name: "A", arguments: "{}" } }),
      openAiChunk({ content: "then more" }),
      openAiToolCall(1, { id: "c2", function: { name: "B", arguments: "{}" } }),
      openAiChunk({}, "tool_calls"),
      openAiDone,
    ];
    const out = runStream(translator(), events);
    expect(out.map((event) => (event.data as { type: string }).type)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(out.filter((event) => event.event === "content_block_start")).toEqual([
      expected.blockStart(0, { type: "text", text: "" }),
      expected.blockStart(1, { type: "tool_use", id: "c1", name: "A", input: {} }),
      expected.blockStart(2, { type: "text", text: "" }),
      expected.blockStart(3, { type: "tool_use", id: "c2", name: "B", input: {} }),
    ]);
  });

  it("holds arguments that arrive before the tool name", () => {
    const out = runStream(translator(), [
      openAiToolCall(0, { id: "c1", function: { arguments: '{"a":' } }),
      openAiToolCall(0, { function: { name: "Grep", arguments: "1}" } }),
      openAiChunk({}, "tool_calls"),
    ]);
    expect(out.slice(1, 4)).toEqual([
      expected.blockStart(0, { type: "tool_use", id: "c1", name: "Grep", input: {} }),
      expected.json(0, '{"a":1}'),
      expected.blockStop(0),
    ]);
  });

  it("gives a tool call without an id a fresh one", () => {
    const out = runStream(translator(), [
      openAiToolCall(0, { function: { name: "A", arguments: "{}" } }),
    ]);
    const start = out[1]?.data as { content_block: { id: string } };
    expect(start.content_block.id).toMatch(/^toolu_[0-9a-f]{24}$/);
  });

  it("works on raw bytes split anywhere, through the SSE codec", () => {
    const upstream = [
      openAiChunk({ role: "assistant", content: null }),
      openAiChunk({ content: "Ok. " }),
      openAiToolCall(0, { id: "c1", type: "function", function: { name: "Edit", arguments: "" } }),
      openAiToolCall(0, { function: { arguments: '{"file_path":"/a.ts",' } }),
      openAiToolCall(0, { function: { arguments: '"old_string":"a - b","new_string":"a + b"}' } }),
      openAiChunk({}, "tool_calls"),
      openAiDone,
    ];
    const text = upstream.map(serializeSseEvent).join("").replaceAll("\n", "\r\n");
    const parser = createSseParser();
    const stream = translator();
    const emitted: SseEvent[] = [];
    for (let at = 0; at < text.length; at += 7) {
      for (const event of parser.push(text.slice(at, at + 7))) emitted.push(...stream.push(event));
    }
    for (const event of parser.end()) emitted.push(...stream.push(event));
    emitted.push(...stream.end());

    const wire = emitted.map(serializeSseEvent).join("");
    const reparsed = createSseParser().push(wire).map(readEvent);
    expect(reparsed).toEqual(runStream(translator(), upstream));
    const json = reparsed
      .filter(
        (event) => (event.data as { delta?: { type: string } }).delta?.type === "input_json_delta",
      )
      .map((event) => (event.data as { delta: { partial_json: string } }).delta.partial_json)
      .join("");
    expect(JSON.parse(json)).toEqual({
      file_path: "/a.ts",
      old_string: "a - b",
      new_string: "a + b",
    });
  });
});
