/**
 * `runTriageCommand` end to end on the local tracker: the config's router is a fake
 * llama-server-like backend (it answers /health, so the command uses it as the router) whose
 * reply is a verdict. A dry run prints the verdict and writes nothing; a real run labels,
 * comments, writes the state file and reports the summary as JSON.
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { runTriageCommand } from "../../src/commands/triage.js";
import { LOCAL_ISSUES_DIR, createLocalIssue } from "../../src/tracker/local-tracker.js";
import { TRIAGE_STATE_FILE } from "../../src/workflows/triage-state.js";
import { captureCommand, resultRecord } from "../support/command-context.js";
import { startFakeOpenAiBackend, type FakeLlmBackend } from "../support/fake-llm-backends.js";
import { createTempGitRepo, type TempGitRepo } from "../support/temp-git-repo.js";

let repo: TempGitRepo;
let backend: FakeLlmBackend;

const reply = JSON.stringify({
  verdict: "valid",
  reasons: ["the total ignores later items"],
  confidence: 0.75,
  evidence: ["src/cart.ts:2"],
});

beforeEach(async () => {
  backend = await startFakeOpenAiBackend({ name: "fake-router", reply });
  const port = new URL(backend.url).port;
  repo = createTempGitRepo({
    "harness.config.yaml": `router:\n  port: ${port}\n`,
    "src/cart.ts": "export function cartTotal(items: number[]) {\n  return items[0];\n}\n",
  });
  await createLocalIssue(repo.root, { title: "Cart total", body: "cartTotal is wrong" });
});

afterEach(async () => {
  repo?.cleanup();
  await backend?.close();
});

async function run(
  options: { dryRun?: boolean; issue?: number },
  json: boolean,
): Promise<{ exitCode: number; stdout: string }> {
  const { ctx, output } = captureCommand({ cwd: repo.root, json });
  const { exitCode } = await runTriageCommand(options, ctx);
  return { exitCode, stdout: output() };
}

describe("runTriageCommand", () => {
  it("prints verdicts and writes nothing in a dry run", async () => {
    const { exitCode, stdout } = await run({ dryRun: true }, false);
    expect(exitCode).toBe(0);
    expect(stdout).toContain("#1 valid, confidence 0.75, trusted");
    expect(stdout).toContain("dry run: nothing written");
    expect(existsSync(path.join(repo.root, TRIAGE_STATE_FILE))).toBe(false);
    expect(existsSync(path.join(repo.root, LOCAL_ISSUES_DIR, "1.comments"))).toBe(false);
    expect(backend.requests).toHaveLength(1);
  });

  it("labels, comments and reports the summary as JSON", async () => {
    const { exitCode, stdout } = await run({ issue: 1 }, true);
    expect(exitCode).toBe(0);
    const result = resultRecord(stdout);
    expect(result).toMatchObject({
      command: "triage",
      triaged: 1,
      items: [{ issue: 1, verdict: "valid", trusted: true, commentAction: "created" }],
    });
    expect(existsSync(path.join(repo.root, TRIAGE_STATE_FILE))).toBe(true);
    expect(readdirSync(path.join(repo.root, LOCAL_ISSUES_DIR, "1.comments"))).toContain(
      "triage.md",
    );
  });
});
