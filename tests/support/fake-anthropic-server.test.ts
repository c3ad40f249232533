import { afterEach, describe, expect, it } from "vitest";
import {
  collectText,
  startFakeAnthropicServer,
  type FakeAnthropicServer,
} from "./fake-anthropic-server.js";

const messagesBody = (stream: boolean) =>
  JSON.stringify({
    model: "claude-test",
    stream,
    max_tokens: 100,
    system: [{ type: "text", text: "You are a test." }],
    messages: [{ role: "user", content: [{ type: "text", text: "Say hello." }] }],
  });

const post = (server: FakeAnthropicServer, route: string, body: string) =>
  fetch(`${server.url}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "test" },
    body,
  });

/** The data objects of a server-sent event stream, in order. */
function parseEvents(text: string): Array<Record<string, unknown>> {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((line) => line.startsWith("event: "))?.slice(7);
      const data = JSON.parse(lines.find((line) => line.startsWith("data: "))!.slice(6)) as Record<
        string,
        unknown
      >;
      expect(data.type).toBe(event);
      return data;
    });
}

describe("fake Anthropic server", () => {
  let server: FakeAnthropicServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("streams a scripted reply as Messages API events and records the request", async () => {
    server = await startFakeAnthropicServer({ replies: ["Hello there."] });
    const response = await post(server, "/v1/messages?beta=true", messagesBody(true));
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const events = parseEvents(await response.text());
    expect(events.map((event) => event.type)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(events[2]).toMatchObject({ delta: { type: "text_delta", text: "Hello there." } });
    expect(events[4]).toMatchObject({
      delta: { stop_reason: "end_turn" },
      usage: { output_tokens: expect.any(Number) },
    });

    const [recorded] = server.messageRequests();
    expect(recorded?.query).toEqual({ beta: "true" });
    expect(recorded?.headers["x-api-key"]).toBe("test");
    expect(collectText(recorded?.body)).toContain("Say hello.");
    expect(server.unexpected).toEqual([]);
  });

  it("answers a non-streaming request with one message object", async () => {
    server = await startFakeAnthropicServer({ replies: ["One shot."] });
    const response = await post(server, "/v1/messages", messagesBody(false));
    expect(await response.json()).toMatchObject({
      type: "message",
      role: "assistant",
      model: "claude-test",
      content: [{ type: "text", text: "One shot." }],
      stop_reason: "end_turn",
    });
  });

  it("counts tokens and answers the reachability check", async () => {
    server = await startFakeAnthropicServer();
    const counted = await post(server, "/v1/messages/count_tokens?beta=true", messagesBody(false));
    expect(await counted.json()).toEqual({ input_tokens: expect.any(Number) });
    expect((await fetch(server.url, { method: "HEAD" })).status).toBe(200);
  });

  it("fails loudly when the script runs out or a route is unknown", async () => {
    server = await startFakeAnthropicServer({ replies: ["only one"] });
    await post(server, "/v1/messages", messagesBody(false));
    const extra = await post(server, "/v1/messages", messagesBody(false));
    expect(extra.status).toBe(400);
    expect(await extra.json()).toMatchObject({
      type: "error",
      error: { message: expect.stringContaining("no scripted reply") },
    });
    const unknown = await post(server, "/v1/complete", "{}");
    expect(unknown.status).toBe(404);
    expect(server.unexpected.map((r) => r.path)).toEqual(["/v1/messages", "/v1/complete"]);
  });

  it("keeps answering with the fallback reply after the script", async () => {
    server = await startFakeAnthropicServer({ fallbackReply: "again" });
    for (let i = 0; i < 2; i++) {
      const response = await post(server, "/v1/messages", messagesBody(false));
      expect(await response.json()).toMatchObject({ content: [{ text: "again" }] });
    }
  });
});
