import { describe, expect, it } from "vitest";
import { translateRequest } from "../../../src/router/translate/index.js";

const toAnthropic = (body: Record<string, unknown>) =>
  translateRequest(body, "openai", "anthropic");

const request = (fields: Record<string, unknown>) => ({ model: "m", ...fields });

describe("translateRequest openai -> anthropic: messages", () => {
  it("merges consecutive same-role messages and skips empty ones", () => {
    const out = toAnthropic(
      request({
        messages: [
          { role: "user", content: "a" },
          { role: "user", content: [{ type: "text", text: "b" }] },
          { role: "assistant", content: "" },
          { role: "user", content: "" },
          { role: "assistant", content: "c" },
          { role: "assistant", content: [{ type: "text", text: "d" }] },
        ],
      }),
    );
    expect(out.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "a" },
          { type: "text", text: "b" },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "text", text: "c" },
          { type: "text", text: "d" },
        ],
      },
    ]);
  });

  it("keeps tool results first when user text came before them", () => {
    const out = toAnthropic(
      request({
        messages: [
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "" } }],
          },
          { role: "user", content: "note" },
          { role: "tool", tool_call_id: "c", content: [{ type: "text", text: "ok" }] },
        ],
      }),
    );
    expect(out.messages).toEqual([
      { role: "assistant", content: [{ type: "tool_use", id: "c", name: "f", input: {} }] },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "c", content: "ok" },
          { type: "text", text: "note" },
        ],
      },
    ]);
  });

  it.each([
    [
      "data URL image",
      { type: "image_url", image_url: { url: "data:image/webp;base64,UklGR" } },
      { type: "image", source: { type: "base64", media_type: "image/webp", data: "UklGR" } },
    ],
    [
      "web image",
      { type: "image_url", image_url: { url: "https://example.com/x.png", detail: "high" } },
      { type: "image", source: { type: "url", url: "https://example.com/x.png" } },
    ],
    [
      "pdf file",
      { type: "file", file: { file_data: "data:application/pdf;base64,JVBER", filename: "a.pdf" } },
      {
        type: "document",
        source: { type: "base64", media_type: "application/pdf", data: "JVBER" },
      },
    ],
  ])("maps a user %s", (_name, part, block) => {
    const out = toAnthropic(request({ messages: [{ role: "user", content: [part] }] }));
    expect(out.messages).toEqual([{ role: "user", content: [block] }]);
  });
});
