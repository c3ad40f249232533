import { describe, expect, it } from "vitest";
import { createStreamTranslator } from "../../../src/router/translate/index.js";
import { expected, openAiChunk, openAiDone, openAiToolCall, runStream } from "./stream-helpers.js";

const translator = () => createStreamTranslator("openai", "anthropic", "claude-sonnet-4-5");

describe("stream openai -> anthropic: endings and errors", () => {
  it("closes every open block and the message when the stream just ends", () => {
    const out = runStream(translator(), [
      openAiChunk({ content: "partial" }),
      openAiToolCall(0, { id: "c1", function: { name: "A", arguments: '{"x":' } }),
    ]);
    expect(out.slice(-4)).toEqual([
      expected.json(1, '{"x":'),
      expected.blockStop(1),
      expected.messageDelta("end_turn"),
      expected.messageStop,
    ]);
  });

  it("maps length to max_tokens", () => {
    const out = runStream(translator(), [
      openAiChunk({ content: "a" }),
      openAiChunk({}, "length"),
      openAiDone,
    ]);
    expect(out.at(-2)).toEqual(expected.messageDelta("max_tokens"));
  });

  it("reports an error when the backend sent nothing at all", () => {
    expect(runStream(translator(), [])).toEqual([
      {
        event: "error",
        data: {
          type: "error",
          error: {
            type: "api_error",
            message: "the backend closed the stream without sending a response",
          },
        },
      },
    ]);
  });

  it("translates an upstream error event and then stays silent", () => {
    const stream = translator();
    const out = runStream(stream, [
      openAiChunk({ content: "Hi" }),
      {
        data: JSON.stringify({
          error: { code: 503, message: "Loading model", type: "unavailable_error" },
        }),
      },
      openAiChunk({ content: "ignored" }),
      openAiDone,
    ]);
    expect(out.slice(-1)).toEqual([
      {
        event: "error",
        data: { type: "error", error: { type: "overloaded_error", message: "Loading model" } },
      },
    ]);
    expect(out).toHaveLength(4);
  });

  it("translates a vLLM-style error object", () => {
    const error = {
      object: "error",
      message: "context too long",
      type: "BadRequestError",
      code: 400,
    };
    expect(runStream(translator(), [{ data: JSON.stringify(error) }])).toEqual([
      {
        event: "error",
        data: {
          type: "error",
          error: { type: "invalid_request_error", message: "context too long" },
        },
      },
    ]);
  });

  it("ignores comments, blank data and anything after [DONE]", () => {
    const stream = translator();
    const out = runStream(stream, [
      { data: "" },
      { data: "not json" },
      openAiChunk({ content: "x" }),
      openAiDone,
      openAiDone,
      openAiChunk({ content: "late" }),
    ]);
    expect(out.at(-1)).toEqual(expected.messageStop);
    expect(out.filter((event) => event.event === "message_stop")).toHaveLength(1);
  });
});
