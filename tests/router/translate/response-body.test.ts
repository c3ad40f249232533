import { describe, expect, it } from "vitest";
import { translateResponseBody } from "../../../src/router/translate/index.js";

const fromOpenAi = (body: Record<string, unknown>) =>
  translateResponseBody(body, "openai", "anthropic", "claude-sonnet-4-5");
const fromAnthropic = (body: Record<string, unknown>) =>
  translateResponseBody(body, "anthropic", "openai", "gpt-local");

/** A llama-server style chat completion with the given message and finish reason. */
const completion = (message: Record<string, unknown>, finish_reason: string | null = "stop") => ({
  id: "chatcmpl-abc123",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "qwen3-coder-30b.gguf",
  choices: [{ index: 0, message: { role: "assistant", ...message }, finish_reason }],
  usage: { prompt_tokens: 1200, completion_tokens: 40, total_tokens: 1240 },
  timings: { cache_n: 1000, prompt_n: 200, predicted_n: 40 },
});

const message = (content: unknown[], stop_reason: string | null = "end_turn") => ({
  id: "msg_01XYZ",
  type: "message",
  role: "assistant",
  model: "claude-sonnet-4-5-20250929",
  content,
  stop_reason,
  stop_sequence: null,
  usage: {
    input_tokens: 30,
    cache_creation_input_tokens: 20,
    cache_read_input_tokens: 950,
    output_tokens: 12,
  },
});

describe("translateResponseBody openai -> anthropic", () => {
  it("returns the same object for one protocol", () => {
    const body = completion({ content: "x" });
    expect(translateResponseBody(body, "openai", "openai", "m")).toBe(body);
  });

  it("translates text, reasoning and tool calls with the requested model and usage", () => {
    const out = fromOpenAi(
      completion(
        {
          content: "Reading it.",
          reasoning_content: "Need the file.",
          tool_calls: [
            {
              id: "call_9",
              type: "function",
              function: { name: "Read", arguments: '{"file_path":"/a"}' },
            },
            { id: "call_10", type: "function", function: { name: "Bash", arguments: "{not json" } },
          ],
        },
        "tool_calls",
      ),
    );
    expect(out).toEqual({
      id: "msg_abc123",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5",
      content: [
        { type: "thinking", thinking: "Need the file.", signature: "" },
        { type: "text", text: "Reading it." },
        { type: "tool_use", id: "call_9", name: "Read", input: { file_path: "/a" } },
        { type: "tool_use", id: "call_10", name: "Bash", input: { _raw: "{not json" } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: {
        input_tokens: 200,
        output_tokens: 40,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 1000,
      },
    });
  });

  it.each([
    ["stop", "end_turn"],
    ["length", "max_tokens"],
    ["tool_calls", "tool_use"],
    ["content_filter", "refusal"],
    [null, "end_turn"],
  ])("maps finish_reason %s to stop_reason %s", (finish, stop) => {
    expect(fromOpenAi(completion({ content: "x" }, finish)).stop_reason).toBe(stop);
  });

  it("prefers usage.prompt_tokens_details over timings for cached tokens", () => {
    const body = { ...completion({ content: "x" }), timings: undefined };
    body.usage = {
      prompt_tokens: 100,
      completion_tokens: 5,
      total_tokens: 105,
      prompt_tokens_details: { cached_tokens: 60 },
    } as typeof body.usage;
    expect(fromOpenAi(body).usage).toEqual({
      input_tokens: 40,
      output_tokens: 5,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 60,
    });
  });

  it("survives an empty or malformed body", () => {
    const out = fromOpenAi({ choices: "x" });
    expect(out).toMatchObject({
      type: "message",
      content: [],
      stop_reason: "end_turn",
      model: "claude-sonnet-4-5",
    });
    expect(out.id).toMatch(/^msg_[0-9a-f]{24}$/);
  });

  it("turns a refusal into text", () => {
    expect(
      fromOpenAi(completion({ content: null, refusal: "I can't." }, "content_filter")).content,
    ).toEqual([{ type: "text", text: "I can't." }]);
  });
});

describe("translateResponseBody anthropic -> openai", () => {
  it("translates text, thinking and tool_use with the requested model and usage", () => {
    const out = fromAnthropic(
      message(
        [
          { type: "thinking", thinking: "Plan.", signature: "sig" },
          { type: "text", text: "Running " },
          { type: "text", text: "tests." },
          { type: "tool_use", id: "toolu_1", name: "Bash", input: { command: "npm test" } },
        ],
        "tool_use",
      ),
    );
    expect(out).toEqual({
      id: "chatcmpl-01XYZ",
      object: "chat.completion",
      created: expect.any(Number),
      model: "gpt-local",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "Running tests.",
            reasoning_content: "Plan.",
            tool_calls: [
              {
                id: "toolu_1",
                type: "function",
                function: { name: "Bash", arguments: '{"command":"npm test"}' },
              },
            ],
          },
          finish_reason: "tool_calls",
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: 1000,
        completion_tokens: 12,
        total_tokens: 1012,
        prompt_tokens_details: { cached_tokens: 950 },
      },
    });
  });

  it.each([
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["max_tokens", "length"],
    ["tool_use", "tool_calls"],
    ["refusal", "content_filter"],
    ["pause_turn", "stop"],
    ["model_context_window_exceeded", "length"],
  ])("maps stop_reason %s to finish_reason %s", (stop, finish) => {
    const out = fromAnthropic(message([{ type: "text", text: "x" }], stop));
    expect((out.choices as { finish_reason: string }[])[0]?.finish_reason).toBe(finish);
  });

  it("gives null content when there is no text", () => {
    const out = fromAnthropic(
      message([{ type: "tool_use", id: "t", name: "A", input: {} }], "tool_use"),
    );
    expect((out.choices as { message: unknown }[])[0]?.message).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [{ id: "t", type: "function", function: { name: "A", arguments: "{}" } }],
    });
  });
});
