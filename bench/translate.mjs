#!/usr/bin/env node
// Micro-benchmark for the router's protocol translation. Prints one JSON object on stdout.
//   npx tsc -p tsconfig.build.json && node bench/translate.mjs [--iterations 2000]
// Target: translation adds well under 1 ms per request; a stream event costs a few µs.
// The request is shaped like a Claude Code turn deep into a session: a long system prompt,
// 24 tools with JSON Schemas, and 60 history messages with tool calls and results.
import { Buffer } from "node:buffer";
import os from "node:os";
import { performance } from "node:perf_hooks";
import {
  createStreamTranslator,
  translateRequest,
  translateResponseBody,
} from "../dist/router/translate/index.js";

const iterationsArg = process.argv.indexOf("--iterations");
const iterations = iterationsArg > 0 ? Number(process.argv[iterationsArg + 1]) : 2000;

const words = (count) => Array.from({ length: count }, (_, i) => `word${i % 97}`).join(" ");

function claudeCodeLikeRequest() {
  const tools = Array.from({ length: 24 }, (_, i) => ({
    name: `Tool${i}`,
    description: words(120),
    input_schema: {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      properties: {
        path: { type: "string", description: words(12) },
        limit: { type: "integer", minimum: 0 },
        mode: { type: "string", enum: ["a", "b", "c"] },
      },
      required: ["path"],
      additionalProperties: false,
    },
  }));
  const messages = [
    {
      role: "user",
      content: [
        { type: "text", text: words(400) },
        { type: "text", text: "Fix the bug" },
      ],
    },
  ];
  for (let turn = 0; turn < 30; turn++) {
    messages.push({
      role: "assistant",
      content: [
        { type: "thinking", thinking: words(60), signature: "sig" },
        { type: "text", text: words(30) },
        {
          type: "tool_use",
          id: `toolu_${turn}`,
          name: `Tool${turn % 24}`,
          input: { path: `/repo/src/file${turn}.ts`, limit: 200 },
        },
      ],
    });
    messages.push({
      role: "user",
      content: [
        {
          type: "tool_result",
          tool_use_id: `toolu_${turn}`,
          content: words(300),
          ...(turn === 29 ? { cache_control: { type: "ephemeral" } } : {}),
        },
      ],
    });
  }
  return {
    model: "claude-opus-4-6",
    max_tokens: 64000,
    stream: true,
    metadata: { user_id: '{"device_id":"d","session_id":"s"}' },
    system: [
      { type: "text", text: "x-anthropic-billing-header: cc_version=2.1.197.7d5;" },
      { type: "text", text: "You are a Claude agent.", cache_control: { type: "ephemeral" } },
      { type: "text", text: words(2500), cache_control: { type: "ephemeral" } },
    ],
    tools,
    messages,
    thinking: { type: "adaptive" },
    context_management: { edits: [{ type: "clear_thinking_20251015", keep: "all" }] },
    output_config: { effort: "high" },
  };
}

function llamaServerChunks() {
  const chunk = (delta, finish = null, extra = {}) => ({
    data: JSON.stringify({
      id: "chatcmpl-x",
      object: "chat.completion.chunk",
      created: 1,
      model: "q",
      choices: [{ index: 0, delta, finish_reason: finish }],
      ...extra,
    }),
  });
  const events = [chunk({ role: "assistant", content: null })];
  for (let i = 0; i < 40; i++) events.push(chunk({ reasoning_content: ` thought${i}` }));
  for (let i = 0; i < 150; i++) events.push(chunk({ content: ` token${i}` }));
  events.push(
    chunk({
      tool_calls: [
        { index: 0, id: "call_1", type: "function", function: { name: "Read", arguments: "" } },
      ],
    }),
  );
  for (let i = 0; i < 8; i++)
    events.push(
      chunk({ tool_calls: [{ index: 0, function: { arguments: i === 0 ? '{"path":"' : "abc" } }] }),
    );
  events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '"}' } }] }));
  events.push(chunk({}, "tool_calls"));
  events.push({
    data: JSON.stringify({
      id: "chatcmpl-x",
      choices: [],
      usage: { prompt_tokens: 9000, completion_tokens: 200, total_tokens: 9200 },
      timings: { cache_n: 8800, prompt_n: 200, predicted_n: 200 },
    }),
  });
  events.push({ data: "[DONE]" });
  return events;
}

function anthropicEvents() {
  const event = (value) => ({ event: value.type, data: JSON.stringify(value) });
  const events = [
    event({
      type: "message_start",
      message: {
        id: "msg_1",
        type: "message",
        role: "assistant",
        model: "c",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 20, cache_read_input_tokens: 9000, output_tokens: 1 },
      },
    }),
    event({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
  ];
  for (let i = 0; i < 190; i++)
    events.push(
      event({
        type: "content_block_delta",
        index: 0,
        delta: { type: "text_delta", text: ` token${i}` },
      }),
    );
  events.push(event({ type: "content_block_stop", index: 0 }));
  events.push(
    event({
      type: "content_block_start",
      index: 1,
      content_block: { type: "tool_use", id: "toolu_1", name: "Read", input: {} },
    }),
  );
  for (let i = 0; i < 8; i++)
    events.push(
      event({
        type: "content_block_delta",
        index: 1,
        delta: { type: "input_json_delta", partial_json: i === 0 ? '{"path":"' : "abc" },
      }),
    );
  events.push(event({ type: "content_block_stop", index: 1 }));
  events.push(
    event({
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: { output_tokens: 200 },
    }),
  );
  events.push(event({ type: "message_stop" }));
  return events;
}

/** Median µs per call of `run` over `iterations` calls, after a warm-up. */
function measure(run, perCall = 1) {
  for (let i = 0; i < Math.min(200, iterations); i++) run();
  const samples = [];
  const batches = 20;
  const perBatch = Math.max(1, Math.floor(iterations / batches));
  for (let batch = 0; batch < batches; batch++) {
    const start = performance.now();
    for (let i = 0; i < perBatch; i++) run();
    samples.push(((performance.now() - start) * 1000) / (perBatch * perCall));
  }
  samples.sort((a, b) => a - b);
  const round = (value) => Math.round(value * 100) / 100;
  return {
    medianUs: round(samples[Math.floor(samples.length / 2)]),
    p90Us: round(samples[Math.floor(samples.length * 0.9)]),
  };
}

const anthropicRequest = claudeCodeLikeRequest();
const openAiRequest = translateRequest(anthropicRequest, "anthropic", "openai");
const requestText = JSON.stringify(anthropicRequest);
const requestBytes = Buffer.byteLength(requestText);
const openAiStream = llamaServerChunks();
const anthropicStream = anthropicEvents();
const openAiResponse = {
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "q",
  choices: [
    {
      index: 0,
      message: {
        role: "assistant",
        content: words(200),
        tool_calls: [
          { id: "c", type: "function", function: { name: "Read", arguments: '{"path":"/a"}' } },
        ],
      },
      finish_reason: "tool_calls",
    },
  ],
  usage: { prompt_tokens: 9000, completion_tokens: 200, total_tokens: 9200 },
};
const anthropicResponse = translateResponseBody(openAiResponse, "openai", "anthropic", "c");

const runStream = (events, from, to) => () => {
  const translator = createStreamTranslator(from, to, "m");
  for (const event of events) translator.push(event);
  translator.end();
};

const result = {
  node: process.version,
  cpus: os.cpus().length,
  iterations,
  requestBytes,
  requestMessages: anthropicRequest.messages.length,
  sameProtocolRequest: measure(() => translateRequest(anthropicRequest, "anthropic", "anthropic")),
  requestAnthropicToOpenAi: measure(() =>
    translateRequest(anthropicRequest, "anthropic", "openai"),
  ),
  requestOpenAiToAnthropic: measure(() => translateRequest(openAiRequest, "openai", "anthropic")),
  // For scale: what the router pays anyway to parse and re-serialize the same body.
  jsonParseAndStringify: measure(() => JSON.stringify(JSON.parse(requestText))),
  responseOpenAiToAnthropic: measure(() =>
    translateResponseBody(openAiResponse, "openai", "anthropic", "m"),
  ),
  responseAnthropicToOpenAi: measure(() =>
    translateResponseBody(anthropicResponse, "anthropic", "openai", "m"),
  ),
  streamEventOpenAiToAnthropic: {
    events: openAiStream.length,
    ...measure(runStream(openAiStream, "openai", "anthropic"), openAiStream.length),
  },
  streamEventAnthropicToOpenAi: {
    events: anthropicStream.length,
    ...measure(runStream(anthropicStream, "anthropic", "openai"), anthropicStream.length),
  },
};
console.log(JSON.stringify(result, null, 2));
