/**
 * `harness agent run` and `harness command run` through the built CLI: a repository set up by
 * `harness init`, a router the CLI starts in-process (nothing answers on the configured port)
 * in front of a scripted llama-server-like backend, and the built-in agent's real tools.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

import { exitCodeOf, formatRunResult, parseRunner } from "../../src/commands/agent.js";
import { InputError } from "../../src/errors.js";
import type { AgentRunResult } from "../../src/agents/types.js";
import {
  startScriptedOpenAiBackend,
  type ScriptedBackend,
  type ScriptedStep,
} from "../agents/fixtures/scripted-openai-backend.js";
import { ensureBuiltCli } from "../support/built-cli.js";
import { runHarness } from "../support/run-cli.js";
import { createTempGitRepo, type TempGitRepo } from "../support/temp-git-repo.js";

let repo: TempGitRepo | undefined;
let backend: ScriptedBackend | undefined;
beforeAll(async () => {
  await ensureBuiltCli();
}, 180_000);
afterEach(async () => {
  repo?.cleanup();
  repo = undefined;
  await backend?.close();
  backend = undefined;
});

const usage = { promptTokens: 900, completionTokens: 20, cachedTokens: 600 };

async function repoWithScriptedRouter(script: ScriptedStep[]): Promise<TempGitRepo> {
  repo = createTempGitRepo({ "README.md": "# demo\n\nA demo project.\n" });
  const init = await runHarness(["init", "--yes"], { cwd: repo.root });
  expect(init.exitCode).toBe(0);
  repo.git("add", "-A");
  repo.git("commit", "-qm", "init");
  backend = await startScriptedOpenAiBackend(script);
  // A port nothing listens on, so the CLI starts its own router for the run.
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  writeFileSync(
    path.join(repo.root, "harness.config.yaml"),
    [
      "router:",
      `  port: ${port}`,
      "  backends:",
      "    - name: scripted",
      "      kind: llama-server",
      `      url: ${backend.url}`,
      "models:",
      "  default: scripted",
      "",
    ].join("\n"),
  );
  return repo;
}

describe("harness agent run", () => {
  it("runs the built-in agent through a router it starts, and reports what changed", async () => {
    const { root } = await repoWithScriptedRouter([
      { toolCall: { name: "read_file", input: { path: "README.md" } }, usage },
      {
        toolCall: { name: "write_file", input: { path: "NOTES.md", content: "Read it.\n" } },
        usage,
      },
      { toolCall: { name: "finish", input: { status: "done", summary: "Wrote NOTES.md" } }, usage },
    ]);
    const run = await runHarness(["agent", "run", "implementer", "Take notes", "--json"], {
      cwd: root,
      env: { GITHUB_TOKEN: "ghp_not_for_agents" },
    });
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    const result = run.records.find((record) => record.type === "result") as unknown as
      AgentRunResult | undefined;
    expect(result).toMatchObject({
      runner: "builtin",
      agent: "implementer",
      status: "done",
      summary: "Wrote NOTES.md",
      filesChanged: ["NOTES.md"],
      turns: 3,
      usage: { inputTokens: 2700, outputTokens: 60, cachedTokens: 1800 },
    });
    expect(readFileSync(path.join(root, "NOTES.md"), "utf8")).toBe("Read it.\n");
    // Progress while it runs: one event per tool call.
    const tools = run.records.filter((record) => record.type === "agent-tool-finished");
    expect(tools.map((record) => [record.turn, record.tool, record.isError])).toEqual([
      [1, "read_file", false],
      [2, "write_file", false],
      [3, "finish", false],
    ]);
    expect(existsSync(result!.transcriptPath)).toBe(true);
    expect(result!.transcriptPath.startsWith(path.join(root, ".harness", "runs"))).toBe(true);

    // The agent's prompt is the implementer's; the README it read came back as a tool result.
    const [first, second] = backend!.requests as Array<{ messages: Array<{ content: unknown }> }>;
    expect(JSON.stringify(first!.messages[0])).toContain("You are the implementer");
    expect(JSON.stringify(second!.messages)).toContain("A demo project.");
    expect(JSON.stringify(backend!.requests)).not.toContain("ghp_not_for_agents");
  }, 60_000);

  it("exits 7 when the turn budget ends the run", async () => {
    const { root } = await repoWithScriptedRouter([
      { toolCall: { name: "list_dir", input: { path: "." } }, usage },
    ]);
    const run = await runHarness(["agent", "run", "triager", "Look around", "--max-turns", "2"], {
      cwd: root,
    });
    expect(run.exitCode).toBe(7);
    expect(run.stdout).toContain("budget-exhausted (turns budget)");
  }, 60_000);

  it("names the known agents when the one asked for does not exist", async () => {
    const { root } = await repoWithScriptedRouter([{ text: "unused", usage }]);
    const run = await runHarness(["agent", "run", "nobody", "x"], { cwd: root });
    expect(run.exitCode).toBe(5);
    expect(run.stderr).toContain("implementer");
    expect(backend!.requests).toHaveLength(0);
  }, 60_000);
});

describe("harness command run", () => {
  it("prints a slash command's rendered prompt with its arguments", async () => {
    const { root } = await repoWithScriptedRouter([{ text: "unused", usage }]);
    const run = await runHarness(["command", "run", "triage", "42", "43", "--print"], {
      cwd: root,
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("Issues to triage: 42 43");
  }, 60_000);

  it("runs the rendered command as an agent task", async () => {
    const { root } = await repoWithScriptedRouter([
      { toolCall: { name: "finish", input: { status: "done", summary: "Synced" } }, usage },
    ]);
    const run = await runHarness(["command", "run", "sync", "--json"], { cwd: root });
    expect(run.exitCode).toBe(0);
    const result = run.records.find((record) => record.type === "result");
    expect(result).toMatchObject({ agent: "command:sync", status: "done", summary: "Synced" });
    const [request] = backend!.requests as Array<{ messages: Array<{ content: unknown }> }>;
    expect(JSON.stringify(request!.messages)).toContain("PROGRESS.md");
  }, 60_000);
});

describe("agent run helpers", () => {
  const result: AgentRunResult = {
    runId: "r1",
    runner: "builtin",
    agent: "implementer",
    status: "budget-exhausted",
    budget: "tokens",
    summary: "Stopped.",
    filesChanged: [],
    usage: { inputTokens: 10, outputTokens: 2, cachedTokens: 4 },
    costUsd: 0,
    turns: 1,
    durationMs: 1500,
    transcriptPath: "/x/transcript.jsonl",
  };

  it("maps a run's status to the exit code", () => {
    expect(exitCodeOf(result)).toBe(7);
    expect(exitCodeOf({ ...result, status: "done" })).toBe(0);
    expect(exitCodeOf({ ...result, status: "failed" })).toBe(1);
    expect(exitCodeOf({ ...result, status: "timed-out" })).toBe(7);
  });

  it("says which budget ended a run and what it cost", () => {
    const lines = formatRunResult(result);
    expect(lines[0]).toBe(
      "budget-exhausted (tokens budget): implementer on builtin, 1 turn(s), 1.5 s",
    );
    expect(lines[1]).toBe("tokens: 10 in (4 cached), 2 out; cost $0.0000");
  });

  it("accepts the three runners only", () => {
    expect(parseRunner(undefined, "claude")).toBe("claude");
    expect(() => parseRunner("gemini", "builtin")).toThrow(InputError);
  });
});
