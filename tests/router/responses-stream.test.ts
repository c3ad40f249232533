import { describe, expect, it } from "vitest";
import { createResponsesDialect } from "../../src/router/responses-dialect.js";
import { createSseParser, type SseEvent } from "../../src/router/sse.js";
import { chatResponseToResponses } from "../../src/router/translate/chat-to-responses-response.js";
import { createChatToResponsesStream } from "../../src/router/translate/chat-to-responses-stream.js";
import {
  chainStreamTranslators,
  createStreamTranslator,
} from "../../src/router/translate/index.js";
import type { ResponsesReplyContext } from "../../src/router/translate/responses-objects.js";
import {
  anthropicEvent,
  openAiChunk,
  openAiDone,
  openAiToolCall,
} from "./translate/stream-helpers.js";

const context: ResponsesReplyContext = {
  request: { model: "local", instructions: "Be brief.", input: "Hi", tools: [] },
  requestedModel: "local",
  toolNames: new Map([
    ["apply_patch", { name: "apply_patch", custom: true }],
    [
      "multi_agent_v1__spawn_agent",
      { name: "spawn_agent", namespace: "multi_agent_v1", custom: false },
    ],
  ]),
};

interface Event {
  type: string;
  sequence_number: number;
  [field: string]: unknown;
}

/** Random item ids -> msg_1, fc_1, ... in order of appearance, so events compare equal. */
function normalizeIds<T>(value: T): T {
  const seen = new Map<string, string>();
  const counts = new Map<string, number>();
  const text = JSON.stringify(value).replace(
    /"(msg|fc|rs|ctc|call)_[0-9a-f]{24}"/g,
    (id, prefix: string) => {
      let name = seen.get(id);
      if (name === undefined) {
        const count = (counts.get(prefix) ?? 0) + 1;
        counts.set(prefix, count);
        name = `"${prefix}_${count}"`;
        seen.set(id, name);
      }
      return name;
    },
  );
  return JSON.parse(text) as T;
}

function run(events: SseEvent[], responsesContext = context): Event[] {
  const translator = createChatToResponsesStream(responsesContext);
  const out = [...events.flatMap((event) => translator.push(event)), ...translator.end()];
  return normalizeIds(
    out.map((event) => {
      const data = JSON.parse(event.data) as Event;
      expect(event.event).toBe(data.type);
      return data;
    }),
  );
}

const types = (events: Event[]) => events.map((event) => event.type);

const usageChunk = (usage: Record<string, unknown>) => ({
  data: JSON.stringify({
    id: "chatcmpl-7Rx",
    object: "chat.completion.chunk",
    created: 1,
    model: "m",
    choices: [],
    usage,
  }),
});

describe("chat completion chunks -> Responses events", () => {
  it("streams a text answer as the full event sequence, numbered, with usage at the end", () => {
    const events = run([
      openAiChunk({ role: "assistant", content: "" }),
      openAiChunk({ content: "Hel" }),
      openAiChunk({ content: "lo" }),
      openAiChunk({}, "stop"),
      usageChunk({
        prompt_tokens: 50,
        completion_tokens: 2,
        total_tokens: 52,
        prompt_tokens_details: { cached_tokens: 40 },
      }),
      openAiDone,
    ]);
    expect(types(events)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(events[0]).toMatchObject({
      response: {
        id: "resp_7Rx",
        object: "response",
        status: "in_progress",
        model: "local",
        instructions: "Be brief.",
        output: [],
        usage: null,
      },
    });
    expect(events[2]).toEqual({
      type: "response.output_item.added",
      sequence_number: 2,
      output_index: 0,
      item: { type: "message", id: "msg_1", status: "in_progress", role: "assistant", content: [] },
    });
    expect(events[4]).toEqual({
      type: "response.output_text.delta",
      sequence_number: 4,
      item_id: "msg_1",
      output_index: 0,
      content_index: 0,
      delta: "Hel",
      logprobs: [],
    });
    const message = {
      type: "message",
      id: "msg_1",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: "Hello", annotations: [], logprobs: [] }],
    };
    expect(events[8]).toEqual({
      type: "response.output_item.done",
      sequence_number: 8,
      output_index: 0,
      item: message,
    });
    expect(events[9]).toMatchObject({
      response: {
        id: "resp_7Rx",
        status: "completed",
        output: [message],
        usage: {
          input_tokens: 50,
          input_tokens_details: { cached_tokens: 40 },
          output_tokens: 2,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: 52,
        },
      },
    });
  });

  it("streams reasoning, text and a function call as three items", () => {
    const events = run([
      openAiChunk({ reasoning_content: "Think" }),
      openAiChunk({ content: "Reading." }),
      openAiToolCall(0, {
        id: "call_9",
        type: "function",
        function: { name: "cat", arguments: "" },
      }),
      openAiToolCall(0, { function: { arguments: '{"path":' } }),
      openAiToolCall(0, { function: { arguments: '"x"}' } }),
      openAiChunk({}, "tool_calls"),
      openAiDone,
    ]);
    expect(types(events)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.reasoning_text.delta",
      "response.reasoning_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events[7]).toMatchObject({
      output_index: 0,
      item: {
        type: "reasoning",
        id: "rs_1",
        summary: [],
        content: [{ type: "reasoning_text", text: "Think" }],
      },
    });
    expect(events[14]).toEqual({
      type: "response.output_item.added",
      sequence_number: 14,
      output_index: 2,
      item: {
        type: "function_call",
        id: "fc_1",
        call_id: "call_9",
        name: "cat",
        arguments: "",
        status: "in_progress",
      },
    });
    expect(events[17]).toEqual({
      type: "response.function_call_arguments.done",
      sequence_number: 17,
      item_id: "fc_1",
      output_index: 2,
      name: "cat",
      arguments: '{"path":"x"}',
    });
    const completed = events.at(-1)?.response as { output: { type: string }[]; status: string };
    expect(completed.status).toBe("completed");
    expect(completed.output.map((item) => item.type)).toEqual([
      "reasoning",
      "message",
      "function_call",
    ]);
  });

  it("keeps parallel tool calls apart and reports a custom tool's call as custom_tool_call", () => {
    const events = run([
      openAiToolCall(0, { id: "call_a", function: { name: "cat", arguments: '{"path":"a"}' } }),
      openAiToolCall(1, {
        id: "call_b",
        function: { name: "apply_patch", arguments: '{"input":"*** Begin' },
      }),
      openAiToolCall(1, { function: { arguments: ' Patch"}' } }),
      openAiChunk({}, "tool_calls"),
      openAiDone,
    ]);
    const done = events.filter((event) => event.type === "response.output_item.done");
    expect(done.map((event) => event.item)).toEqual([
      {
        type: "function_call",
        id: "fc_1",
        call_id: "call_a",
        name: "cat",
        arguments: '{"path":"a"}',
        status: "completed",
      },
      {
        type: "custom_tool_call",
        id: "ctc_1",
        call_id: "call_b",
        name: "apply_patch",
        input: "*** Begin Patch",
        status: "completed",
      },
    ]);
    expect(
      events.find((event) => event.type === "response.custom_tool_call_input.done"),
    ).toMatchObject({
      item_id: "ctc_1",
      output_index: 1,
      input: "*** Begin Patch",
    });
  });

  it("reports a namespaced tool's call under its own name and namespace", () => {
    const events = run([
      openAiToolCall(0, {
        id: "call_s",
        function: { name: "multi_agent_v1__spawn_agent", arguments: '{"task":"x"}' },
      }),
      openAiChunk({}, "tool_calls"),
      openAiDone,
    ]);
    expect(events.find((event) => event.type === "response.output_item.done")?.item).toEqual({
      type: "function_call",
      id: "fc_1",
      call_id: "call_s",
      name: "spawn_agent",
      namespace: "multi_agent_v1",
      arguments: '{"task":"x"}',
      status: "completed",
    });
  });

  it("ends a length stop with response.incomplete", () => {
    const events = run([openAiChunk({ content: "Trunc" }), openAiChunk({}, "length"), openAiDone]);
    expect(events.at(-1)).toMatchObject({
      type: "response.incomplete",
      response: {
        status: "incomplete",
        incomplete_details: { reason: "max_output_tokens" },
        output: [{ type: "message", status: "incomplete" }],
      },
    });
  });

  it("ends with response.failed on an error chunk, without closing the half-written item", () => {
    const events = run([
      openAiChunk({ content: "Par" }),
      {
        data: JSON.stringify({
          error: { code: 500, message: "slot crashed", type: "server_error" },
        }),
      },
      openAiChunk({ content: "ignored" }),
    ]);
    expect(types(events).slice(-2)).toEqual(["response.output_text.delta", "response.failed"]);
    expect(events.at(-1)).toMatchObject({
      response: { status: "failed", error: { code: "server_error", message: "slot crashed" } },
    });
  });

  it("names a context overflow the way Codex recognizes it", () => {
    const events = run([
      {
        data: JSON.stringify({
          error: {
            code: 400,
            type: "exceed_context_size_error",
            message: "the request exceeds the available context size",
          },
        }),
      },
    ]);
    expect(types(events)).toEqual(["response.created", "response.in_progress", "response.failed"]);
    expect(events.at(-1)).toMatchObject({
      response: { error: { code: "context_length_exceeded" } },
    });
  });

  it("fails a stream that closed before any chunk", () => {
    expect(types(run([]))).toEqual(["response.created", "response.in_progress", "response.failed"]);
  });

  it("ends a broken stream with response.failed under the same id and the next number", () => {
    const dialect = createResponsesDialect(context);
    const translator = dialect.createStreamTranslator();
    const sent = translator.push(openAiChunk({ content: "Hal" }));
    const parser = createSseParser();
    const last = parser.push(dialect.brokenStreamEnd("backend gpu-1 broke off: socket hang up"));
    expect(last).toHaveLength(1);
    expect(JSON.parse(last[0]!.data)).toMatchObject({
      type: "response.failed",
      sequence_number: sent.length,
      response: { id: "resp_7Rx", status: "failed", error: { code: "server_error" } },
    });
    // Once ended, the translator stays quiet.
    expect(translator.push(openAiDone)).toEqual([]);
  });

  it("chains after the Anthropic -> chat translator for Anthropic backends", () => {
    const translator = chainStreamTranslators(
      createStreamTranslator("anthropic", "openai", "local"),
      createChatToResponsesStream(context),
    );
    const input = [
      anthropicEvent({
        type: "message_start",
        message: {
          id: "msg_01Abc",
          usage: { input_tokens: 10, cache_read_input_tokens: 30, output_tokens: 1 },
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
        content_block: { type: "tool_use", id: "toolu_1", name: "cat", input: {} },
      }),
      anthropicEvent({
        type: "content_block_delta",
        index: 1,
        delta: { type: "input_json_delta", partial_json: '{"path":"a"}' },
      }),
      anthropicEvent({ type: "content_block_stop", index: 1 }),
      anthropicEvent({
        type: "message_delta",
        delta: { stop_reason: "tool_use" },
        usage: { output_tokens: 7 },
      }),
      anthropicEvent({ type: "message_stop" }),
    ];
    const out = [...input.flatMap((event) => translator.push(event)), ...translator.end()];
    const events = normalizeIds(out.map((event) => JSON.parse(event.data) as Event));
    expect(events.at(-1)).toMatchObject({
      type: "response.completed",
      response: {
        id: "resp_01Abc",
        output: [
          { type: "message", content: [{ type: "output_text", text: "Hi" }] },
          { type: "function_call", call_id: "toolu_1", name: "cat", arguments: '{"path":"a"}' },
        ],
        usage: {
          input_tokens: 40,
          input_tokens_details: { cached_tokens: 30 },
          output_tokens: 7,
          total_tokens: 47,
        },
      },
    });
  });
});

describe("a whole chat completion -> a Responses response", () => {
  it("gives reasoning, message and tool call items, the echoed settings and usage", () => {
    const body = chatResponseToResponses(
      {
        id: "chatcmpl-42",
        object: "chat.completion",
        created: 1_700_000_000,
        model: "qwen3.gguf",
        choices: [
          {
            index: 0,
            finish_reason: "tool_calls",
            message: {
              role: "assistant",
              reasoning_content: "Hmm.",
              content: "Reading.",
              tool_calls: [
                { id: "call_1", type: "function", function: { name: "cat", arguments: "{}" } },
              ],
            },
          },
        ],
        usage: {
          prompt_tokens: 100,
          completion_tokens: 9,
          total_tokens: 109,
          prompt_tokens_details: { cached_tokens: 64 },
          completion_tokens_details: { reasoning_tokens: 3 },
        },
      },
      { ...context, request: { ...context.request, temperature: 0.3, max_output_tokens: 99 } },
    );
    expect(normalizeIds(body)).toEqual({
      id: "resp_42",
      object: "response",
      created_at: 1_700_000_000,
      status: "completed",
      error: null,
      incomplete_details: null,
      instructions: "Be brief.",
      max_output_tokens: 99,
      model: "local",
      output: [
        {
          type: "reasoning",
          id: "rs_1",
          summary: [],
          content: [{ type: "reasoning_text", text: "Hmm." }],
          status: "completed",
        },
        {
          type: "message",
          id: "msg_1",
          status: "completed",
          role: "assistant",
          content: [{ type: "output_text", text: "Reading.", annotations: [], logprobs: [] }],
        },
        {
          type: "function_call",
          id: "fc_1",
          call_id: "call_1",
          name: "cat",
          arguments: "{}",
          status: "completed",
        },
      ],
      parallel_tool_calls: true,
      previous_response_id: null,
      reasoning: { effort: null, summary: null },
      store: false,
      temperature: 0.3,
      text: { format: { type: "text" } },
      tool_choice: "auto",
      tools: [],
      top_p: null,
      truncation: "disabled",
      usage: {
        input_tokens: 100,
        input_tokens_details: { cached_tokens: 64 },
        output_tokens: 9,
        output_tokens_details: { reasoning_tokens: 3 },
        total_tokens: 109,
      },
      user: null,
      metadata: {},
    });
  });
});
