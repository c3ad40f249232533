/**
 * The Anthropic-style adapter's translation of a conversation (reasoning sent back, tool results
 * merged into one user turn, cache breakpoints) and of whole, non-streamed answers.
 */
import { afterEach, describe, expect, it } from "vitest";
import { anthropicStream, closeServers, runAdapter, textBlock } from "./wire-frames.js";

afterEach(closeServers);

function wholeMessage(content: unknown[], stopReason: string, usage: Record<string, number>) {
  return {
    json: {
      id: "msg",
      type: "message",
      role: "assistant",
      model: "claude-local",
      stop_reason: stopReason,
      stop_sequence: null,
      content,
      usage,
    },
  };
}

describe("Anthropic messages adapter, requests", () => {
  it("sends signed reasoning back, merges tool results into one user turn, marks the cache", async () => {
    const { seen } = await runAdapter(
      "anthropic",
      [anthropicStream([textBlock("ok")], "end_turn")],
      {
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "look" },
              { type: "image", mediaType: "image/png", data: "AAAA" },
            ],
          },
          {
            role: "assistant",
            text: "Two calls.",
            reasoning: [{ text: "hmm", signature: "sig" }, { text: "unsigned" }],
            toolCalls: [
              { id: "t1", name: "ls", input: { dir: "." } },
              { id: "t2", name: "ls", input: { dir: "src" } },
            ],
          },
          { role: "tool", toolCallId: "t1", content: "a.ts" },
          { role: "tool", toolCallId: "t2", content: "no such dir", isError: true },
        ],
      },
    );
    expect(seen[0]?.body.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "look" },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "hmm", signature: "sig" },
          { type: "text", text: "Two calls." },
          { type: "tool_use", id: "t1", name: "ls", input: { dir: "." } },
          { type: "tool_use", id: "t2", name: "ls", input: { dir: "src" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "t1", content: "a.ts" },
          {
            type: "tool_result",
            tool_use_id: "t2",
            content: "no such dir",
            is_error: true,
            cache_control: { type: "ephemeral" },
          },
        ],
      },
    ]);
  });
});

describe("Anthropic messages adapter, whole answers", () => {
  it("turns one JSON message into the same events as a stream", async () => {
    const reply = wholeMessage(
      [
        { type: "text", text: "Let me look." },
        { type: "tool_use", id: "toolu_9", name: "ls", input: { dir: "src" } },
      ],
      "tool_use",
      {
        input_tokens: 20,
        output_tokens: 6,
        cache_read_input_tokens: 12,
        cache_creation_input_tokens: 3,
      },
    );
    const { events, seen } = await runAdapter("anthropic", [reply], {}, { stream: false });
    expect(events).toEqual([
      { type: "text-delta", text: "Let me look." },
      { type: "tool-call", id: "toolu_9", name: "ls", input: { dir: "src" } },
      { type: "usage", inputTokens: 35, outputTokens: 6, cachedTokens: 12 },
      { type: "done", stopReason: "tool-calls" },
    ]);
    expect(seen[0]?.body).not.toHaveProperty("stream", true);
  });

  it("reads a whole structured answer from the forced tool's input", async () => {
    const reply = wholeMessage(
      [{ type: "tool_use", id: "toolu_1", name: "verdict", input: { ok: false } }],
      "tool_use",
      { input_tokens: 5, output_tokens: 2 },
    );
    const { result } = await runAdapter(
      "anthropic",
      [reply],
      { responseSchema: { name: "verdict", schema: { type: "object" } } },
      { stream: false },
    );
    await expect(result).resolves.toMatchObject({ parsed: { ok: false }, stopReason: "end" });
  });

  it("maps max_tokens to length and refusal to refusal", async () => {
    const cut = await runAdapter(
      "anthropic",
      [
        wholeMessage([{ type: "text", text: "par" }], "max_tokens", {
          input_tokens: 1,
          output_tokens: 1,
        }),
      ],
      {},
      { stream: false },
    );
    expect(cut.events.at(-1)).toEqual({ type: "done", stopReason: "length" });
    const refused = await runAdapter(
      "anthropic",
      [wholeMessage([], "refusal", { input_tokens: 1, output_tokens: 0 })],
      {},
      { stream: false },
    );
    expect(refused.events.at(-1)).toEqual({ type: "done", stopReason: "refusal" });
  });
});
