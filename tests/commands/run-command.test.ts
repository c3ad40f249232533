/**
 * `runRunCommand` on the local tracker: the config's router is a fake OpenAI-like backend that
 * answers every request with a triage verdict, so the real triage stage runs through it; plan
 * and work are fakes. One cycle prints a line per stage and the digest path and reports the
 * summary as JSON; a held cycle lock makes it skip (exit 0) without touching the router; a
 * failed stage exits 1; without --once it points at the daemon.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { runRunCommand } from "../../src/commands/run.js";
import { ExitCode, InputError } from "../../src/errors.js";
import { createLocalIssue, createLocalTracker } from "../../src/tracker/local-tracker.js";
import { CYCLE_LOCK_FILE } from "../../src/workflows/cycle-lock.js";
import type { CycleStages } from "../../src/workflows/run-cycle.js";
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

const fakeStages = (calls: string[], failPlan = false): CycleStages => ({
  plan: async (options) => {
    calls.push("plan");
    if (failPlan) throw new Error("the planner crashed");
    const state = await options.triageState.load();
    const valid = Object.entries(state.issues)
      .filter(([, entry]) => entry.verdict === "valid")
      .map(([issue]) => Number(issue));
    return {
      planned: valid.map((issue) => ({
        issue,
        items: [`issue-${issue}`],
        created: true,
        epic: false,
      })),
      untrusted: [],
      alreadyPlanned: [],
      deferred: [],
      failures: [],
    };
  },
  work: async (options) => {
    calls.push(`work untilIdle=${options.untilIdle}`);
    return { items: [] };
  },
});

async function run(
  options: { once?: boolean },
  json: boolean,
  stages: CycleStages,
): Promise<{ exitCode: number; stdout: string }> {
  const { ctx, output } = captureCommand({ cwd: repo.root, json });
  const { exitCode } = await runRunCommand(options, ctx, { stages });
  return { exitCode, stdout: output() };
}

describe("runRunCommand", () => {
  it("runs one cycle with the real triage, prints a line per stage and the digest", async () => {
    const calls: string[] = [];
    const { exitCode, stdout } = await run({ once: true }, false, fakeStages(calls));
    expect(exitCode).toBe(ExitCode.ok);
    expect(calls).toEqual(["plan", "work untilIdle=true"]);
    expect(backend.requests.length).toBeGreaterThanOrEqual(1);
    expect(stdout).toContain("triage: 1 issue(s) seen: 1 triaged, 0 unchanged");
    expect(stdout).toContain("plan: 1 planned (1 item(s))");
    expect(stdout).toContain("work: no item worked");
    const digestLine = stdout.split("\n").find((line) => line.startsWith("digest: "));
    const digestPath = digestLine?.slice("digest: ".length) ?? "";
    expect(digestPath.startsWith(path.join(repo.root, ".harness", "runs"))).toBe(true);
    expect(existsSync(digestPath)).toBe(true);
    expect((await createLocalTracker(repo.root).getIssue(1)).labels).toContain("harness:valid");
    expect(existsSync(path.join(repo.root, CYCLE_LOCK_FILE))).toBe(false);
  });

  it("reports the run summary as JSON", async () => {
    const { exitCode, stdout } = await run({ once: true }, true, fakeStages([]));
    expect(exitCode).toBe(ExitCode.ok);
    expect(resultRecord(stdout)).toMatchObject({
      command: "run",
      skipped: false,
      failed: false,
      stages: {
        triage: {
          status: "done",
          summary: { triaged: 1, items: [{ issue: 1, verdict: "valid" }] },
        },
        plan: { status: "done", summary: { planned: [{ issue: 1, items: ["issue-1"] }] } },
        work: { status: "done" },
      },
    });
  });

  it("skips with exit 0 while another cycle holds the lock, and starts no router", async () => {
    const lockFile = path.join(repo.root, CYCLE_LOCK_FILE);
    mkdirSync(path.dirname(lockFile), { recursive: true });
    writeFileSync(
      lockFile,
      JSON.stringify({
        pid: process.ppid,
        host: os.hostname(),
        startedAt: "2026-11-22T10:00:00.000Z",
        token: "theirs",
      }),
    );
    const calls: string[] = [];
    const text = await run({ once: true }, false, fakeStages(calls));
    expect(text.exitCode).toBe(ExitCode.ok);
    expect(text.stdout).toContain(
      `a cycle is already running (pid ${process.ppid} on ${os.hostname()} since 2026-11-22T10:00:00.000Z)`,
    );
    const json = await run({ once: true }, true, fakeStages(calls));
    expect(resultRecord(json.stdout)).toMatchObject({
      command: "run",
      skipped: true,
      holder: { pid: process.ppid },
    });
    expect(calls).toEqual([]);
    expect(backend.requests).toHaveLength(0);
    expect(existsSync(lockFile)).toBe(true);
  });

  it("exits 1 when a stage failed, after running the others", async () => {
    const calls: string[] = [];
    const { exitCode, stdout } = await run({ once: true }, false, fakeStages(calls, true));
    expect(exitCode).toBe(ExitCode.failed);
    expect(calls).toEqual(["plan", "work untilIdle=true"]);
    expect(stdout).toContain("plan: failed: the planner crashed");
  });

  it("starts no router when no stage needs a model (nothing to triage, plan or work)", async () => {
    // No router answers at this port and no backend is configured: a router started for this
    // run would be llama.cpp in-process with its default model, which needs a download.
    const closed = await startFakeOpenAiBackend({ name: "gone", reply });
    const port = new URL(closed.url).port;
    await closed.close();
    repo.cleanup();
    repo = createTempGitRepo({ "harness.config.yaml": `router:\n  port: ${port}\n` });
    const { exitCode, stdout } = await run({ once: true }, false, {});
    expect(exitCode).toBe(ExitCode.ok);
    expect(stdout).toContain("triage: 0 issue(s) seen");
    expect(stdout).not.toContain("router started");
  });

  it("asks for --once and points at the daemon", async () => {
    const error = await run({}, false, fakeStages([])).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).hint).toContain("harness daemon");
  });
});
