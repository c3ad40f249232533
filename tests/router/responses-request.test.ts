import { describe, expect, it } from "vitest";
import { responsesRequestToChat } from "../../src/router/translate/responses-request-to-chat.js";

function translate(body: Record<string, unknown>) {
  const result = responsesRequestToChat({ model: "local", ...body });
  if (!result.ok) throw new Error(`refused: ${result.message}`);
  return result;
}

function refusal(body: Record<string, unknown>): string {
  const result = responsesRequestToChat({ model: "local", ...body });
  if (result.ok) throw new Error("expected a refusal");
  return result.message;
}

describe("Responses request -> chat completions request", () => {
  it("turns instructions and a string input into a system and a user message", () => {
    const { chat } = translate({ instructions: "Be brief.", input: "Say hello" });
    expect(chat).toEqual({
      model: "local",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Say hello" },
      ],
    });
  });

  it("merges the leading developer and system messages into one system message", () => {
    const { chat } = translate({
      instructions: "Base.",
      input: [
        { type: "message", role: "developer", content: [{ type: "input_text", text: "Dev." }] },
        {
          type: "message",
          role: "developer",
          content: [
            { type: "input_text", text: "Agent prompt." },
            { type: "input_text", text: "<skills/>" },
          ],
        },
        { role: "user", content: "Hi" },
        { role: "system", content: "Later note." },
      ],
    });
    expect(chat.messages).toEqual([
      { role: "system", content: "Base.\n\nDev.\n\nAgent prompt.\n\n<skills/>" },
      { role: "user", content: "Hi" },
      { role: "system", content: "Later note." },
    ]);
  });

  it("keeps user content parts: text, images and files", () => {
    const { chat } = translate({
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "What is this?" },
            { type: "input_image", image_url: "data:image/png;base64,AAAA", detail: "low" },
            {
              type: "input_file",
              file_data: "data:application/pdf;base64,BBBB",
              filename: "a.pdf",
            },
          ],
        },
      ],
    });
    expect(chat.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } },
          {
            type: "file",
            file: { file_data: "data:application/pdf;base64,BBBB", filename: "a.pdf" },
          },
        ],
      },
    ]);
  });

  it("joins function calls to the assistant message before them and answers them with tool messages", () => {
    const { chat } = translate({
      input: [
        { role: "user", content: "List and read." },
        { type: "reasoning", id: "rs_1", summary: [], encrypted_content: "opaque" },
        {
          type: "message",
          role: "assistant",
          content: [{ type: "output_text", text: "Looking.", annotations: [] }],
        },
        { type: "function_call", call_id: "call_a", name: "ls", arguments: "{}" },
        { type: "function_call", call_id: "call_b", name: "cat", arguments: '{"path":"x"}' },
        { type: "function_call_output", call_id: "call_a", output: "x\ny" },
        {
          type: "function_call_output",
          call_id: "call_b",
          output: [
            { type: "input_text", text: "a picture:" },
            { type: "input_image", image_url: "https://example.com/x.png" },
          ],
        },
        { role: "user", content: "Thanks." },
      ],
    });
    expect(chat.messages).toEqual([
      { role: "user", content: "List and read." },
      {
        role: "assistant",
        content: "Looking.",
        tool_calls: [
          { id: "call_a", type: "function", function: { name: "ls", arguments: "{}" } },
          { id: "call_b", type: "function", function: { name: "cat", arguments: '{"path":"x"}' } },
        ],
      },
      { role: "tool", tool_call_id: "call_a", content: "x\ny" },
      {
        role: "tool",
        tool_call_id: "call_b",
        content: "a picture:\n[1 image(s) attached in the next user message]",
      },
      {
        role: "user",
        content: [{ type: "image_url", image_url: { url: "https://example.com/x.png" } }],
      },
      { role: "user", content: "Thanks." },
    ]);
  });

  it("starts an assistant message for a function call that follows no assistant text", () => {
    const { chat } = translate({
      input: [
        { role: "user", content: "Go." },
        { type: "function_call", call_id: "call_a", name: "ls", arguments: "{}" },
        { type: "function_call_output", call_id: "call_a", output: "done" },
      ],
    });
    expect(chat.messages).toEqual([
      { role: "user", content: "Go." },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "call_a", type: "function", function: { name: "ls", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "call_a", content: "done" },
    ]);
  });

  it("passes function tools, tool_choice and parallel_tool_calls; leaves hosted tools out", () => {
    const result = translate({
      input: "Hi",
      tools: [
        {
          type: "function",
          name: "exec_command",
          description: "Runs a command.",
          strict: false,
          parameters: { type: "object", properties: { cmd: { type: "string" } } },
        },
        { type: "function", name: "now" },
        { type: "web_search" },
        { type: "file_search", vector_store_ids: ["vs_1"] },
      ],
      tool_choice: { type: "function", name: "exec_command" },
      parallel_tool_calls: false,
    });
    expect(result.ignoredTools).toEqual(["web_search", "file_search"]);
    expect(result.chat.tools).toEqual([
      {
        type: "function",
        function: {
          name: "exec_command",
          description: "Runs a command.",
          parameters: { type: "object", properties: { cmd: { type: "string" } } },
          strict: false,
        },
      },
      {
        type: "function",
        function: { name: "now", parameters: { type: "object", properties: {} } },
      },
    ]);
    expect(result.chat.tool_choice).toEqual({
      type: "function",
      function: { name: "exec_command" },
    });
    expect(result.chat.parallel_tool_calls).toBe(false);
  });

  it("sends no tool settings when only hosted tools were offered", () => {
    const { chat } = translate({
      input: "Hi",
      tools: [{ type: "web_search" }],
      tool_choice: "auto",
      parallel_tool_calls: true,
    });
    expect(chat).not.toHaveProperty("tools");
    expect(chat).not.toHaveProperty("tool_choice");
    expect(chat).not.toHaveProperty("parallel_tool_calls");
  });

  it("offers a custom tool as a function taking { input }, grammar in the description", () => {
    const result = translate({
      input: [
        { role: "user", content: "Patch it." },
        {
          type: "custom_tool_call",
          call_id: "call_p",
          name: "apply_patch",
          input: "*** Begin Patch",
        },
        { type: "custom_tool_call_output", call_id: "call_p", output: "Done!" },
      ],
      tools: [
        {
          type: "custom",
          name: "apply_patch",
          description: "Edits files.",
          format: { type: "grammar", syntax: "lark", definition: "start: patch" },
        },
      ],
    });
    expect([...result.toolNames]).toEqual([["apply_patch", { name: "apply_patch", custom: true }]]);
    expect(result.chat.tools).toEqual([
      {
        type: "function",
        function: {
          name: "apply_patch",
          description: "Edits files.\n\nThe input must follow this lark grammar:\nstart: patch",
          parameters: {
            type: "object",
            properties: {
              input: { type: "string", description: "The tool's whole input, as text." },
            },
            required: ["input"],
          },
        },
      },
    ]);
    expect(result.chat.messages).toEqual([
      { role: "user", content: "Patch it." },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_p",
            type: "function",
            function: { name: "apply_patch", arguments: '{"input":"*** Begin Patch"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "call_p", content: "Done!" },
    ]);
  });

  it("offers a namespace's tools as qualified functions, and names echoed calls the same way", () => {
    const result = translate({
      input: [
        { role: "user", content: "Delegate." },
        {
          type: "function_call",
          call_id: "call_s",
          name: "spawn_agent",
          namespace: "multi_agent_v1",
          arguments: '{"task":"x"}',
        },
        { type: "function_call_output", call_id: "call_s", output: "agent-1" },
      ],
      tools: [
        {
          type: "namespace",
          name: "multi_agent_v1",
          description: "Sub-agents.",
          tools: [
            {
              type: "function",
              name: "spawn_agent",
              parameters: { type: "object", properties: {} },
            },
            { type: "function", name: "wait_agent" },
          ],
        },
      ],
    });
    expect(
      (result.chat.tools as { function: { name: string } }[]).map((tool) => tool.function.name),
    ).toEqual(["multi_agent_v1__spawn_agent", "multi_agent_v1__wait_agent"]);
    expect(result.toolNames.get("multi_agent_v1__spawn_agent")).toEqual({
      name: "spawn_agent",
      namespace: "multi_agent_v1",
      custom: false,
    });
    expect(result.chat.messages).toContainEqual({
      role: "assistant",
      content: null,
      tool_calls: [
        {
          id: "call_s",
          type: "function",
          function: { name: "multi_agent_v1__spawn_agent", arguments: '{"task":"x"}' },
        },
      ],
    });
    expect(result.ignoredTools).toEqual([]);
  });

  it("narrows the tools to allowed_tools", () => {
    const { chat } = translate({
      input: "Hi",
      tools: [
        { type: "function", name: "a" },
        { type: "function", name: "b" },
      ],
      tool_choice: {
        type: "allowed_tools",
        mode: "required",
        tools: [{ type: "function", name: "b" }],
      },
    });
    expect(
      (chat.tools as { function: { name: string } }[]).map((tool) => tool.function.name),
    ).toEqual(["b"]);
    expect(chat.tool_choice).toBe("required");
  });

  it("maps sampling, limits, reasoning effort, text format and streaming", () => {
    const { chat } = translate({
      input: "Hi",
      stream: true,
      store: false,
      max_output_tokens: 256,
      temperature: 0.2,
      top_p: 0.9,
      user: "u-1",
      reasoning: { effort: "high", summary: "auto" },
      include: ["reasoning.encrypted_content"],
      prompt_cache_key: "session-1",
      text: {
        format: {
          type: "json_schema",
          name: "answer",
          strict: true,
          schema: { type: "object", properties: { ok: { type: "boolean" } } },
        },
      },
    });
    expect(chat).toEqual({
      model: "local",
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 256,
      temperature: 0.2,
      top_p: 0.9,
      user: "u-1",
      reasoning_effort: "high",
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "answer",
          schema: { type: "object", properties: { ok: { type: "boolean" } } },
          strict: true,
        },
      },
    });
    expect(
      translate({ input: "Hi", text: { format: { type: "json_object" } } }).chat.response_format,
    ).toEqual({
      type: "json_object",
    });
    expect(translate({ input: "Hi", text: { format: { type: "text" } } }).chat).not.toHaveProperty(
      "response_format",
    );
  });

  it("refuses what needs stored state, with what to send instead", () => {
    expect(refusal({ input: "Hi", previous_response_id: "resp_1" })).toContain(
      "send the whole conversation in `input`",
    );
    expect(refusal({ input: "Hi", conversation: "conv_1" })).toContain("keeps no responses");
    expect(refusal({ input: "Hi", background: true })).toContain("background");
    expect(refusal({ input: [{ type: "item_reference", id: "msg_1" }] })).toContain(
      "item_reference",
    );
    expect(
      refusal({ input: [{ role: "user", content: [{ type: "input_image", file_id: "file_1" }] }] }),
    ).toContain("file_id");
    expect(refusal({ input: 42 })).toContain("`input` must be");
    expect(
      refusal({
        input: "Hi",
        tools: [{ type: "web_search" }],
        tool_choice: { type: "web_search" },
      }),
    ).toContain('hosted tool "web_search"');
  });
});
