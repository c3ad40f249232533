/**
 * The Anthropic-style adapter against a local server speaking /v1/messages, streaming: text,
 * usage with cache reads, tool_use assembly, the forced structured-output tool, and thinking.
 */
import { afterEach, describe, expect, it } from "vitest";
import { thinkingBudgets } from "../../src/models/anthropic-messages-client.js";
import type { ModelRequest } from "../../src/models/model-client.js";
import type { Reply } from "./wire-test-server.js";
import { anthropicStream, closeServers, runAdapter, textBlock } from "./wire-frames.js";

afterEach(closeServers);

const run = (replies: Reply[], request: Partial<ModelRequest> = {}, apiKey?: string) =>
  runAdapter("anthropic", replies, request, apiKey ? { apiKey } : {});

const jsonDeltas = (...parts: string[]) =>
  parts.map((partial_json) => ({ type: "input_json_delta", partial_json }));

describe("Anthropic messages adapter, streaming", () => {
  it("streams text, counts cached tokens into the prompt, and sends the session header", async () => {
    const { events, result, seen } = await run(
      [
        anthropicStream([textBlock("Hel", "lo")], "end_turn", {
          input: 10,
          output: 5,
          cacheRead: 90,
        }),
      ],
      { system: "You are terse.", sessionId: "session-1", temperature: 0.3 },
      "router-token",
    );
    expect(events).toEqual([
      { type: "text-delta", text: "Hel" },
      { type: "text-delta", text: "lo" },
      { type: "usage", inputTokens: 100, outputTokens: 5, cachedTokens: 90 },
      { type: "done", stopReason: "end" },
    ]);
    await expect(result).resolves.toMatchObject({ text: "Hello", stopReason: "end" });
    const [request] = seen;
    expect(request?.path).toBe("/v1/messages");
    expect(request?.headers["x-session-id"]).toBe("session-1");
    expect(request?.headers.authorization).toBe("Bearer router-token");
    expect(request?.body).toMatchObject({
      model: "claude-local",
      stream: true,
      max_tokens: 4096,
      temperature: 0.3,
      system: [{ type: "text", text: "You are terse.", cache_control: { type: "ephemeral" } }],
      messages: [
        {
          role: "user",
          content: [{ type: "text", text: "hi", cache_control: { type: "ephemeral" } }],
        },
      ],
    });
    expect(request?.body).not.toHaveProperty("thinking");
  });

  it("sends no credentials without a key", async () => {
    const { seen } = await run([anthropicStream([textBlock("x")], "end_turn")]);
    expect(seen[0]?.headers.authorization).toBeUndefined();
    expect(seen[0]?.headers["x-api-key"]).toBeUndefined();
  });

  it("assembles tool_use blocks from input_json_delta pieces", async () => {
    const { events, result } = await run([
      anthropicStream(
        [
          textBlock("Reading."),
          {
            start: { type: "tool_use", id: "toolu_1", name: "read_file", input: {} },
            deltas: jsonDeltas('{"path": "s', 'rc/a.ts"}'),
          },
          { start: { type: "tool_use", id: "toolu_2", name: "list", input: {} } },
        ],
        "tool_use",
      ),
    ]);
    expect(events.filter((event) => event.type === "tool-call")).toEqual([
      { type: "tool-call", id: "toolu_1", name: "read_file", input: { path: "src/a.ts" } },
      { type: "tool-call", id: "toolu_2", name: "list", input: {} },
    ]);
    expect(events.at(-1)).toEqual({ type: "done", stopReason: "tool-calls" });
    await expect(result).resolves.toMatchObject({ text: "Reading.", stopReason: "tool-calls" });
  });

  it("maps toolChoice required to any, and back to auto while thinking", async () => {
    const tools = [{ name: "finish", description: "end", inputSchema: { type: "object" } }];
    const forced = await run([anthropicStream([textBlock("x")], "end_turn")], {
      tools,
      toolChoice: "required",
    });
    expect(forced.seen[0]?.body.tool_choice).toEqual({ type: "any" });
    const thinking = await run([anthropicStream([textBlock("x")], "end_turn")], {
      tools,
      toolChoice: "required",
      thinking: "low",
    });
    expect(thinking.seen[0]?.body.tool_choice).toEqual({ type: "auto" });
    const plain = await run([anthropicStream([textBlock("x")], "end_turn")], { tools });
    expect(plain.seen[0]?.body).not.toHaveProperty("tool_choice");
  });

  it("forces a tool for structured output and hands its input back as the parsed answer", async () => {
    const schema = { type: "object", properties: { ok: { type: "boolean" } } };
    const { events, result, seen } = await run(
      [
        anthropicStream(
          [
            {
              start: { type: "tool_use", id: "toolu_1", name: "verdict", input: {} },
              deltas: jsonDeltas('{"ok":', "true}"),
            },
          ],
          "tool_use",
        ),
      ],
      { responseSchema: { name: "verdict", schema } },
    );
    expect(seen[0]?.body.tool_choice).toEqual({ type: "tool", name: "verdict" });
    expect(seen[0]?.body.tools).toEqual([
      { name: "verdict", description: expect.any(String) as string, input_schema: schema },
    ]);
    expect(events.some((event) => event.type === "tool-call")).toBe(false);
    await expect(result).resolves.toMatchObject({
      text: '{"ok":true}',
      parsed: { ok: true },
      stopReason: "end",
    });
  });

  it("maps thinking to a token budget, raises max_tokens above it, and drops temperature", async () => {
    const thinkingBlock = {
      start: { type: "thinking", thinking: "", signature: "" },
      deltas: [
        { type: "thinking_delta", thinking: "Let me think." },
        { type: "signature_delta", signature: "sig-1" },
      ],
    };
    const { events, seen } = await run(
      [anthropicStream([thinkingBlock, textBlock("Done.")], "end_turn")],
      { thinking: "medium", maxTokens: 1000, temperature: 0.5 },
    );
    expect(seen[0]?.body.thinking).toEqual({
      type: "enabled",
      budget_tokens: thinkingBudgets.medium,
    });
    expect(seen[0]?.body.max_tokens).toBe(thinkingBudgets.medium + 1000);
    expect(seen[0]?.body).not.toHaveProperty("temperature");
    expect(events[0]).toEqual({ type: "reasoning", text: "Let me think.", signature: "sig-1" });
    expect(thinkingBudgets).toEqual({ low: 2048, medium: 8192, high: 24576 });
  });

  it("only offers the structured-output tool while thinking, since a forced tool is refused", async () => {
    const { seen, result } = await run([anthropicStream([textBlock('{"ok":true}')], "end_turn")], {
      thinking: "low",
      responseSchema: { name: "verdict", schema: { type: "object" } },
    });
    expect(seen[0]?.body.tool_choice).toEqual({ type: "auto" });
    await expect(result).resolves.toMatchObject({ parsed: { ok: true } });
  });
});
