/**
 * A pipeline cycle on real llama.cpp: the router's embedded backend with the generated tiny
 * random model (tests/support/tiny-gguf.ts, CPU, one thread), the real triage stage on the local
 * tracker, `runCycle` in-process, the model reached over HTTP through the router as `harness
 * run` reaches it. The model's words are noise, but its answers follow the JSON schema the
 * stage sends (as a grammar), so they parse: the cycle completes, the issue carries exactly one
 * verdict label and one triage comment, the state file holds the verdict, the digest is
 * written. Plan and work are left out (a random model fills a ground plan's strings and lists
 * until maxTokens cuts it off, twice, a minute for nothing; it never finishes an
 * implementation); instead the plan's and the review's schemas are shown to be grammars
 * llama.cpp accepts, which they were not before (see grammarSafeResponseSchema).
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { configSchema, type HarnessConfig } from "../../src/config/schema.js";
import { createCollectingSink } from "../../src/events.js";
import { createModelClient } from "../../src/models/create-model-client.js";
import {
  LOCAL_ISSUES_DIR,
  createLocalIssue,
  createLocalTracker,
} from "../../src/tracker/local-tracker.js";
import { runCycle, type CycleStageName } from "../../src/workflows/run-cycle.js";
import { serveRouter, type RunningRouter } from "../../src/workflows/serve-router.js";
import { planResponseSchema } from "../../src/workflows/plan-schema.js";
import { createFileTriageStateStore } from "../../src/workflows/triage-state.js";
import { triageResponseSchema, verdictLabelGroup } from "../../src/workflows/triage-verdict.js";
import { reviewResponseSchema } from "../../src/workflows/work-review.js";
import { writeTinyGguf } from "../support/tiny-gguf.js";
import { budgetFor, createWorkFixture, type WorkFixture } from "./work-fixture.js";

let fixture: WorkFixture;
let router: RunningRouter;
let config: HarnessConfig;

beforeAll(async () => {
  process.env.HARNESS_EMBEDDED_GPU = "off";
  fixture = await createWorkFixture();
  const model = path.join(fixture.origin, "tiny.gguf");
  await writeTinyGguf(model, { contextLength: 8192 });
  config = configSchema.parse({
    router: {
      port: 0,
      backends: [
        { name: "tiny", kind: "embedded", model, threads: 1, contextSize: 8192, slots: 1 },
      ],
    },
    fanOut: { maxWorkers: 1 },
    // No thinking: the tiny model has no reasoning channel.
    models: { thinking: { triage: "off" } },
  });
  router = await serveRouter({ config, events: createCollectingSink() });
}, 120_000);

afterAll(async () => {
  await router?.close();
  await fixture?.cleanup();
});

const ISSUE = {
  title: "Greet harness",
  body: "greet() in src/greet.js should say Hello, harness; test.js checks it.",
};

function cycle(skip: Partial<Record<CycleStageName, boolean>>) {
  return runCycle({
    repoRoot: fixture.repo.root,
    config,
    tracker: createLocalTracker(fixture.repo.root),
    queue: fixture.queue,
    client: createModelClient({ protocol: "openai", baseURL: router.url, maxRetries: 0 }),
    routerUrl: router.url,
    budget: budgetFor(config),
    env: { PATH: process.env.PATH },
    events: createCollectingSink(),
    triageState: createFileTriageStateStore(fixture.repo.root),
    skip,
  });
}

describe("a pipeline cycle on the embedded tiny model", () => {
  it("triages: one verdict label and one triage comment, the verdict on record, a digest", async () => {
    await createLocalIssue(fixture.repo.root, ISSUE);
    const summary = await cycle({ plan: true, work: true });

    expect(summary.stages.triage.status).toBe("done");
    expect(summary.stages.plan.status).toBe("skipped");
    expect(summary.stages.work.status).toBe("skipped");
    expect(existsSync(path.join(fixture.repo.root, summary.digestPath))).toBe(true);
    const triage = summary.stages.triage.summary!;
    expect(triage.seen).toBe(1);
    const issue = await createLocalTracker(fixture.repo.root).getIssue(1);
    const verdictLabels = issue.labels.filter((label) => verdictLabelGroup.includes(label));
    const comments = path.join(fixture.repo.root, LOCAL_ISSUES_DIR, "1.comments");
    const state = await createFileTriageStateStore(fixture.repo.root).load();

    if (triage.failures.length > 0) {
      // The one answer the schema cannot make usable: "duplicate" with an issue number the
      // grammar left unbounded (llama.cpp grammars do not enforce minimum/maximum), twice in a
      // row (about 1 run in 200). The issue is then left unlabelled and pending for next time.
      expect(triage.failures).toEqual([
        { issue: 1, error: expect.stringContaining("duplicateOf") },
      ]);
      expect(verdictLabels).toEqual([]);
      expect(existsSync(comments)).toBe(false);
      expect(state.pending).toEqual([1]);
      return;
    }
    expect(triage.items).toHaveLength(1);
    const verdict = triage.items[0]!.verdict;
    expect(verdictLabels).toEqual([`harness:${verdict}`]);
    expect(readdirSync(comments)).toEqual(["triage.md"]);
    expect(readFileSync(path.join(comments, "triage.md"), "utf8")).toContain(
      `Triage verdict: ${verdict}`,
    );
    expect(state.issues["1"]?.verdict).toBe(verdict);
    expect(state.pending).toEqual([]);
  }, 60_000);

  it("sends the triage, plan and review schemas as grammars llama.cpp accepts", async () => {
    // A 2000-character string bound made llama.cpp refuse the plan's and the review's grammar
    // (400 "failed to parse grammar"); grammarSafeResponseSchema caps them. A few tokens are
    // enough to show the grammar was built: generation starts and stops at max_tokens.
    for (const { name, schema } of [
      triageResponseSchema,
      planResponseSchema,
      reviewResponseSchema,
    ]) {
      const response = await fetch(`${router.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model: "default",
          messages: [{ role: "user", content: "Answer with the JSON object." }],
          response_format: { type: "json_schema", json_schema: { name, schema } },
          max_tokens: 8,
          stream: false,
        }),
      });
      const answer = (await response.json()) as {
        choices?: { finish_reason: string; message: { content: string } }[];
      };
      expect({ name, status: response.status }).toEqual({ name, status: 200 });
      expect(answer.choices?.[0]?.finish_reason).toBe("length");
      expect(answer.choices?.[0]?.message.content.startsWith("{")).toBe(true);
    }
  }, 60_000);
});
