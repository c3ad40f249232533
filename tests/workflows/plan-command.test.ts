/**
 * `runPlanCommand` end to end on the local tracker: the config's router is a fake
 * llama-server-like backend (it answers /health, so the command uses it as the router) whose
 * reply is a ground plan. A run plans the valid issue into the file queue and a rerun sends no
 * request; `--json` reports the summary; `--issue` refuses an issue that is not valid; an
 * unusable answer makes the exit code say failed.
 */
import { existsSync } from "node:fs";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { runPlanCommand } from "../../src/commands/plan.js";
import { ExitCode } from "../../src/errors.js";
import { createLocalIssue, createLocalTracker } from "../../src/tracker/local-tracker.js";
import {
  createFileTriageStateStore,
  hashIssueText,
  type TriageState,
} from "../../src/workflows/triage-state.js";
import { captureCommand, jsonRecords, resultRecord } from "../support/command-context.js";
import { startFakeOpenAiBackend, type FakeLlmBackend } from "../support/fake-llm-backends.js";
import { createTempGitRepo, type TempGitRepo } from "../support/temp-git-repo.js";

let repo: TempGitRepo;
let backend: FakeLlmBackend | undefined;

const plan = JSON.stringify({
  title: "Sum every item in the cart total",
  goal: "The cart total is the sum of all prices.",
  background: "src/cart.ts:2 returns only the first price.",
  files: [
    { path: "src/cart.ts", change: "sum the prices" },
    { path: "tests/cart.test.ts", change: "new cases", new: true },
  ],
  steps: [{ text: "Sum the prices in src/cart.ts.", check: "tests pass" }],
  tests: [{ file: "tests/cart.test.ts", case: "sums three prices", failsBefore: true }],
  risks: [],
  outOfScope: [],
  size: "s",
});

async function startRepo(reply: string): Promise<void> {
  backend = await startFakeOpenAiBackend({ name: "fake-router", reply });
  const port = new URL(backend.url).port;
  repo = createTempGitRepo({
    "harness.config.yaml": `router:\n  port: ${port}\n`,
    "src/cart.ts": "export function cartTotal(items: number[]) {\n  return items[0];\n}\n",
  });
  await createLocalIssue(repo.root, { title: "Cart total", body: "cartTotal is wrong" });
  await createLocalIssue(repo.root, { title: "Make it nicer" });
  const tracker = createLocalTracker(repo.root);
  const state: TriageState = { version: 1, cursor: "", pending: [], issues: {} };
  for (const [number, verdict] of [
    [1, "valid"],
    [2, "needs-info"],
  ] as const) {
    const issue = await tracker.getIssue(number);
    state.issues[String(number)] = {
      hash: hashIssueText(issue.title, issue.body),
      verdict,
      triagedAt: "2026-11-22T10:00:00.000Z",
    };
  }
  await createFileTriageStateStore(repo.root).save(state);
}

beforeEach(() => {
  backend = undefined;
});

afterEach(async () => {
  repo?.cleanup();
  await backend?.close();
});

async function run(
  options: { issue?: number },
  json: boolean,
): Promise<{ exitCode: number; stdout: string }> {
  const { ctx, output } = captureCommand({ cwd: repo.root, json });
  const { exitCode } = await runPlanCommand(options, ctx);
  return { exitCode, stdout: output() };
}

const pendingItem = () => path.join(repo.root, ".harness", "queue", "pending", "issue-1.md");

describe("runPlanCommand", () => {
  it("plans the valid issue into the queue, and a rerun sends no request", async () => {
    await startRepo(plan);
    const first = await run({}, false);
    expect(first.exitCode).toBe(ExitCode.ok);
    expect(first.stdout).toContain("#1 planned: issue-1");
    expect(first.stdout).toContain("1 planned, 0 already planned");
    expect(existsSync(pendingItem())).toBe(true);
    expect(backend!.requests).toHaveLength(1);
    expect((await createLocalTracker(repo.root).getIssue(1)).labels).toContain("harness:planned");

    const second = await run({}, false);
    expect(second.exitCode).toBe(ExitCode.ok);
    expect(second.stdout).toContain("already planned: #1");
    expect(second.stdout).toContain("0 planned, 1 already planned");
    expect(backend!.requests).toHaveLength(1);
  });

  it("reports the summary and the stage's events as JSON", async () => {
    await startRepo(plan);
    const { exitCode, stdout } = await run({ issue: 1 }, true);
    expect(exitCode).toBe(ExitCode.ok);
    const lines = jsonRecords(stdout);
    expect(lines.find((record) => record["type"] === "result")).toEqual({
      type: "result",
      command: "plan",
      planned: [{ issue: 1, items: ["issue-1"], created: true, epic: false }],
      untrusted: [],
      alreadyPlanned: [],
      deferred: [],
      failures: [],
    });
    const types = lines.map((record) => record["type"]);
    expect(types).toEqual(
      expect.arrayContaining(["stage-started", "issue-planned", "stage-finished"]),
    );
  });

  it("refuses --issue for an issue that is not valid", async () => {
    await startRepo(plan);
    await expect(run({ issue: 2 }, false)).rejects.toThrow(/triage verdict needs-info/);
    await expect(run({ issue: 0 }, false)).rejects.toThrow(/positive issue number/);
    expect(backend!.requests).toHaveLength(0);
  });

  it("exits with failed when the model's plan is unusable", async () => {
    await startRepo(JSON.stringify({ title: "not a plan" }));
    const { exitCode, stdout } = await run({}, true);
    expect(exitCode).toBe(ExitCode.failed);
    const result = resultRecord(stdout);
    expect(result).toMatchObject({
      planned: [],
      failures: [{ issue: 1, error: expect.stringContaining("invalid twice") }],
    });
    expect(backend!.requests).toHaveLength(2);
    expect(existsSync(pendingItem())).toBe(false);
  });
});
