import { describe, expect, it } from "vitest";
import { extractUsage } from "../../../src/router/translate/index.js";

describe("extractUsage", () => {
  it.each([
    [
      "openai body with cached tokens",
      {
        usage: {
          prompt_tokens: 100,
          completion_tokens: 9,
          total_tokens: 109,
          prompt_tokens_details: { cached_tokens: 64 },
        },
      },
      { inputTokens: 100, outputTokens: 9, cachedTokens: 64 },
    ],
    [
      "llama-server body: usage plus timings",
      {
        usage: { prompt_tokens: 1200, completion_tokens: 40 },
        timings: { cache_n: 1000, prompt_n: 200, predicted_n: 40 },
      },
      { inputTokens: 1200, outputTokens: 40, cachedTokens: 1000 },
    ],
    [
      "llama-server timings only",
      { timings: { cache_n: 10, prompt_n: 5, predicted_n: 3 } },
      { inputTokens: 15, outputTokens: 3, cachedTokens: 10 },
    ],
    [
      "openai usage chunk",
      {
        object: "chat.completion.chunk",
        choices: [],
        usage: { prompt_tokens: 7, completion_tokens: 2 },
      },
      { inputTokens: 7, outputTokens: 2 },
    ],
  ])("reads an %s", (_name, value, expected) => {
    expect(extractUsage(value, "openai")).toEqual(expected);
  });

  it.each([
    [
      "anthropic body",
      {
        type: "message",
        usage: {
          input_tokens: 30,
          cache_creation_input_tokens: 20,
          cache_read_input_tokens: 950,
          output_tokens: 12,
        },
      },
      { inputTokens: 1000, outputTokens: 12, cachedTokens: 950 },
    ],
    [
      "message_start event",
      {
        type: "message_start",
        message: { usage: { input_tokens: 10, cache_read_input_tokens: 0, output_tokens: 1 } },
      },
      { inputTokens: 10, outputTokens: 1, cachedTokens: 0 },
    ],
    [
      "message_delta event",
      { type: "message_delta", delta: {}, usage: { output_tokens: 55 } },
      { outputTokens: 55 },
    ],
  ])("reads an %s", (_name, value, expected) => {
    expect(extractUsage(value, "anthropic")).toEqual(expected);
  });

  it("reads raw SseEvents, parsing only those that can hold usage", () => {
    const delta = {
      type: "message_delta",
      delta: { stop_reason: "end_turn" },
      usage: { output_tokens: 5 },
    };
    expect(
      extractUsage({ event: "message_delta", data: JSON.stringify(delta) }, "anthropic"),
    ).toEqual({ outputTokens: 5 });
    expect(
      extractUsage({ data: '{"choices":[{"delta":{"content":"hi"}}]}' }, "openai"),
    ).toBeUndefined();
    expect(extractUsage({ data: "[DONE]" }, "openai")).toBeUndefined();
    expect(extractUsage({ data: '{"usage": broken' }, "openai")).toBeUndefined();
  });

  it.each([null, "text", 3, [], {}, { usage: "none" }, { usage: { prompt_tokens: "7" } }])(
    "returns undefined for %j",
    (value) => {
      expect(extractUsage(value, "openai")).toBeUndefined();
      expect(extractUsage(value, "anthropic")).toBeUndefined();
    },
  );
});
