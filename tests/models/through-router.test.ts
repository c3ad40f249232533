/**
 * The model client as the harness uses it: through the router to real llama.cpp (the embedded
 * backend with a tiny generated model), in both wire formats. The Anthropic client's calls are
 * translated by the router into the OpenAI format the embedded backend speaks.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.js";
import { createCollectingSink } from "../../src/events.js";
import { createModelClient } from "../../src/models/create-model-client.js";
import { serveRouter, type RunningRouter } from "../../src/workflows/serve-router.js";
import { writeTinyGguf } from "../support/tiny-gguf.js";

const verdictSchema = {
  name: "verdict",
  schema: {
    type: "object",
    properties: {
      verdict: { enum: ["accept", "needs-info", "duplicate"] },
      reason: { type: "string", maxLength: 40 },
    },
    required: ["verdict", "reason"],
    additionalProperties: false,
  },
};

describe("model client through the router to llama.cpp", () => {
  const work = mkdtempSync(path.join(os.tmpdir(), "harness-models-router-"));
  let router: RunningRouter;

  beforeAll(async () => {
    await writeTinyGguf(path.join(work, "tiny.gguf"), { contextLength: 4096 });
    router = await serveRouter({
      config: configSchema.parse({
        router: {
          port: 0,
          backends: [
            { name: "llama", kind: "embedded", model: path.join(work, "tiny.gguf"), threads: 1 },
          ],
        },
      }),
      events: createCollectingSink(),
    });
  }, 120_000);

  afterAll(async () => {
    await router?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it.each(["openai", "anthropic"] as const)(
    "gets schema-valid structured output over the %s format",
    async (protocol) => {
      const client = createModelClient({ protocol, baseURL: router.url, maxRetries: 0 });
      const result = await client
        .stream({
          model: "triage",
          system: "You triage issues.",
          messages: [{ role: "user", content: "Issue: the config loader crashes on empty files." }],
          responseSchema: verdictSchema,
          // The tiny model spells JSON about a character per token: leave room for ~150 chars.
          maxTokens: 400,
          sessionId: `session-${protocol}`,
        })
        .result();
      expect(result.parsed).toMatchObject({
        verdict: expect.any(String),
        reason: expect.any(String),
      });
      expect(["accept", "needs-info", "duplicate"]).toContain(
        (result.parsed as { verdict: string }).verdict,
      );
      expect(result.usage.inputTokens).toBeGreaterThan(0);
      expect(result.usage.outputTokens).toBeGreaterThan(0);
    },
    60_000,
  );

  it("streams text deltas and ends with usage", async () => {
    const client = createModelClient({ protocol: "openai", baseURL: router.url, maxRetries: 0 });
    const stream = client.stream({
      model: "any",
      messages: [{ role: "user", content: "Say something." }],
      maxTokens: 16,
    });
    const kinds = new Set<string>();
    for await (const event of stream) kinds.add(event.type);
    expect(kinds).toEqual(new Set(["text-delta", "usage", "done"]));
    expect((await stream.result()).stopReason).toBe("length");
  }, 60_000);
});
