import { describe, expect, it } from "vitest";
import type { SseEvent } from "../../../src/router/sse.js";
import {
  createStreamTranslator,
  translateRequest,
  translateResponseBody,
} from "../../../src/router/translate/index.js";
import { claudeCodeRequest } from "./fixtures/claude-code-request.js";
import { anthropicEvent, openAiChunk, openAiDone, readEvent } from "./stream-helpers.js";

describe("round trips keep the meaning", () => {
  it("anthropic -> openai -> anthropic request (Claude Code)", () => {
    const original = claudeCodeRequest();
    const back = translateRequest(
      translateRequest(original, "anthropic", "openai"),
      "openai",
      "anthropic",
    );
    const tools = (original.tools as Record<string, unknown>[]).map(
      ({ name, description, input_schema }) => ({
        name,
        description,
        input_schema,
      }),
    );
    expect(back).toEqual({
      model: "claude-opus-4-6",
      max_tokens: 64000,
      // adaptive + effort high -> reasoning_effort high -> the high budget
      thinking: { type: "enabled", budget_tokens: 24576 },
      stream: true,
      metadata: original.metadata,
      system:
        "You are a Claude agent, built on Anthropic's Claude Agent SDK.\n\n" +
        "\nYou are an interactive agent that helps users with software engineering tasks.",
      messages: [
        {
          role: "user",
          content: [
            {
              type: "text",
              text: "<system-reminder>\nSkills available: triage-issue\n</system-reminder>",
            },
            { type: "text", text: "Fix the failing test in src/sum.ts" },
          ],
        },
        {
          role: "assistant",
          content: [
            { type: "text", text: "Let me read the file." },
            {
              type: "tool_use",
              id: "toolu_01A",
              name: "Read",
              input: { file_path: "/repo/src/sum.ts" },
            },
          ],
        },
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: "toolu_01A",
              content: "1\texport const sum = (a, b) => a - b;\n",
            },
          ],
        },
        {
          role: "assistant",
          content: [
            {
              type: "tool_use",
              id: "toolu_01B",
              name: "Bash",
              input: { command: "npm test", timeout: 60000 },
            },
          ],
        },
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: "toolu_01B",
              content: "Exit code 1\nexpected 3, got -1",
              is_error: true,
            },
          ],
        },
      ],
      tools,
    });
  });

  it("openai -> anthropic -> openai request", () => {
    const original = {
      model: "local",
      max_tokens: 500,
      temperature: 0.5,
      stream: true,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "List files" },
        {
          role: "assistant",
          content: "Listing.",
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "ls", arguments: '{"dir":"."}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "a.ts" },
        { role: "assistant", content: "One file: a.ts" },
      ],
      tools: [
        {
          type: "function",
          function: {
            name: "ls",
            description: "List",
            parameters: { type: "object", properties: { dir: { type: "string" } } },
          },
        },
      ],
      tool_choice: "required",
    };
    const back = translateRequest(
      translateRequest(original, "openai", "anthropic"),
      "anthropic",
      "openai",
    );
    expect(back).toEqual({ ...original, stream_options: { include_usage: true } });
  });

  it("response bodies both ways", () => {
    const anthropic = {
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-x",
      content: [
        { type: "text", text: "Done." },
        { type: "tool_use", id: "toolu_1", name: "Write", input: { path: "a", text: "b" } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: {
        input_tokens: 5,
        output_tokens: 7,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 95,
      },
    };
    const viaOpenAi = translateResponseBody(
      translateResponseBody(anthropic, "anthropic", "openai", "gpt"),
      "openai",
      "anthropic",
      "claude-x",
    );
    expect(viaOpenAi).toEqual(anthropic);

    const openAi = translateResponseBody(anthropic, "anthropic", "openai", "gpt");
    const viaAnthropic = translateResponseBody(
      translateResponseBody(openAi, "openai", "anthropic", "c"),
      "anthropic",
      "openai",
      "gpt",
    );
    expect({ ...viaAnthropic, created: 0 }).toEqual({ ...openAi, created: 0 });
  });

  it("anthropic stream -> openai -> anthropic keeps the blocks and the stop reason", () => {
    const original = [
      anthropicEvent({
        type: "message_start",
        message: {
          id: "msg_9",
          type: "message",
          role: "assistant",
          model: "c",
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 3, output_tokens: 0 },
        },
      }),
      anthropicEvent({
        type: "content_block_start",
        index: 0,
        content_block: { type: "text", text: "" },
      }),
      anthropicEvent({
        type: "content_block_delta",
        index: 0,
        delta: { type: "text_delta", text: "Hi" },
      }),
      anthropicEvent({ type: "content_block_stop", index: 0 }),
      anthropicEvent({
        type: "content_block_start",
        index: 1,
        content_block: { type: "tool_use", id: "toolu_5", name: "A", input: {} },
      }),
      anthropicEvent({
        type: "content_block_delta",
        index: 1,
        delta: { type: "input_json_delta", partial_json: '{"k":' },
      }),
      anthropicEvent({
        type: "content_block_delta",
        index: 1,
        delta: { type: "input_json_delta", partial_json: "2}" },
      }),
      anthropicEvent({ type: "content_block_stop", index: 1 }),
      anthropicEvent({
        type: "message_delta",
        delta: { stop_reason: "tool_use", stop_sequence: null },
        usage: { output_tokens: 9 },
      }),
      anthropicEvent({ type: "message_stop" }),
    ];
    const back = pipe(pipe(original, "anthropic", "openai"), "openai", "anthropic").map(readEvent);
    const types = (events: SseEvent[]) => events.map((event) => event.event);
    expect(back.map((event) => event.event)).toEqual(types(original));
    expect(back.slice(1, -2)).toEqual(original.slice(1, -2).map(readEvent));
    expect(back.at(-2)?.data).toMatchObject({
      delta: { stop_reason: "tool_use" },
      usage: { input_tokens: 3, output_tokens: 9 },
    });
  });

  it("openai stream -> anthropic -> openai keeps content, tool calls and finish reason", () => {
    const original = [
      openAiChunk({ role: "assistant", content: "" }),
      openAiChunk({ content: "Hi" }),
      openAiChunk({
        tool_calls: [
          { index: 0, id: "call_1", type: "function", function: { name: "A", arguments: "" } },
        ],
      }),
      openAiChunk({ tool_calls: [{ index: 0, function: { arguments: '{"k":2}' } }] }),
      openAiChunk({}, "tool_calls"),
      openAiDone,
    ];
    const back = pipe(pipe(original, "openai", "anthropic"), "anthropic", "openai").map(readEvent);
    const deltas = back
      .slice(0, -2)
      .map((event) => (event.data as { choices: { delta: unknown }[] }).choices[0]?.delta);
    expect(deltas).toEqual([
      { role: "assistant", content: "" },
      { content: "Hi" },
      {
        tool_calls: [
          { index: 0, id: "call_1", type: "function", function: { name: "A", arguments: "" } },
        ],
      },
      { tool_calls: [{ index: 0, function: { arguments: '{"k":2}' } }] },
    ]);
    expect(back.at(-2)?.data).toMatchObject({
      model: "m",
      choices: [{ finish_reason: "tool_calls" }],
    });
    expect(back.at(-1)).toEqual({ data: "[DONE]" });
  });
});

function pipe(
  events: SseEvent[],
  from: "openai" | "anthropic",
  to: "openai" | "anthropic",
): SseEvent[] {
  const translator = createStreamTranslator(from, to, "m");
  return [...events.flatMap((event) => translator.push(event)), ...translator.end()];
}
