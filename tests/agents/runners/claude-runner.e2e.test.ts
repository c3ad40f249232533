/**
 * The claude runner with the real Claude Code binary (the 2.1.197 devDependency), offline: the
 * runner points Claude Code at a real harness router, and the router at a scripted
 * llama-server-like backend. So each run crosses the whole path a user's run takes: Claude Code
 * (Anthropic Messages, streamed) → router (translated to OpenAI chat completions) → backend,
 * and back, with Claude Code running real tools (Read, Edit, Bash) in a real git worktree.
 * `--bare --system-prompt` keeps Claude Code's prompt small (its full prompt is ~71k tokens).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createClaudeRunner } from "../../../src/agents/runners/claude-runner.js";
import type { AgentRunInput, AgentRunResult, AgentRunner } from "../../../src/agents/types.js";
import { configSchema } from "../../../src/config/schema.js";
import { createCollectingSink } from "../../../src/events.js";
import { serveRouter } from "../../../src/workflows/serve-router.js";
import { claudeBinary, isClaudeInstalled } from "../../support/run-claude.js";
import { createTempDir } from "../../support/temp-dir.js";
import { createTempGitRepo } from "../../support/temp-git-repo.js";
import { makeRunInput } from "../fixtures/agent-run-input.js";
import {
  startScriptedOpenAiBackend,
  type ScriptedBackend,
  type ScriptedStep,
} from "../fixtures/scripted-openai-backend.js";

const SLOW = { timeout: 120_000 };
const FAKE_GITHUB_TOKEN = "ghp_fakeTokenThatMustNotLeak000000000000";

const runner = createClaudeRunner({ binary: claudeBinary, bare: true, systemPrompt: "replace" });

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface ScriptedRun {
  result: AgentRunResult;
  input: AgentRunInput;
  backend: ScriptedBackend;
  root: string;
}

/**
 * A temp git repo (notes.txt, README.md) as the workspace, a scripted backend behind a real
 * router, and one run of the claude runner. `script` gets the workspace root (tools need
 * absolute paths).
 */
async function runScripted(
  script: (root: string) => ScriptedStep[],
  overrides: Partial<Parameters<typeof makeRunInput>[0]> = {},
  claude: AgentRunner = runner,
): Promise<ScriptedRun> {
  const repo = createTempGitRepo({ "notes.txt": "hello\n", "README.md": "# demo\n" });
  cleanups.push(() => repo.cleanup());
  const home = await createTempDir("harness-claude-runner-home");
  cleanups.push(() => home.remove());
  const backend = await startScriptedOpenAiBackend(script(repo.root));
  cleanups.push(() => backend.close());
  const router = await serveRouter({
    config: configSchema.parse({
      router: { port: 0, backends: [{ name: "scripted", kind: "llama-server", url: backend.url }] },
    }),
    events: createCollectingSink(),
  });
  cleanups.push(() => router.close());
  const input = makeRunInput({
    workspace: repo.root,
    // Inside the worktree and not git-ignored: the runner must leave it out of filesChanged.
    runDir: path.join(repo.root, ".harness", "runs", "run-e2e"),
    routerUrl: router.url,
    task: "Append ', edited' to the greeting in notes.txt.",
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home.path,
      GITHUB_TOKEN: FAKE_GITHUB_TOKEN,
      OPENAI_API_KEY: "sk-fake-openai",
      ANTHROPIC_API_KEY: "sk-ant-fake-user-key",
    },
    ...overrides,
  });
  const result = await claude.run(input);
  return { result, input, backend, root: repo.root };
}

const usage = (promptTokens: number, completionTokens: number, cachedTokens = 0) => ({
  promptTokens,
  completionTokens,
  cachedTokens,
});

function transcriptLines(result: AgentRunResult): Record<string, unknown>[] {
  return readFileSync(result.transcriptPath, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe.skipIf(!isClaudeInstalled())(
  "claude runner with real Claude Code, through the router",
  () => {
    it("edits a file with Read and Edit, runs a command, and reports done", SLOW, async () => {
      const notes = (root: string) => path.join(root, "notes.txt");
      const { result, backend, root, input } = await runScripted((root) => [
        { toolCall: { name: "Read", input: { file_path: notes(root) } }, usage: usage(900, 20) },
        {
          toolCall: {
            name: "Edit",
            input: { file_path: notes(root), old_string: "hello", new_string: "hello, edited" },
          },
          usage: usage(1000, 30, 800),
        },
        {
          toolCall: {
            name: "Bash",
            input: { command: "env", description: "Print the environment" },
          },
          usage: usage(1100, 15, 900),
        },
        { text: "Edited notes.txt.", usage: usage(1200, 8, 1000) },
      ]);
      const context = JSON.stringify(result, null, 2);

      expect(result.status, context).toBe("done");
      expect(result.summary).toBe("Edited notes.txt.");
      expect(result.runner).toBe("claude");
      expect(result.agent).toBe("implementer");
      expect(readFileSync(notes(root), "utf8")).toBe("hello, edited\n");
      expect(result.filesChanged).toEqual(["notes.txt"]);
      expect(result.turns).toBe(4);

      // Usage: exactly what the backend reported, summed over the four calls, after the router
      // translated it to Anthropic usage and Claude Code reported it back in modelUsage.
      expect(backend.requests).toHaveLength(4);
      expect(result.usage).toEqual({
        inputTokens: 900 + 1000 + 1100 + 1200,
        outputTokens: 20 + 30 + 15 + 8,
        cachedTokens: 800 + 900 + 1000,
      });
      expect(result.costUsd).toBeGreaterThanOrEqual(0);
      expect(result.durationMs).toBeGreaterThan(0);

      // The task went in on stdin and reached the model; the agent's prompt is the system prompt.
      const firstRequest = JSON.stringify(backend.requests[0]);
      expect(firstRequest).toContain("Append ', edited' to the greeting");
      expect(firstRequest).toContain(input.agent.prompt);
      // Only the agent's tools were offered, never a sub-agent tool.
      const tools = (backend.requests[0]?.tools ?? []) as { function: { name: string } }[];
      expect(tools.map((tool) => tool.function.name).sort()).toEqual(["Bash", "Edit", "Read"]);

      // The transcript holds every stream line: init, assistant and user messages, the result.
      expect(result.transcriptPath).toBe(path.join(input.runDir, "transcript.jsonl"));
      const lines = transcriptLines(result);
      expect(lines[0]).toMatchObject({
        type: "system",
        subtype: "init",
        permissionMode: "dontAsk",
      });
      expect(lines.filter((line) => line.type === "assistant")).toHaveLength(4);
      expect(lines.filter((line) => line.type === "user")).toHaveLength(3);
      expect(lines.at(-1)).toMatchObject({ type: "result", subtype: "success", is_error: false });

      // The Bash tool printed the agent's real environment: the router is there, the caller's
      // tokens and keys are not (the router token replaced the user's Anthropic key).
      const envOutput = JSON.stringify(lines.filter((line) => line.type === "user").at(-1));
      expect(envOutput).toContain(`ANTHROPIC_BASE_URL=${input.routerUrl}`);
      expect(envOutput).toContain("ANTHROPIC_API_KEY=harness-router");
      expect(envOutput).not.toContain(FAKE_GITHUB_TOKEN);
      expect(envOutput).not.toContain("GITHUB_TOKEN");
      expect(envOutput).not.toContain("sk-fake-openai");
      expect(envOutput).not.toContain("sk-ant-fake-user-key");
    });

    it("refuses to edit a file outside the workspace", SLOW, async () => {
      const outside = await createTempDir("harness-claude-runner-outside");
      cleanups.push(() => outside.remove());
      const target = path.join(outside.path, "secret.txt");
      const { writeFileSync } = await import("node:fs");
      writeFileSync(target, "untouched\n");
      const { result } = await runScripted(() => [
        { toolCall: { name: "Read", input: { file_path: target } }, usage: usage(100, 5) },
        {
          toolCall: {
            name: "Edit",
            input: { file_path: target, old_string: "untouched", new_string: "changed" },
          },
          usage: usage(110, 5),
        },
        { text: "Could not edit it.", usage: usage(120, 5) },
      ]);
      expect(result.status, JSON.stringify(result)).toBe("done");
      expect(readFileSync(target, "utf8")).toBe("untouched\n");
      expect(result.filesChanged).toEqual([]);
      const result_ = transcriptLines(result).at(-1) as { permission_denials?: unknown[] };
      expect(result_.permission_denials?.length).toBeGreaterThanOrEqual(1);
    });

    it("reports an API error as failed, not done", SLOW, async () => {
      const { result, backend } = await runScripted(() => [{ status: 500 }]);
      expect(result.status, JSON.stringify(result)).toBe("failed");
      expect(result.error).toContain("API Error: 500");
      expect(result.summary).toBe(result.error);
      expect(result.filesChanged).toEqual([]);
      // CLAUDE_CODE_MAX_RETRIES=2: a few attempts, not ten.
      expect(backend.requests.length).toBeGreaterThanOrEqual(1);
      expect(backend.requests.length).toBeLessThanOrEqual(3);
      expect(existsSync(result.transcriptPath)).toBe(true);
    });

    it("ends budget-exhausted (turns) when the model keeps calling tools", SLOW, async () => {
      const { result, backend } = await runScripted(
        (root) => [
          {
            toolCall: { name: "Read", input: { file_path: path.join(root, "README.md") } },
            usage: usage(100, 5),
          },
        ],
        { budgets: { maxTurns: 2 } },
      );
      expect(result.status, JSON.stringify(result)).toBe("budget-exhausted");
      expect(result.budget).toBe("turns");
      expect(backend.requests.length).toBe(2);
    });

    it(
      "runs with the production flags too (full prompt, agent prompt appended)",
      SLOW,
      async () => {
        const { result, backend, input } = await runScripted(
          () => [{ text: "Nothing to do.", usage: usage(5000, 4) }],
          {},
          createClaudeRunner({ binary: claudeBinary }),
        );
        expect(result.status, JSON.stringify(result)).toBe("done");
        expect(result.summary).toBe("Nothing to do.");
        const request = JSON.stringify(backend.requests[0]);
        expect(request).toContain(input.agent.prompt);
        expect(request).toContain(input.task);
      },
    );
  },
);
