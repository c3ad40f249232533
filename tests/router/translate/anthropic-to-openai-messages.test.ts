import { describe, expect, it } from "vitest";
import { translateRequest } from "../../../src/router/translate/index.js";

const toOpenAi = (body: Record<string, unknown>) => translateRequest(body, "anthropic", "openai");

/** A minimal Anthropic request with the given messages. */
const request = (fields: Record<string, unknown>) => ({ model: "m", max_tokens: 100, ...fields });

describe("translateRequest anthropic -> openai: message content", () => {
  it.each([
    [
      "base64 image",
      { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0" } },
      { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0" } },
    ],
    [
      "url image",
      { type: "image", source: { type: "url", url: "https://example.com/a.png" } },
      { type: "image_url", image_url: { url: "https://example.com/a.png" } },
    ],
    [
      "text document",
      { type: "document", source: { type: "text", media_type: "text/plain", data: "notes" } },
      { type: "text", text: "notes" },
    ],
    [
      "pdf document",
      {
        type: "document",
        title: "spec.pdf",
        source: { type: "base64", media_type: "application/pdf", data: "JVBER" },
      },
      {
        type: "file",
        file: { file_data: "data:application/pdf;base64,JVBER", filename: "spec.pdf" },
      },
    ],
  ])("maps a user %s", (_name, block, part) => {
    const out = toOpenAi(
      request({ messages: [{ role: "user", content: [{ type: "text", text: "look" }, block] }] }),
    );
    expect(out.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "look" }, part] },
    ]);
  });

  it("puts tool results first, in order, then the rest of the user turn", () => {
    const out = toOpenAi(
      request({
        messages: [
          {
            role: "assistant",
            content: [
              { type: "tool_use", id: "t1", name: "A", input: {} },
              { type: "tool_use", id: "t2", name: "B", input: { x: 1 } },
            ],
          },
          {
            role: "user",
            content: [
              { type: "tool_result", tool_use_id: "t1", content: "one" },
              {
                type: "tool_result",
                tool_use_id: "t2",
                content: [
                  { type: "text", text: "two" },
                  { type: "text", text: "lines" },
                ],
              },
              { type: "text", text: "and continue" },
            ],
          },
        ],
      }),
    );
    expect(out.messages).toEqual([
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "t1", type: "function", function: { name: "A", arguments: "{}" } },
          { id: "t2", type: "function", function: { name: "B", arguments: '{"x":1}' } },
        ],
      },
      { role: "tool", tool_call_id: "t1", content: "one" },
      { role: "tool", tool_call_id: "t2", content: "two\nlines" },
      { role: "user", content: "and continue" },
    ]);
  });

  it("moves images a tool returned into the next user message", () => {
    const out = toOpenAi(
      request({
        messages: [
          {
            role: "user",
            content: [
              {
                type: "tool_result",
                tool_use_id: "t1",
                content: [
                  { type: "text", text: "screenshot" },
                  {
                    type: "image",
                    source: { type: "base64", media_type: "image/jpeg", data: "/9j" },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(out.messages).toEqual([
      {
        role: "tool",
        tool_call_id: "t1",
        content: "screenshot\n[1 image(s) attached in the next user message]",
      },
      {
        role: "user",
        content: [{ type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j" } }],
      },
    ]);
  });

  it("drops an assistant turn that held only thinking", () => {
    const out = toOpenAi(
      request({
        messages: [
          { role: "user", content: "a" },
          { role: "assistant", content: [{ type: "thinking", thinking: "hmm", signature: "s" }] },
          { role: "user", content: "b" },
        ],
      }),
    );
    expect(out.messages).toEqual([
      { role: "user", content: "a" },
      { role: "user", content: "b" },
    ]);
  });

  it("keeps a string assistant turn as is", () => {
    const out = toOpenAi(request({ messages: [{ role: "assistant", content: "done" }] }));
    expect(out.messages).toEqual([{ role: "assistant", content: "done" }]);
  });
  it("keeps a tool input that could not be parsed as the raw text", () => {
    const out = toOpenAi(
      request({
        messages: [
          {
            role: "assistant",
            content: [{ type: "tool_use", id: "t", name: "A", input: { _raw: '{"a":' } }],
          },
        ],
      }),
    );
    expect(out.messages).toEqual([
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "t", type: "function", function: { name: "A", arguments: '{"a":' } }],
      },
    ]);
  });
});
