/**
 * The claude runner against a fake `claude` executable: the flags and environment it passes,
 * how it reads Claude Code's stream (lines recorded from the real 2.1.197 in
 * fixtures/claude-stream/), and how timeouts, aborts and budgets end a run. The real binary is
 * exercised in claude-runner.e2e.test.ts.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  claudeArguments,
  claudeEnvironment,
  createClaudeRunner,
} from "../../../src/agents/runners/claude-runner.js";
import { ConfigError } from "../../../src/errors.js";
import { createTempDir, type TempDir } from "../../support/temp-dir.js";
import { createTempGitRepo, type TempGitRepo } from "../../support/temp-git-repo.js";
import { makeRunInput } from "../fixtures/agent-run-input.js";
import { fakeAgentCli, isProcessAlive, type FakeScenario } from "../fixtures/fake-agent-cli.js";

const recorded = (name: string) =>
  readFileSync(
    path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/claude-stream", name),
    "utf8",
  )
    .split("\n")
    .filter((line) => line.trim() !== "");

const resultLine = (fields: Record<string, unknown>) =>
  JSON.stringify({
    type: "result",
    subtype: "success",
    is_error: false,
    num_turns: 1,
    result: "ok",
    session_id: "s",
    ...fields,
  });

let repo: TempGitRepo;
let scratch: TempDir;
beforeEach(async () => {
  repo = createTempGitRepo({ "notes.txt": "hello\n" });
  scratch = await createTempDir("harness-claude-runner");
});
afterEach(async () => {
  repo.cleanup();
  await scratch.remove();
});

function setUp(
  scenario: FakeScenario,
  overrides: Partial<Parameters<typeof makeRunInput>[0]> = {},
) {
  const fake = fakeAgentCli(scratch.path, "claude", scenario);
  const input = makeRunInput({
    workspace: repo.root,
    runDir: path.join(scratch.path, "run"),
    routerUrl: "http://127.0.0.1:8788",
    task: "-p looks like a flag but is the task",
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: scratch.path,
      LANG: "C.UTF-8",
      GITHUB_TOKEN: "ghp_secret",
      GH_TOKEN: "gho_secret",
      ANTHROPIC_API_KEY: "sk-ant-user",
      AWS_SECRET_ACCESS_KEY: "aws-secret",
      NPM_TOKEN: "npm-secret",
      SSH_AUTH_SOCK: "/tmp/ssh-agent.sock",
    },
    ...overrides,
  });
  return { fake, input, runner: createClaudeRunner({ binary: fake.binary }) };
}

describe("claudeArguments", () => {
  const input = makeRunInput({ workspace: "/ws", runDir: "/ws/.harness/runs/1" });

  it("asks for stream-json, an explicit permission mode and the agent's limits", () => {
    const args = claudeArguments(input);
    const after = (flag: string) => args[args.indexOf(flag) + 1];
    expect(args[0]).toBe("-p");
    expect(after("--output-format")).toBe("stream-json");
    expect(args).toContain("--verbose");
    expect(after("--permission-mode")).toBe("dontAsk");
    expect(after("--model")).toBe("local");
    expect(after("--max-turns")).toBe("10");
    expect(after("--append-system-prompt")).toBe(input.agent.prompt);
    expect(after("--setting-sources")).toBe("project");
    expect(args).toEqual(
      expect.arrayContaining(["--strict-mcp-config", "--no-session-persistence"]),
    );
    expect(args).not.toContain("--bare");
    expect(args).not.toContain("--max-budget-usd");
    // The task is not in argv: it goes to stdin.
    expect(args.join(" ")).not.toContain(input.task);
  });

  it("offers only the agent's tools, confines file tools to the workspace, forbids spawning", () => {
    const args = claudeArguments(input);
    const tools = args.indexOf("--tools");
    expect(args[tools + 1]).toBe("Read,Edit,Bash");
    const allowed = args.slice(
      args.indexOf("--allowedTools") + 1,
      args.indexOf("--disallowedTools"),
    );
    expect(allowed).toEqual(["Read(./**)", "Edit(./**)", "Bash"]);
    expect(
      args.slice(args.indexOf("--disallowedTools") + 1, args.indexOf("--disallowedTools") + 3),
    ).toEqual(["Task", "Agent"]);
  });

  it("drops sub-agent tools a worker lists, keeps them for an orchestrator", () => {
    const worker = makeRunInput({
      workspace: "/ws",
      runDir: "/r",
      agent: { tools: ["Read", "Task", "Bash(npm test *)"] },
    });
    const workerArgs = claudeArguments(worker);
    expect(workerArgs[workerArgs.indexOf("--tools") + 1]).toBe("Read,Bash");
    expect(workerArgs).toContain("Bash(npm test *)");
    const orchestrator = { ...worker, budgets: { ...worker.budgets, spawnDepth: 1 } };
    const orchestratorArgs = claudeArguments(orchestrator);
    expect(orchestratorArgs[orchestratorArgs.indexOf("--tools") + 1]).toBe("Read,Task,Bash");
    expect(orchestratorArgs).not.toContain("--disallowedTools");
  });

  it("uses the default worker tools when the agent lists none, and no tools for []", () => {
    const all = claudeArguments(
      makeRunInput({ workspace: "/ws", runDir: "/r", agent: { tools: undefined } }),
    );
    expect(all[all.indexOf("--tools") + 1]).toBe("Read,Edit,Write,Glob,Grep,Bash");
    const none = claudeArguments(
      makeRunInput({ workspace: "/ws", runDir: "/r", agent: { tools: [] } }),
    );
    expect(none[none.indexOf("--tools") + 1]).toBe("");
    expect(none).not.toContain("--allowedTools");
  });

  it("lets the agent's model and maxTurns win unless inherit / looser", () => {
    const own = claudeArguments(
      makeRunInput({ workspace: "/ws", runDir: "/r", agent: { model: "opus", maxTurns: 3 } }),
    );
    expect(own[own.indexOf("--model") + 1]).toBe("opus");
    expect(own[own.indexOf("--max-turns") + 1]).toBe("3");
    const inherit = claudeArguments(
      makeRunInput({ workspace: "/ws", runDir: "/r", agent: { model: "inherit", maxTurns: 99 } }),
    );
    expect(inherit[inherit.indexOf("--model") + 1]).toBe("local");
    expect(inherit[inherit.indexOf("--max-turns") + 1]).toBe("10");
  });

  it("adds --bare, --system-prompt and --max-budget-usd when asked", () => {
    const args = claudeArguments(
      makeRunInput({ workspace: "/ws", runDir: "/r", budgets: { maxCostUsd: 2.5 } }),
      { bare: true, systemPrompt: "replace" },
    );
    expect(args).toContain("--bare");
    expect(args[args.indexOf("--system-prompt") + 1]).toBe(input.agent.prompt);
    expect(args).not.toContain("--append-system-prompt");
    expect(args[args.indexOf("--max-budget-usd") + 1]).toBe("2.5");
  });

  it("points the environment at the router and drops the caller's secrets", () => {
    const env = claudeEnvironment(
      { ...input, env: { PATH: "/bin", GITHUB_TOKEN: "ghp_x", ANTHROPIC_API_KEY: "sk-user" } },
      { routerToken: "router-secret", maxRetries: 1 },
    );
    expect(env).toEqual({
      PATH: "/bin",
      ANTHROPIC_BASE_URL: input.routerUrl,
      ANTHROPIC_API_KEY: "router-secret",
      CLAUDE_CODE_MAX_RETRIES: "1",
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      DISABLE_TELEMETRY: "1",
      DISABLE_ERROR_REPORTING: "1",
      DISABLE_AUTOUPDATER: "1",
    });
  });
});

describe("claude runner with a fake claude", () => {
  it("passes flags, a scrubbed environment and the task on stdin; reads a recorded run", async () => {
    const { fake, input, runner } = setUp({
      lines: recorded("edit.jsonl"),
      files: { "notes.txt": "hello, edited\n" },
    });
    const result = await runner.run(input);
    const seen = fake.record();

    expect(seen.args).toEqual(claudeArguments(input));
    expect(seen.stdin).toBe(input.task);
    expect(seen.cwd).toBe(repo.root);
    expect(seen.env.ANTHROPIC_BASE_URL).toBe("http://127.0.0.1:8788");
    expect(seen.env.ANTHROPIC_API_KEY).toBe("harness-router");
    expect(seen.env.CLAUDE_CODE_MAX_RETRIES).toBe("2");
    expect(seen.env.LANG).toBe("C.UTF-8");
    for (const secret of [
      "GITHUB_TOKEN",
      "GH_TOKEN",
      "AWS_SECRET_ACCESS_KEY",
      "NPM_TOKEN",
      "SSH_AUTH_SOCK",
    ]) {
      expect(seen.env, secret).not.toHaveProperty(secret);
    }
    expect(JSON.stringify(seen.env)).not.toMatch(/ghp_secret|gho_secret|sk-ant-user|aws-secret/);

    expect(result).toMatchObject({
      runId: "run-test",
      runner: "claude",
      agent: "implementer",
      status: "done",
      summary: "Edited notes.txt.",
      filesChanged: ["notes.txt"],
      // Recorded: the backend reported 900+1000+1200 prompt tokens, 800+1000 of them cached.
      usage: { inputTokens: 3100, outputTokens: 58, cachedTokens: 1800 },
      turns: 3,
      transcriptPath: path.join(input.runDir, "transcript.jsonl"),
    });
    expect(result.costUsd).toBeGreaterThan(0);
    expect(result.error).toBeUndefined();
    expect(readFileSync(result.transcriptPath, "utf8")).toBe(
      `${recorded("edit.jsonl").join("\n")}\n`,
    );
  });

  it("reports an API error (subtype success, is_error true, exit 1) as failed", async () => {
    const { input, runner } = setUp({ lines: recorded("api-error.jsonl"), exitCode: 1 });
    const result = await runner.run(input);
    expect(result.status).toBe("failed");
    expect(result.error).toMatch(/^API Error: 500 scripted failure 500/);
    expect(result.summary).toBe(result.error);
    expect(result.turns).toBe(1);
  });

  it("reports error_max_turns as budget-exhausted (turns)", async () => {
    const { input, runner } = setUp({ lines: recorded("max-turns.jsonl"), exitCode: 1 });
    const result = await runner.run(input);
    expect(result).toMatchObject({
      status: "budget-exhausted",
      budget: "turns",
      summary: "Reached maximum number of turns (2)",
    });
  });

  it("reports error_max_budget_usd as budget-exhausted (cost)", async () => {
    const line = resultLine({ subtype: "error_max_budget_usd", is_error: true, result: undefined });
    const { input, runner } = setUp({ lines: [line], exitCode: 1 });
    const result = await runner.run(input);
    expect(result).toMatchObject({ status: "budget-exhausted", budget: "cost" });
  });

  it("fails a run without a result line, naming the exit code and stderr", async () => {
    const { input, runner } = setUp({
      lines: ["not json", recorded("api-error.jsonl")[3]!],
      stderr: "Error: boom\n",
      exitCode: 3,
    });
    const result = await runner.run(input);
    expect(result.status).toBe("failed");
    expect(result.error).toContain("code 3");
    expect(result.error).toContain("without a result line");
    expect(result.error).toContain("Error: boom");
    expect(result.error).toContain("last API error: server_error");
    expect(result.error).toContain("its last message: API Error: 500");
  });

  it("fails a success result with no model call, and one whose process exited non-zero", async () => {
    const noCall = setUp({ lines: [resultLine({ num_turns: 0, result: "" })] });
    expect((await noCall.runner.run(noCall.input)).status).toBe("failed");
    const nonZero = setUp({ lines: [resultLine({})], exitCode: 2 });
    const result = await nonZero.runner.run(nonZero.input);
    expect(result.status).toBe("failed");
    expect(result.error).toContain("code 2");
  });

  it("sums usage over every model in modelUsage", async () => {
    const line = resultLine({
      usage: { input_tokens: 1, output_tokens: 1 },
      modelUsage: {
        main: {
          inputTokens: 10,
          outputTokens: 5,
          cacheReadInputTokens: 30,
          cacheCreationInputTokens: 2,
        },
        small: {
          inputTokens: 4,
          outputTokens: 1,
          cacheReadInputTokens: 0,
          cacheCreationInputTokens: 0,
        },
      },
    });
    const { input, runner } = setUp({ lines: [line] });
    const result = await runner.run(input);
    expect(result.usage).toEqual({ inputTokens: 46, outputTokens: 6, cachedTokens: 30 });
  });

  it("falls back to usage when modelUsage is empty", async () => {
    const line = resultLine({
      usage: {
        input_tokens: 7,
        output_tokens: 3,
        cache_read_input_tokens: 5,
        cache_creation_input_tokens: 1,
      },
      modelUsage: {},
    });
    const { input, runner } = setUp({ lines: [line] });
    expect((await runner.run(input)).usage).toEqual({
      inputTokens: 13,
      outputTokens: 3,
      cachedTokens: 5,
    });
  });

  it("kills the whole process tree at the wall-time budget", async () => {
    const { fake, input, runner } = setUp(
      { lines: [recorded("edit.jsonl")[0]!], grandchild: true, hangMs: 60_000 },
      { budgets: { maxWallMs: 500 } },
    );
    const started = Date.now();
    const result = await runner.run(input);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result).toMatchObject({ status: "timed-out", budget: "wall-time" });
    expect(result.error).toContain("wall-time budget");
    const { grandchildPid } = fake.record();
    expect(grandchildPid).toBeDefined();
    await expect.poll(() => isProcessAlive(grandchildPid!), { timeout: 5_000 }).toBe(false);
  });

  it("does not wait for a process that left the group and holds stdout", async () => {
    const { fake, input, runner } = setUp({ lines: [resultLine({})], escapedGrandchild: true });
    const started = Date.now();
    try {
      const result = await runner.run(input);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(result.status).toBe("done");
    } finally {
      process.kill(fake.record().grandchildPid!, "SIGKILL");
    }
  });

  it("stops on abort", async () => {
    const controller = new AbortController();
    const { input, runner } = setUp({ lines: [], hangMs: 60_000 });
    setTimeout(() => controller.abort(), 300);
    const result = await runner.run({ ...input, signal: controller.signal });
    expect(result.status).toBe("failed");
    expect(result.error).toMatch(/^cancelled/);
  });

  it("does not start when already aborted", async () => {
    const { fake, input, runner } = setUp({ lines: [resultLine({})] });
    const result = await runner.run({ ...input, signal: AbortSignal.abort() });
    expect(result.status).toBe("failed");
    expect(() => fake.record()).toThrow(/never ran/);
  });

  it("stops when the assistant messages pass the token budget", async () => {
    const assistant = (id: string, input_tokens: number) =>
      JSON.stringify({
        type: "assistant",
        message: {
          id,
          content: [{ type: "text", text: "working" }],
          usage: { input_tokens, output_tokens: 1 },
        },
      });
    const { input, runner } = setUp(
      { lines: [assistant("m1", 600), assistant("m1", 600), assistant("m2", 600)], hangMs: 60_000 },
      { budgets: { maxTokens: 1_000 } },
    );
    const result = await runner.run(input);
    expect(result.status).toBe("budget-exhausted");
    expect(result.budget).toBe("tokens");
    expect(result.summary).toContain("1202 of 1000");
    expect(result.usage).toEqual({ inputTokens: 1200, outputTokens: 2, cachedTokens: 0 });
  });

  it("lists no changed files in a workspace that is not a git repository", async () => {
    const plain = await createTempDir("harness-plain-workspace");
    try {
      const { input, runner } = setUp(
        { lines: [resultLine({})], files: { "new.txt": "x" } },
        { workspace: plain.path },
      );
      const result = await runner.run(input);
      expect(result.status).toBe("done");
      expect(result.filesChanged).toEqual([]);
    } finally {
      await plain.remove();
    }
  });

  it("says how to install Claude Code when the binary is missing", async () => {
    const input = makeRunInput({
      workspace: repo.root,
      runDir: scratch.path,
      env: { PATH: scratch.path },
    });
    const missing = createClaudeRunner({ binary: path.join(scratch.path, "no-such-claude") });
    await expect(missing.run(input)).rejects.toThrow(ConfigError);
    await expect(missing.run(input)).rejects.toThrow(
      "npm i -g @anthropic-ai/claude-code, or set agents.runner: builtin",
    );
  });
});
