/**
 * The openai SDK's Responses client (v6) against the router: `responses.create` whole and
 * streamed, `responses.stream` with its accumulated final response, a function-call round trip
 * that feeds the SDK's own output items back, structured output through `responses.parse`, and
 * errors surfacing as the SDK's typed API errors.
 */
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import {
  startScriptedOpenAiBackend,
  type ScriptedBackend,
} from "../agents/fixtures/scripted-openai-backend.js";
import { startFakeOpenAiBackend, type FakeLlmBackend } from "../support/fake-llm-backends.js";
import { startRouter, trackFakes } from "./router-fixture.js";

const scripted: ScriptedBackend[] = [];
afterEach(async () => {
  await Promise.all(scripted.splice(0).map((backend) => backend.close()));
});

async function clientFor(fake: FakeLlmBackend): Promise<OpenAI> {
  const router = await startRouter([{ fake }]);
  return new OpenAI({ baseURL: `${router.url}/v1`, apiKey: "unused", maxRetries: 0 });
}

async function fakeClient(reply?: string): Promise<{ client: OpenAI; gpu: FakeLlmBackend }> {
  const gpu = await startFakeOpenAiBackend({ name: "gpu-1", ...(reply ? { reply } : {}) });
  trackFakes(gpu);
  return { client: await clientFor(gpu), gpu };
}

describe("the openai SDK's responses client through the router", () => {
  it("creates a response and reads output_text and usage", async () => {
    const { client } = await fakeClient();
    const response = await client.responses.create({
      model: "local",
      instructions: "Be brief.",
      input: "Say hello",
    });
    expect(response.object).toBe("response");
    expect(response.status).toBe("completed");
    expect(response.output_text).toBe("Hello from gpu-1");
    expect(response.usage?.output_tokens).toBe(3);
    expect(response.usage?.total_tokens).toBe(
      (response.usage?.input_tokens ?? 0) + (response.usage?.output_tokens ?? 0),
    );
  });

  it("iterates a streamed response event by event", async () => {
    const { client } = await fakeClient();
    const stream = await client.responses.create({
      model: "local",
      input: "Say hello",
      stream: true,
    });
    const types: string[] = [];
    let text = "";
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "response.output_text.delta") text += event.delta;
    }
    expect(text).toBe("Hello from gpu-1");
    expect(types[0]).toBe("response.created");
    expect(types.at(-1)).toBe("response.completed");
  });

  it("accumulates responses.stream into a final response", async () => {
    const { client } = await fakeClient();
    const deltas: string[] = [];
    const stream = client.responses
      .stream({ model: "local", input: "Say hello" })
      .on("response.output_text.delta", (event) => deltas.push(event.snapshot));
    const final = await stream.finalResponse();
    expect(final.output_text).toBe("Hello from gpu-1");
    expect(deltas).toEqual(["Hello", "Hello from", "Hello from gpu-1"]);
    expect(final.usage?.input_tokens).toBeGreaterThan(0);
  });

  it("runs a function-call round trip with the SDK's own output items", async () => {
    const backend = await startScriptedOpenAiBackend([
      {
        toolCall: { name: "get_weather", input: { city: "Oslo" } },
        usage: { promptTokens: 120, completionTokens: 12 },
      },
      {
        text: "It is sunny in Oslo.",
        usage: { promptTokens: 150, completionTokens: 7, cachedTokens: 120 },
      },
    ]);
    scripted.push(backend);
    const client = await clientFor({
      name: "scripted",
      url: backend.url,
    } as unknown as FakeLlmBackend);
    const tools: OpenAI.Responses.Tool[] = [
      {
        type: "function",
        name: "get_weather",
        description: "Current weather for a city.",
        parameters: {
          type: "object",
          properties: { city: { type: "string" } },
          required: ["city"],
          additionalProperties: false,
        },
        strict: true,
      },
    ];
    const input: OpenAI.Responses.ResponseInput = [{ role: "user", content: "Weather in Oslo?" }];
    const first = await client.responses
      .stream({ model: "local", input, tools, store: false })
      .finalResponse();
    const call = first.output.find((item) => item.type === "function_call");
    expect(call).toMatchObject({
      name: "get_weather",
      call_id: "call_1",
      arguments: '{"city":"Oslo"}',
    });
    if (call?.type !== "function_call") throw new Error("no function call");

    expect(first.output).toHaveLength(1);
    input.push(call, {
      type: "function_call_output",
      call_id: call.call_id,
      output: '{"sky":"sunny"}',
    });
    // The scripted backend always streams, so this client streams too.
    const second = await client.responses
      .stream({ model: "local", input, tools, store: false })
      .finalResponse();
    expect(second.output_text).toBe("It is sunny in Oslo.");
    expect(second.usage?.input_tokens_details.cached_tokens).toBe(120);
    expect(backend.requests[1]?.messages).toEqual([
      { role: "user", content: "Weather in Oslo?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: '{"sky":"sunny"}' },
    ]);
  });

  it("parses structured output from a json_schema text format", async () => {
    const { client, gpu } = await fakeClient('{"greeting": "hi"}');
    const parsed = await client.responses.parse({
      model: "local",
      input: "Greet me as JSON.",
      text: {
        format: {
          type: "json_schema",
          name: "greeting",
          strict: true,
          schema: {
            type: "object",
            properties: { greeting: { type: "string" } },
            required: ["greeting"],
            additionalProperties: false,
          },
        },
      },
    });
    expect(parsed.output_parsed).toEqual({ greeting: "hi" });
    expect(gpu.requests[0]?.body.response_format).toMatchObject({
      type: "json_schema",
      json_schema: { name: "greeting", strict: true },
    });
  });

  it("surfaces router and backend errors as the SDK's typed errors", async () => {
    const { client, gpu } = await fakeClient();
    const refused = await client.responses
      .create({ model: "local", input: "Hi", previous_response_id: "resp_1" })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as Error).message).toContain("previous_response_id");

    gpu.behavior = { status: 500 };
    const failed = await client.responses
      .create({ model: "local", input: "Hi", stream: true })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
    expect((failed as Error).message).toContain("fake failure 500");
  });
});
