/**
 * Failures are normalized the same way for both wire formats: an HTTP status, a refused
 * connection, an error inside a stream or an abort becomes one error event with a kind and a
 * retryable flag, and `result()` rejects with the matching typed error.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  AuthError,
  CancelledError,
  type HarnessError,
  ModelRequestError,
  NetworkError,
} from "../../src/errors.js";
import { createModelClient } from "../../src/models/create-model-client.js";
import type { ModelEvent, ModelStream } from "../../src/models/model-client.js";
import { readModelFailure } from "../../src/models/model-errors.js";
import {
  closedPortURL,
  startWireTestServer,
  type Reply,
  type WireTestServer,
} from "./wire-test-server.js";

let server: WireTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const protocols = ["openai", "anthropic"] as const;
type Protocol = (typeof protocols)[number];

async function collect(stream: ModelStream): Promise<ModelEvent[]> {
  const events: ModelEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

function errorBody(protocol: Protocol, type: string) {
  return protocol === "anthropic"
    ? { type: "error", error: { type, message: `fake ${type}` } }
    : { error: { type, message: `fake ${type}`, code: null } };
}

function callAgainst(protocol: Protocol, baseURL: string, signal?: AbortSignal): ModelStream {
  const client = createModelClient({ protocol, baseURL, maxRetries: 0, timeoutMs: 5_000 });
  return client.stream({ model: "m", messages: [{ role: "user", content: "hi" }], signal });
}

const statusCases: Array<{
  status: number;
  type: string;
  kind: string;
  retryable: boolean;
  thrown: new (...args: never[]) => HarnessError;
}> = [
  { status: 401, type: "authentication_error", kind: "auth", retryable: false, thrown: AuthError },
  {
    status: 429,
    type: "rate_limit_error",
    kind: "rate-limit",
    retryable: true,
    thrown: NetworkError,
  },
  {
    status: 529,
    type: "overloaded_error",
    kind: "overloaded",
    retryable: true,
    thrown: NetworkError,
  },
  {
    status: 503,
    type: "overloaded_error",
    kind: "overloaded",
    retryable: true,
    thrown: NetworkError,
  },
  {
    status: 400,
    type: "invalid_request_error",
    kind: "bad-request",
    retryable: false,
    thrown: ModelRequestError,
  },
];

describe.each(protocols)("%s adapter failures", (protocol) => {
  it.each(statusCases)("maps HTTP $status to $kind", async (testCase) => {
    const reply: Reply = { status: testCase.status, json: errorBody(protocol, testCase.type) };
    server = await startWireTestServer([reply]);
    const stream = callAgainst(protocol, server.url);
    const events = await collect(stream);
    expect(events).toEqual([
      {
        type: "error",
        kind: testCase.kind,
        retryable: testCase.retryable,
        status: testCase.status,
        message: expect.any(String) as string,
      },
    ]);
    const error = await stream.result().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(testCase.thrown);
    expect(readModelFailure(error)).toMatchObject({ kind: testCase.kind, status: testCase.status });
  });

  it("reports a refused connection as a retryable network error", async () => {
    const stream = callAgainst(protocol, await closedPortURL());
    expect(await collect(stream)).toEqual([
      { type: "error", kind: "network", retryable: true, message: expect.any(String) as string },
    ]);
    await expect(stream.result()).rejects.toBeInstanceOf(NetworkError);
  });

  it("reports an abort in the middle of a stream as cancelled", async () => {
    const firstFrames =
      protocol === "anthropic"
        ? [
            {
              event: "message_start",
              data: {
                type: "message_start",
                message: { id: "m", type: "message", role: "assistant", content: [], usage: {} },
              },
            },
            {
              event: "content_block_start",
              data: {
                type: "content_block_start",
                index: 0,
                content_block: { type: "text", text: "partial" },
              },
            },
          ]
        : [
            {
              data: {
                id: "c",
                object: "chat.completion.chunk",
                created: 1,
                model: "m",
                choices: [{ index: 0, delta: { content: "partial" }, finish_reason: null }],
              },
            },
          ];
    server = await startWireTestServer([{ sse: firstFrames, hang: true }]);
    const controller = new AbortController();
    const stream = callAgainst(protocol, server.url, controller.signal);
    const events: ModelEvent[] = [];
    for await (const event of stream) {
      events.push(event);
      if (events.length === 1) controller.abort();
    }
    expect(events[0]).toEqual({ type: "text-delta", text: "partial" });
    expect(events.at(-1)).toMatchObject({ type: "error", kind: "cancelled", retryable: false });
    await expect(stream.result()).rejects.toBeInstanceOf(CancelledError);
  }, 10_000);

  it("reports an abort before the answer starts as cancelled", async () => {
    server = await startWireTestServer([{ sse: [], hang: true }]);
    const controller = new AbortController();
    const stream = callAgainst(protocol, server.url, controller.signal);
    setTimeout(() => controller.abort(), 50);
    expect((await collect(stream)).at(-1)).toMatchObject({ kind: "cancelled" });
  }, 10_000);
});

describe("errors sent inside a stream", () => {
  it("maps an Anthropic overloaded_error event after a 200 to a retryable overload", async () => {
    server = await startWireTestServer([
      { sse: [{ event: "error", data: errorBody("anthropic", "overloaded_error") }] },
    ]);
    const events = await collect(callAgainst("anthropic", server.url));
    expect(events).toEqual([
      { type: "error", kind: "overloaded", retryable: true, message: expect.any(String) as string },
    ]);
  });

  it("maps an OpenAI error chunk to an error event", async () => {
    server = await startWireTestServer([
      { sse: [{ data: errorBody("openai", "server_error") }, { data: "[DONE]" }] },
    ]);
    const events = await collect(callAgainst("openai", server.url));
    expect(events).toEqual([
      { type: "error", kind: "unknown", retryable: true, message: expect.any(String) as string },
    ]);
  });
});
