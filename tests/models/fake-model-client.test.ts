/**
 * The fake model every other test uses: scripted answers in order, every request recorded, loud
 * failure on a request the script did not expect, and a recorder whose files it replays.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import {
  FakeModelClient,
  UnexpectedModelRequestError,
} from "../../src/models/fake-model-client.js";
import type { ModelEvent, ModelRequest, ModelStream } from "../../src/models/model-client.js";
import { loadScript } from "../../src/models/model-script.js";
import { recordingModelClient } from "../../src/models/recording-model-client.js";
import { createTempDir, type TempDir } from "../support/temp-dir.js";

function ask(text: string, extra: Partial<ModelRequest> = {}): ModelRequest {
  return { model: "fake", messages: [{ role: "user", content: text }], ...extra };
}

async function collect(stream: ModelStream): Promise<ModelEvent[]> {
  const events: ModelEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe("FakeModelClient", () => {
  it("replays scripted answers in order and records each request", async () => {
    const fake = new FakeModelClient([
      { text: "first", usage: { inputTokens: 3, outputTokens: 1 } },
      { toolCalls: [{ name: "ls", input: { dir: "." } }] },
      { json: { ok: true } },
    ]);
    const first = await fake.stream(ask("one")).result();
    expect(first).toMatchObject({
      text: "first",
      stopReason: "end",
      usage: { inputTokens: 3, outputTokens: 1, cachedTokens: 0 },
    });
    const second = await fake.stream(ask("two")).result();
    expect(second.toolCalls).toEqual([{ id: "call_0", name: "ls", input: { dir: "." } }]);
    expect(second.stopReason).toBe("tool-calls");
    const third = await fake
      .stream(ask("three", { responseSchema: { name: "r", schema: { type: "object" } } }))
      .result();
    expect(third.parsed).toEqual({ ok: true });
    expect(
      fake.calls.map((call) => call.messages[0]?.role === "user" && call.messages[0].content),
    ).toEqual(["one", "two", "three"]);
    expect(() => fake.assertDone()).not.toThrow();
  });

  it("replays exact event lists, including scripted failures", async () => {
    const fake = new FakeModelClient([
      [
        { type: "text-delta", text: "a" },
        { type: "text-delta", text: "b" },
        { type: "done", stopReason: "length" },
      ],
      { error: "rate-limit", message: "slow down", status: 429 },
    ]);
    const stream = fake.stream(ask("x"));
    expect(await collect(stream)).toHaveLength(3);
    await expect(stream.result()).resolves.toMatchObject({ text: "ab", stopReason: "length" });
    const failing = fake.stream(ask("y"));
    expect(await collect(failing)).toEqual([
      { type: "error", kind: "rate-limit", message: "slow down", retryable: true, status: 429 },
    ]);
    await expect(failing.result()).rejects.toThrow(/slow down/);
  });

  it("fails loudly, as an event and a thrown error, on a request beyond the script", async () => {
    const fake = new FakeModelClient([{ text: "only" }]);
    await fake.stream(ask("one")).result();
    const extra = fake.stream(ask("two"));
    const events = await collect(extra);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "error", kind: "bad-request" });
    expect(events[0]?.type === "error" && events[0].message).toMatch(
      /request #2 is beyond the script/,
    );
    await expect(extra.result()).rejects.toBeInstanceOf(UnexpectedModelRequestError);
    expect(fake.calls).toHaveLength(2);
    expect(() => fake.assertDone()).toThrow(/request #2/);
  });

  it("fails a request that does not match the script's matcher", async () => {
    const fake = new FakeModelClient([
      { text: "plan", match: { model: "planner", lastMessageIncludes: "issue 7" } },
      { text: "x", match: (request) => (request.system ? "" : "a system prompt is required") },
    ]);
    await expect(fake.stream(ask("issue 7")).result()).rejects.toThrow(/model is "fake"/);
    await expect(fake.stream(ask("y")).result()).rejects.toThrow(/a system prompt is required/);
  });

  it("complains when scripted answers were never requested", () => {
    const fake = new FakeModelClient([{ text: "unused" }]);
    expect(() => fake.assertDone()).toThrow(/1 scripted response/);
  });

  it("answers an aborted request with a cancelled error", async () => {
    const fake = new FakeModelClient([{ text: "never seen" }]);
    const controller = new AbortController();
    controller.abort();
    const events = await collect(fake.stream(ask("x", { signal: controller.signal })));
    expect(events).toEqual([
      { type: "error", kind: "cancelled", message: expect.any(String) as string, retryable: false },
    ]);
  });
});

describe("recorder and script files", () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await createTempDir("harness-models");
  });
  afterEach(async () => {
    await dir.remove();
  });

  it("records calls in the format the fake replays (round trip)", async () => {
    const file = path.join(dir.path, "run.jsonl");
    const real = new FakeModelClient([
      { text: "hello", usage: { inputTokens: 5, outputTokens: 2, cachedTokens: 4 } },
      { toolCalls: [{ id: "t1", name: "ls", input: { dir: "src" } }] },
    ]);
    const recorder = recordingModelClient(real, file);
    const controller = new AbortController();
    const recordedFirst = await recorder
      .stream(ask("one", { system: "sys", sessionId: "s1", signal: controller.signal }))
      .result();
    const recordedSecond = await recorder.stream(ask("two")).result();

    const lines = (await readFile(file, "utf8")).trim().split("\n");
    expect(lines).toHaveLength(2);
    const firstLine = JSON.parse(lines[0] ?? "") as { request: Record<string, unknown> };
    expect(firstLine.request).toEqual({
      model: "fake",
      system: "sys",
      sessionId: "s1",
      messages: [{ role: "user", content: "one" }],
    });

    const replay = await FakeModelClient.fromFile(file);
    expect(await replay.stream(ask("one")).result()).toEqual(recordedFirst);
    expect(await replay.stream(ask("two")).result()).toEqual(recordedSecond);
    replay.assertDone();
  });

  it("loads hand-written shorthand lines and names the line of a bad one", async () => {
    const file = path.join(dir.path, "script.jsonl");
    await writeFile(
      file,
      ['{"text":"hi"}', "", '{"json":{"a":1}}', '{"toolCalls":"nope"}'].join("\n"),
    );
    await expect(loadScript(file)).rejects.toThrow(InputError);
    await expect(loadScript(file)).rejects.toThrow(/script\.jsonl:4/);
    await writeFile(file, ['{"text":"hi"}', "", '{"json":{"a":1}}'].join("\n"));
    const fake = new FakeModelClient(await loadScript(file));
    expect((await fake.stream(ask("1")).result()).text).toBe("hi");
    expect((await fake.stream(ask("2")).result()).text).toBe('{"a":1}');
  });
});
