/**
 * `runDaemonCommand` wiring: the session is opened against a fake router, a hand-ticked
 * scheduler runs one triage + plan cycle, the work loop runs, stdout (not a terminal) carries
 * only JSON lines, and Ctrl-C (the signal) ends it with exit 0 as its normal stop.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { runDaemonCommand } from "../../src/commands/daemon.js";
import type { DaemonScheduler } from "../../src/workflows/daemon.js";
import { captureCommand } from "../support/command-context.js";
import { startFakeOpenAiBackend, type FakeLlmBackend } from "../support/fake-llm-backends.js";
import { createTempGitRepo, type TempGitRepo } from "../support/temp-git-repo.js";

let repo: TempGitRepo;
let backend: FakeLlmBackend;

beforeEach(async () => {
  backend = await startFakeOpenAiBackend({ name: "fake-router" });
  repo = createTempGitRepo({
    "harness.config.yaml": `router:\n  port: ${new URL(backend.url).port}\n`,
  });
});

afterEach(async () => {
  repo?.cleanup();
  await backend?.close();
});

describe("runDaemonCommand", () => {
  it("logs JSON lines without a terminal and stops with exit 0 on the signal", async () => {
    const controller = new AbortController();
    const ticks: Array<() => Promise<void>> = [];
    const scheduler: DaemonScheduler = {
      schedule(name, _expression, tick) {
        if (name === "harness-cycle") ticks.push(tick);
        return { stop: () => {} };
      },
    };
    const calls: string[] = [];
    const { ctx, output } = captureCommand({ cwd: repo.root, signal: controller.signal });
    const running = runDaemonCommand({}, ctx, {
      scheduler,
      workPollMs: 10,
      stages: {
        triage: async () => {
          calls.push("triage");
          return {
            seen: 0,
            triaged: 0,
            skippedUnchanged: 0,
            deferred: 0,
            verdicts: {
              valid: 0,
              "needs-info": 0,
              duplicate: 0,
              "already-fixed": 0,
              "out-of-scope": 0,
              unsafe: 0,
            },
            failures: [],
            items: [],
          };
        },
        plan: async () => {
          calls.push("plan");
          return { planned: [], untrusted: [], alreadyPlanned: [], deferred: [], failures: [] };
        },
        work: async () => {
          calls.push("work");
          return { items: [] };
        },
      },
    });
    for (let i = 0; i < 500 && (ticks.length === 0 || !calls.includes("work")); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await ticks[0]!();
    controller.abort();
    const result = await running;
    expect(result).toEqual({ exitCode: 0, signalIsNormalStop: true });
    expect(calls.slice(0, 1)).toEqual(["work"]);
    expect(calls).toContain("plan");

    // The session's own "tracker: ..." line is text; everything the daemon writes is JSON.
    const lines = output()
      .trim()
      .split("\n")
      .filter((line) => !line.startsWith("tracker:"));
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const messages = records
      .filter((record) => record.type === "log")
      .map((record) => record.message);
    // The session's own lines are JSON log records too, before the daemon starts.
    expect(messages[0]).toBe("tracker: local tracker in .harness/issues");
    expect(messages[1]).toMatch(/^daemon started: triage and plan on "\*\/15 \* \* \* \*"/);
    expect(messages).toContainEqual(
      expect.stringMatching(/^cycle \d{8}-\d{6}-[0-9a-f]{6}: triage: 0 issue/),
    );
    expect(messages.at(-1)).toBe("daemon stopped");
    expect(records).toContainEqual(
      expect.objectContaining({ type: "stage-finished", stage: "plan" }),
    );
  });
});
