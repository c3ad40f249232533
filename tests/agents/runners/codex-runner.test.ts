/**
 * The codex runner against a fake `codex` executable (no real Codex is installed here): the
 * flags and config overrides it passes, the environment (scrubbed, router key, own CODEX_HOME),
 * and how the documented `codex exec --json` events become an AgentRunResult.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  codexArguments,
  codexEnvironment,
  createCodexRunner,
} from "../../../src/agents/runners/codex-runner.js";
import { ConfigError } from "../../../src/errors.js";
import { createTempDir, type TempDir } from "../../support/temp-dir.js";
import { createTempGitRepo, type TempGitRepo } from "../../support/temp-git-repo.js";
import { makeRunInput } from "../fixtures/agent-run-input.js";
import { fakeAgentCli, isProcessAlive, type FakeScenario } from "../fixtures/fake-agent-cli.js";

const events = (name: string) =>
  readFileSync(
    path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/codex-exec", name),
    "utf8",
  )
    .split("\n")
    .filter((line) => line.trim() !== "");

let repo: TempGitRepo;
let scratch: TempDir;
beforeEach(async () => {
  repo = createTempGitRepo({ "notes.txt": "hello\n" });
  scratch = await createTempDir("harness-codex-runner");
});
afterEach(async () => {
  repo.cleanup();
  await scratch.remove();
});

function setUp(
  scenario: FakeScenario,
  overrides: Partial<Parameters<typeof makeRunInput>[0]> = {},
) {
  const fake = fakeAgentCli(scratch.path, "codex", scenario);
  const input = makeRunInput({
    workspace: repo.root,
    runDir: path.join(scratch.path, "run"),
    routerUrl: "http://127.0.0.1:8788/",
    model: "qwen-coder",
    task: "Append ', edited' to notes.txt.",
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: scratch.path,
      OPENAI_API_KEY: "sk-user-openai",
      GITHUB_TOKEN: "ghp_secret",
      CODEX_HOME: "/home/user/.codex",
    },
    ...overrides,
  });
  return { fake, input, runner: createCodexRunner({ binary: fake.binary }) };
}

describe("codexArguments", () => {
  const input = makeRunInput({
    workspace: "/ws",
    runDir: "/ws/.harness/runs/1",
    routerUrl: "http://127.0.0.1:8788",
  });

  it("runs exec --json in a workspace-write sandbox, prompt from stdin", () => {
    const args = codexArguments(input);
    const after = (flag: string) => args[args.indexOf(flag) + 1];
    expect(args[0]).toBe("exec");
    expect(args).toContain("--json");
    expect(after("--sandbox")).toBe("workspace-write");
    expect(after("--cd")).toBe("/ws");
    expect(after("--model")).toBe("local");
    expect(args).toEqual(expect.arrayContaining(["--ephemeral", "--ignore-user-config"]));
    expect(args.at(-1)).toBe("-");
    expect(args.join(" ")).not.toContain(input.task);
  });

  it("registers the router as a Responses-API provider through -c overrides", () => {
    const args = codexArguments(input);
    const overrides = args.flatMap((arg, index) => (args[index - 1] === "-c" ? [arg] : []));
    expect(overrides).toEqual([
      'approval_policy="never"',
      'model_provider="harness"',
      'model_providers.harness.name="harness router"',
      'model_providers.harness.base_url="http://127.0.0.1:8788/v1"',
      'model_providers.harness.env_key="HARNESS_ROUTER_TOKEN"',
      'model_providers.harness.wire_api="responses"',
      "model_providers.harness.request_max_retries=2",
      "model_providers.harness.stream_max_retries=2",
      "sandbox_workspace_write.network_access=false",
      'web_search="disabled"',
      "features.multi_agent=false",
      `developer_instructions=${JSON.stringify(input.agent.prompt)}`,
    ]);
  });

  it("quotes a prompt with quotes and newlines as a TOML string; orchestrators may spawn", () => {
    const prompt = 'Say "done".\nThen stop \\ here.';
    const args = codexArguments({
      ...input,
      agent: { ...input.agent, prompt },
      budgets: { ...input.budgets, spawnDepth: 1 },
    });
    expect(args).toContain('developer_instructions="Say \\"done\\".\\nThen stop \\\\ here."');
    expect(args).not.toContain("features.multi_agent=false");
  });

  it("gives Codex a scrubbed environment, the router key and its own home", () => {
    const env = codexEnvironment(
      { ...input, env: { PATH: "/bin", OPENAI_API_KEY: "sk-user", CODEX_HOME: "/home/u/.codex" } },
      { routerToken: "router-secret" },
    );
    expect(env).toEqual({
      PATH: "/bin",
      HARNESS_ROUTER_TOKEN: "router-secret",
      CODEX_HOME: path.join(input.runDir, "codex-home"),
    });
  });
});

describe("codex runner with a fake codex", () => {
  it("passes its flags, environment and stdin; parses a successful run", async () => {
    const { fake, input, runner } = setUp({
      lines: events("success.jsonl"),
      files: { "notes.txt": "hello, edited\n" },
    });
    const result = await runner.run(input);
    const seen = fake.record();

    expect(seen.args).toEqual(codexArguments(input));
    expect(seen.args).toContain('model_providers.harness.base_url="http://127.0.0.1:8788/v1"');
    expect(seen.args[seen.args.indexOf("--model") + 1]).toBe("qwen-coder");
    expect(seen.stdin).toBe(input.task);
    expect(seen.cwd).toBe(repo.root);
    expect(seen.env.HARNESS_ROUTER_TOKEN).toBe("harness-router");
    expect(seen.env.CODEX_HOME).toBe(path.join(input.runDir, "codex-home"));
    expect(existsSync(seen.env.CODEX_HOME!)).toBe(true);
    expect(seen.env).not.toHaveProperty("OPENAI_API_KEY");
    expect(seen.env).not.toHaveProperty("GITHUB_TOKEN");

    expect(result).toMatchObject({
      runner: "codex",
      agent: "implementer",
      status: "done",
      summary: "Edited notes.txt.",
      filesChanged: ["notes.txt"],
      usage: { inputTokens: 24763, outputTokens: 122, cachedTokens: 24448 },
      // A command, a file change and the final message.
      turns: 3,
      transcriptPath: path.join(input.runDir, "transcript.jsonl"),
    });
    expect(result.costUsd).toBeUndefined();
    expect(readFileSync(result.transcriptPath, "utf8")).toBe(
      `${events("success.jsonl").join("\n")}\n`,
    );
  });

  it("reports turn.failed as failed with Codex's message", async () => {
    const { input, runner } = setUp({ lines: events("turn-failed.jsonl"), exitCode: 1 });
    const result = await runner.run(input);
    expect(result.status).toBe("failed");
    expect(result.error).toContain("unexpected status 404 Not Found");
    expect(result.usage).toEqual({ inputTokens: 0, outputTokens: 0, cachedTokens: 0 });
  });

  it("fails a run that ends before its turn does, with the last error and stderr", async () => {
    const { input, runner } = setUp({
      lines: [
        '{"type":"thread.started","thread_id":"t"}',
        '{"type":"error","message":"stream disconnected"}',
      ],
      stderr: "Error: config invalid\n",
      exitCode: 1,
    });
    const result = await runner.run(input);
    expect(result.status).toBe("failed");
    expect(result.error).toContain("stream disconnected");
    expect(result.error).toContain("Error: config invalid");
  });

  it("fails a completed turn whose process exited non-zero", async () => {
    const { input, runner } = setUp({ lines: events("success.jsonl"), exitCode: 1 });
    const result = await runner.run(input);
    expect(result.status).toBe("failed");
    expect(result.error).toContain("code 1");
  });

  it("stops at the token budget once a turn reports its usage", async () => {
    const { input, runner } = setUp(
      { lines: events("success.jsonl"), hangMs: 60_000 },
      { budgets: { maxTokens: 10_000 } },
    );
    const result = await runner.run(input);
    expect(result).toMatchObject({ status: "budget-exhausted", budget: "tokens" });
  });

  it("kills the process tree at the wall-time budget", async () => {
    const { fake, input, runner } = setUp(
      { lines: events("success.jsonl").slice(0, 2), grandchild: true, hangMs: 60_000 },
      { budgets: { maxWallMs: 400 } },
    );
    const result = await runner.run(input);
    expect(result).toMatchObject({ status: "timed-out", budget: "wall-time" });
    await expect
      .poll(() => isProcessAlive(fake.record().grandchildPid!), { timeout: 5_000 })
      .toBe(false);
  });

  it("says how to install Codex when the binary is missing", async () => {
    const input = makeRunInput({
      workspace: repo.root,
      runDir: scratch.path,
      env: { PATH: scratch.path },
    });
    const runner = createCodexRunner({ binary: path.join(scratch.path, "codex") });
    await expect(runner.run(input)).rejects.toThrow(ConfigError);
    await expect(runner.run(input)).rejects.toThrow(
      "codex not found (looked for " +
        path.join(scratch.path, "codex") +
        "): npm i -g @openai/codex, or set agents.runner: builtin",
    );
  });
});
