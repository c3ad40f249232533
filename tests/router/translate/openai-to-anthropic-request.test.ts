import { describe, expect, it } from "vitest";
import { translateRequest } from "../../../src/router/translate/index.js";

const toAnthropic = (body: Record<string, unknown>) =>
  translateRequest(body, "openai", "anthropic");

const request = (fields: Record<string, unknown>) => ({
  model: "m",
  messages: [{ role: "user", content: "hi" }],
  ...fields,
});

describe("translateRequest openai -> anthropic", () => {
  it("translates an agent conversation completely", () => {
    const out = toAnthropic({
      model: "qwen3-coder",
      max_completion_tokens: 2000,
      temperature: 0.3,
      stream: true,
      stream_options: { include_usage: true },
      user: "u-1",
      seed: 7,
      n: 1,
      messages: [
        { role: "system", content: "You are terse." },
        { role: "developer", content: [{ type: "text", text: "Use tools." }] },
        { role: "user", content: "List files" },
        {
          role: "assistant",
          content: null,
          reasoning_content: "should call ls",
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "bash", arguments: '{"cmd":"ls"}' },
            },
            {
              id: "call_2",
              type: "function",
              function: { name: "bash", arguments: '{"cmd":"pwd' },
            },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "a.ts\nb.ts" },
        { role: "tool", tool_call_id: "call_2", content: "[tool error] no such command" },
        { role: "user", content: "Now read a.ts" },
      ],
      tools: [
        {
          type: "function",
          function: {
            name: "bash",
            description: "Run a command",
            parameters: {
              type: "object",
              properties: { cmd: { type: "string" } },
              required: ["cmd"],
            },
          },
        },
        { type: "function", function: { name: "now" } },
      ],
      tool_choice: "auto",
    });
    expect(out).toEqual({
      model: "qwen3-coder",
      max_tokens: 2000,
      temperature: 0.3,
      stream: true,
      metadata: { user_id: "u-1" },
      system: "You are terse.\n\nUse tools.",
      messages: [
        { role: "user", content: [{ type: "text", text: "List files" }] },
        {
          role: "assistant",
          content: [
            { type: "tool_use", id: "call_1", name: "bash", input: { cmd: "ls" } },
            { type: "tool_use", id: "call_2", name: "bash", input: { _raw: '{"cmd":"pwd' } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "call_1", content: "a.ts\nb.ts" },
            {
              type: "tool_result",
              tool_use_id: "call_2",
              content: "no such command",
              is_error: true,
            },
            { type: "text", text: "Now read a.ts" },
          ],
        },
      ],
      tools: [
        {
          name: "bash",
          description: "Run a command",
          input_schema: {
            type: "object",
            properties: { cmd: { type: "string" } },
            required: ["cmd"],
          },
        },
        { name: "now", input_schema: { type: "object", properties: {} } },
      ],
      tool_choice: { type: "auto" },
    });
  });

  it.each([
    [undefined, undefined, 4096],
    [100, undefined, 100],
    [100, 300, 300],
  ])(
    "max_tokens %s / max_completion_tokens %s -> max_tokens %s",
    (maxTokens, maxCompletion, expected) => {
      const out = toAnthropic(
        request({ max_tokens: maxTokens, max_completion_tokens: maxCompletion }),
      );
      expect(out.max_tokens).toBe(expected);
    },
  );

  it.each([
    [
      "low",
      undefined,
      { max_tokens: 2048 + 4096, thinking: { type: "enabled", budget_tokens: 2048 } },
    ],
    [
      "medium",
      undefined,
      { max_tokens: 8192 + 4096, thinking: { type: "enabled", budget_tokens: 8192 } },
    ],
    [
      "high",
      undefined,
      { max_tokens: 24576 + 4096, thinking: { type: "enabled", budget_tokens: 24576 } },
    ],
    ["high", 64000, { max_tokens: 64000, thinking: { type: "enabled", budget_tokens: 24576 } }],
    ["high", 10000, { max_tokens: 10000, thinking: { type: "enabled", budget_tokens: 5000 } }],
    ["low", 1500, { max_tokens: 1500 }],
    ["minimal", undefined, { max_tokens: 4096 }],
    ["none", 500, { max_tokens: 500 }],
  ])("reasoning_effort %s with limit %s", (effort, limit, expected) => {
    const out = toAnthropic(request({ reasoning_effort: effort, max_completion_tokens: limit }));
    expect({
      max_tokens: out.max_tokens,
      ...(out.thinking ? { thinking: out.thinking } : {}),
    }).toEqual(expected);
  });

  it("drops sampling values Anthropic refuses while thinking", () => {
    const thinking = toAnthropic(
      request({ reasoning_effort: "low", temperature: 0.2, top_p: 0.5 }),
    );
    expect(thinking).not.toHaveProperty("temperature");
    expect(thinking).not.toHaveProperty("top_p");
    const plain = toAnthropic(request({ temperature: 1.7, top_p: 0.5 }));
    expect(plain).toMatchObject({ temperature: 1, top_p: 0.5 });
  });

  it.each([
    ["END", ["END"]],
    [
      ["a", "b"],
      ["a", "b"],
    ],
  ])("maps stop %j", (stop, expected) => {
    expect(toAnthropic(request({ stop })).stop_sequences).toEqual(expected);
  });

  it.each([
    ["required", false, { type: "any" }],
    ["none", false, { type: "none" }],
    [{ type: "function", function: { name: "f" } }, false, { type: "tool", name: "f" }],
    [undefined, true, { type: "auto", disable_parallel_tool_use: true }],
    ["required", true, { type: "any", disable_parallel_tool_use: true }],
    [undefined, false, undefined],
  ])("maps tool_choice %j (parallel off: %s)", (choice, noParallel, expected) => {
    const tools = [{ type: "function", function: { name: "f", parameters: { type: "object" } } }];
    const out = toAnthropic(
      request({
        tools,
        tool_choice: choice,
        ...(noParallel ? { parallel_tool_calls: false } : {}),
      }),
    );
    expect(out.tool_choice).toEqual(expected);
  });

  it("turns a json_schema response_format into a system instruction and nothing else", () => {
    const schema = { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] };
    const out = toAnthropic(
      request({
        messages: [
          { role: "system", content: "Judge the diff." },
          { role: "user", content: "diff" },
        ],
        response_format: {
          type: "json_schema",
          json_schema: { name: "verdict", schema, strict: true },
        },
      }),
    );
    expect(out.system).toBe(
      "Judge the diff.\n\nRespond with a single JSON value that conforms to this JSON Schema, " +
        `and nothing else: no prose, no code fences.\n${JSON.stringify(schema)}`,
    );
    expect(out.messages).toEqual([{ role: "user", content: [{ type: "text", text: "diff" }] }]);
    expect(Object.keys(out).sort()).toEqual(["max_tokens", "messages", "model", "system"]);
  });

  it("turns json_object into an instruction and ignores text", () => {
    expect(toAnthropic(request({ response_format: { type: "json_object" } })).system).toMatch(
      /single valid JSON object/,
    );
    expect(toAnthropic(request({ response_format: { type: "text" } }))).not.toHaveProperty(
      "system",
    );
  });

  it("does not throw on malformed bodies", () => {
    expect(toAnthropic({ messages: 5, tools: "x" })).toEqual({
      model: "",
      messages: [],
      max_tokens: 4096,
    });
  });
});
