import { describe, expect, it } from "vitest";
import { NetworkError } from "../../src/errors.js";
import type { ModelEvent } from "../../src/models/model-client.js";
import { createModelStream } from "../../src/models/model-stream.js";

async function* from(events: ModelEvent[]): AsyncGenerator<ModelEvent> {
  for (const event of events) {
    await Promise.resolve();
    yield event;
  }
}

describe("createModelStream", () => {
  const answer: ModelEvent[] = [
    { type: "text-delta", text: "a" },
    { type: "usage", inputTokens: 2, outputTokens: 1, cachedTokens: 0 },
    { type: "usage", inputTokens: 0, outputTokens: 3, cachedTokens: 1 },
    { type: "done", stopReason: "end" },
  ];

  it("allows result() before, during and after iteration, and iterating twice", async () => {
    let pulls = 0;
    async function* counted() {
      for await (const event of from(answer)) {
        pulls += 1;
        yield event;
      }
    }
    const stream = createModelStream(counted());
    const early = stream.result();
    const first: ModelEvent[] = [];
    for await (const event of stream) first.push(event);
    const second: ModelEvent[] = [];
    for await (const event of stream) second.push(event);
    expect(first).toEqual(answer);
    expect(second).toEqual(answer);
    expect(pulls).toBe(answer.length);
    await expect(early).resolves.toEqual({
      text: "a",
      toolCalls: [],
      reasoning: [],
      usage: { inputTokens: 2, outputTokens: 4, cachedTokens: 1 },
      stopReason: "end",
    });
  });

  it("ignores anything after the terminal event", async () => {
    const stream = createModelStream(
      from([
        { type: "done", stopReason: "end" },
        { type: "text-delta", text: "late" },
      ]),
    );
    await expect(stream.result()).resolves.toMatchObject({ text: "" });
  });

  it("treats a source that ends without done as a network error", async () => {
    const stream = createModelStream(from([{ type: "text-delta", text: "cut" }]));
    await expect(stream.result()).rejects.toBeInstanceOf(NetworkError);
  });

  it("turns a throwing source into an error event", async () => {
    const broken: AsyncIterable<ModelEvent> = {
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error("boom")) }),
    };
    const events: ModelEvent[] = [];
    const stream = createModelStream(broken);
    for await (const event of stream) events.push(event);
    expect(events).toEqual([
      { type: "error", kind: "unknown", message: "model stream failed: boom", retryable: false },
    ]);
  });
});
