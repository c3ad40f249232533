/**
 * The built-in agent on real llama.cpp: the embedded backend with a generated tiny model, behind
 * the router, reached over HTTP by the OpenAI-format model client, as a worker would run it.
 *
 * The tiny model is random, so it never decides to call a tool on its own; with `tool_choice:
 * "required"` the embedded backend constrains its answer by a JSON-schema grammar built from the
 * offered tools (`{"name", "arguments"}`, one of them), which is what this test relies on: the
 * runner's `toolChoice: "required"` puts it on every request.
 * Without a `finish` tool among the offered ones, the run can only end by its turn budget.
 */
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createBuiltinRunner } from "../../src/agents/builtin-runner.js";
import type { RunEvent, TranscriptEntry } from "../../src/agents/run-log.js";
import type { AgentTool } from "../../src/agents/types.js";
import { configSchema } from "../../src/config/schema.js";
import { createCollectingSink } from "../../src/events.js";
import { createModelClient } from "../../src/models/create-model-client.js";
import { serveRouter, type RunningRouter } from "../../src/workflows/serve-router.js";
import { createTempDir, type TempDir } from "../support/temp-dir.js";
import { writeTinyGguf } from "../support/tiny-gguf.js";

/** The same schemas, as zod (to check what the model sent) and as JSON schema (sent to it). */
const noteInput = z.strictObject({ text: z.string().max(16) });
const chooseInput = z.strictObject({ option: z.enum(["red", "green", "blue"]) });

const calls: { name: string; input: unknown; valid: boolean }[] = [];

function makeTool(
  name: string,
  schema: z.ZodObject,
  inputSchema: Record<string, unknown>,
): AgentTool {
  return {
    definition: { name, description: `Test tool ${name}.`, inputSchema },
    claudeName: name,
    async run(input) {
      const valid = schema.safeParse(input).success;
      calls.push({ name, input, valid });
      return valid
        ? { content: `${name} ok` }
        : { content: `${name}: input does not match the schema`, isError: true };
    },
  };
}

const tools = [
  makeTool("note", noteInput, {
    type: "object",
    properties: { text: { type: "string", maxLength: 16 } },
    required: ["text"],
    additionalProperties: false,
  }),
  makeTool("choose", chooseInput, {
    type: "object",
    properties: { option: { enum: ["red", "green", "blue"] } },
    required: ["option"],
    additionalProperties: false,
  }),
];

let work: TempDir;
let router: RunningRouter;

beforeAll(async () => {
  process.env.HARNESS_EMBEDDED_GPU = "off";
  work = await createTempDir("agent-embedded");
  await writeTinyGguf(path.join(work.path, "tiny.gguf"), { contextLength: 8192 });
  router = await serveRouter({
    config: configSchema.parse({
      router: {
        port: 0,
        backends: [
          {
            name: "llama",
            kind: "embedded",
            model: path.join(work.path, "tiny.gguf"),
            threads: 1,
            contextSize: 8192,
          },
        ],
      },
    }),
    events: createCollectingSink(),
  });
}, 120_000);

afterAll(async () => {
  await router?.close();
  await work?.remove();
});

describe("built-in agent on embedded llama.cpp through the router", () => {
  it("makes schema-valid tool calls every turn, reuses the prompt cache and ends by its turn budget", async () => {
    const client = createModelClient({
      protocol: "openai",
      baseURL: router.url,
      maxRetries: 0,
    });
    const runner = createBuiltinRunner({
      client,
      tools,
      maxTokensPerTurn: 200,
      toolChoice: "required",
    });
    const workspace = path.join(work.path, "workspace");
    await mkdir(workspace);
    const result = await runner.run({
      agent: { name: "tiny", description: "A tiny random model.", prompt: "Use the tools." },
      task: "Take notes and choose colours.",
      workspace,
      budgets: {
        maxTurns: 4,
        maxTokens: 1_000_000,
        maxWallMs: 120_000,
        maxCostUsd: 0,
        maxRepeatedFailures: 3,
        spawnDepth: 0,
      },
      model: "tiny",
      routerUrl: router.url,
      runDir: path.join(workspace, ".harness", "runs", "embedded-1"),
      runId: "embedded-1",
      env: {},
    });

    expect(result).toMatchObject({
      status: "budget-exhausted",
      budget: "turns",
      turns: 4,
      costUsd: 0,
      filesChanged: [],
    });
    expect(result.error).toBeUndefined();

    // Every answer was a tool call among the offered ones, whose input matches its schema.
    expect(calls.length).toBeGreaterThanOrEqual(4);
    for (const call of calls) {
      expect(["note", "choose"]).toContain(call.name);
      expect(call.valid, JSON.stringify(call)).toBe(true);
    }

    const lines = (await readFile(result.transcriptPath, "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as TranscriptEntry);
    const responses = lines.flatMap((line) => (line.type === "response" ? [line] : []));
    expect(responses).toHaveLength(4);
    for (const response of responses) expect(response.stopReason).toBe("tool-calls");

    // From the second turn on, the backend's cache holds (at least most of) the previous prompt.
    const usage = responses.map((response) => response.usage);
    for (let turn = 1; turn < usage.length; turn++) {
      const previous = usage[turn - 1]!;
      const current = usage[turn]!;
      expect(current.inputTokens).toBeGreaterThan(previous.inputTokens);
      expect(
        current.cachedTokens,
        `turn ${turn + 1}: ${JSON.stringify(usage)}`,
      ).toBeGreaterThanOrEqual(0.8 * previous.inputTokens);
    }
    expect(result.usage.inputTokens).toBe(usage.reduce((sum, item) => sum + item.inputTokens, 0));
    expect(result.usage.cachedTokens).toBe(usage.reduce((sum, item) => sum + item.cachedTokens, 0));

    const events = (
      await readFile(path.join(path.dirname(result.transcriptPath), "events.jsonl"), "utf8")
    )
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as RunEvent);
    expect(events.filter((event) => event.type === "budget-hit")).toEqual([
      expect.objectContaining({ budget: "turns" }),
    ]);
  }, 120_000);
});
