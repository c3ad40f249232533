import { describe, expect, it } from "vitest";
import { translateRequest } from "../../../src/router/translate/index.js";
import { claudeCodeRequest } from "./fixtures/claude-code-request.js";

const toOpenAi = (body: Record<string, unknown>) => translateRequest(body, "anthropic", "openai");

/** A minimal Anthropic request with the given extra fields. */
const request = (fields: Record<string, unknown>) => ({
  model: "m",
  max_tokens: 100,
  messages: [{ role: "user", content: "hi" }],
  ...fields,
});

describe("translateRequest anthropic -> openai", () => {
  it("returns the same object when both sides speak one protocol", () => {
    const body = claudeCodeRequest();
    expect(translateRequest(body, "anthropic", "anthropic")).toBe(body);
    expect(translateRequest(body, "openai", "openai")).toBe(body);
  });

  it("translates a Claude Code request completely", () => {
    const out = toOpenAi(claudeCodeRequest());
    expect(out).toEqual({
      model: "claude-opus-4-6",
      max_tokens: 64000,
      stream: true,
      stream_options: { include_usage: true },
      user: JSON.stringify({ device_id: "d1e2", account_uuid: "", session_id: "s-123" }),
      reasoning_effort: "high",
      messages: [
        {
          role: "system",
          content:
            "You are a Claude agent, built on Anthropic's Claude Agent SDK.\n\n" +
            "\nYou are an interactive agent that helps users with software engineering tasks.",
        },
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
          content: "Let me read the file.",
          tool_calls: [
            {
              id: "toolu_01A",
              type: "function",
              function: { name: "Read", arguments: '{"file_path":"/repo/src/sum.ts"}' },
            },
          ],
        },
        {
          role: "tool",
          tool_call_id: "toolu_01A",
          content: "1\texport const sum = (a, b) => a - b;\n",
        },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "toolu_01B",
              type: "function",
              function: { name: "Bash", arguments: '{"command":"npm test","timeout":60000}' },
            },
          ],
        },
        {
          role: "tool",
          tool_call_id: "toolu_01B",
          content: "[tool error] Exit code 1\nexpected 3, got -1",
        },
      ],
      tools: (claudeCodeRequest().tools as Record<string, unknown>[]).map((tool) => ({
        type: "function",
        function: { name: tool.name, description: tool.description, parameters: tool.input_schema },
      })),
    });
  });

  it("maps a tool to an OpenAI function with its JSON Schema as parameters", () => {
    const tools = toOpenAi(claudeCodeRequest()).tools as unknown[];
    expect(tools[0]).toEqual({
      type: "function",
      function: {
        name: "Bash",
        description: "Executes a given bash command and returns its output.",
        parameters: {
          $schema: "https://json-schema.org/draft/2020-12/schema",
          type: "object",
          properties: {
            command: { description: "The command to execute", type: "string" },
            timeout: { description: "Optional timeout in milliseconds", type: "number" },
          },
          required: ["command"],
          additionalProperties: false,
        },
      },
    });
  });

  it("never forwards fields with no OpenAI meaning", () => {
    const text = JSON.stringify(toOpenAi(claudeCodeRequest()));
    for (const field of [
      "cache_control",
      "context_management",
      "output_config",
      "thinking",
      "signature",
      "billing-header",
      "metadata",
      "betas",
      "redacted",
    ]) {
      expect(text).not.toContain(field);
    }
  });

  it.each([
    ["string system", "Be brief.", "Be brief."],
    [
      "text blocks joined",
      [
        { type: "text", text: "A" },
        { type: "text", text: "B", cache_control: { type: "ephemeral" } },
      ],
      "A\n\nB",
    ],
  ])("maps %s to one system message", (_name, system, expected) => {
    const out = toOpenAi(request({ system }));
    expect(out.messages).toEqual([
      { role: "system", content: expected },
      { role: "user", content: "hi" },
    ]);
  });

  it("leaves out an empty system prompt", () => {
    expect(toOpenAi(request({ system: [] })).messages).toEqual([{ role: "user", content: "hi" }]);
  });

  it.each([
    [{ type: "auto" }, "auto"],
    [{ type: "any" }, "required"],
    [{ type: "none" }, "none"],
    [
      { type: "tool", name: "Read" },
      { type: "function", function: { name: "Read" } },
    ],
  ])("maps tool_choice %j", (choice, expected) => {
    const tools = [{ name: "Read", input_schema: { type: "object" } }];
    expect(toOpenAi(request({ tools, tool_choice: choice })).tool_choice).toEqual(expected);
  });

  it("maps disable_parallel_tool_use and drops server tools", () => {
    const out = toOpenAi(
      request({
        tools: [
          { name: "Read", input_schema: { type: "object" } },
          { type: "web_search_20250305", name: "web_search", max_uses: 3 },
        ],
        tool_choice: { type: "auto", disable_parallel_tool_use: true },
      }),
    );
    expect(out.tools).toEqual([
      { type: "function", function: { name: "Read", parameters: { type: "object" } } },
    ]);
    expect(out.parallel_tool_calls).toBe(false);
  });

  it("sends no tool_choice without tools", () => {
    expect(toOpenAi(request({ tool_choice: { type: "any" } }))).not.toHaveProperty("tool_choice");
  });

  it("maps sampling and stop fields, and omits what was not given", () => {
    const out = toOpenAi(
      request({ temperature: 0.2, top_p: 0.9, top_k: 40, stop_sequences: ["END"], stream: false }),
    );
    expect(out).toEqual({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      stop: ["END"],
    });
  });

  it.each([
    [{ type: "enabled", budget_tokens: 2000 }, undefined, "low"],
    [{ type: "enabled", budget_tokens: 8000 }, undefined, "medium"],
    [{ type: "enabled", budget_tokens: 31999 }, undefined, "high"],
    [{ type: "adaptive" }, undefined, "high"],
    [{ type: "adaptive" }, { effort: "low" }, "low"],
    [{ type: "enabled", budget_tokens: 31999 }, { effort: "medium" }, "medium"],
    [undefined, { effort: "max" }, "high"],
    [{ type: "disabled" }, { effort: "high" }, undefined],
    [undefined, undefined, undefined],
  ])(
    "maps thinking %j with output_config %j to reasoning_effort %s",
    (thinking, outputConfig, effort) => {
      const out = toOpenAi(request({ thinking, output_config: outputConfig }));
      expect(out.reasoning_effort).toBe(effort);
    },
  );

  it("maps output_config.format to a json_schema response_format", () => {
    const schema = { type: "object", properties: { ok: { type: "boolean" } } };
    const out = toOpenAi(request({ output_config: { format: { type: "json_schema", schema } } }));
    expect(out.response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "output", schema, strict: true },
    });
  });

  it("does not throw on malformed bodies", () => {
    expect(toOpenAi({ messages: "nope", system: 3, tools: {} })).toEqual({
      model: "",
      messages: [],
    });
    expect(
      toOpenAi({ messages: [null, 1, { role: "user", content: [null, { type: "unknown" }] }] }),
    ).toEqual({ model: "", messages: [] });
  });
});
