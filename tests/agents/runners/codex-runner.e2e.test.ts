/**
 * The codex runner with a real Codex CLI binary, offline: the runner points `codex exec` at a
 * real harness router as a custom provider (`wire_api = "responses"`), and the router at a
 * scripted llama-server-like backend. So each run crosses the whole path: Codex (Responses API,
 * streamed) → router (/v1/responses, translated to chat completions) → backend, and back, with
 * Codex running real shell commands in a real git worktree.
 *
 * Codex is not a dependency: these tests skip unless a `codex` binary is found, from
 * HARNESS_CODEX_BIN or on PATH (`npm i -g @openai/codex`; written against 0.169.0).
 */
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createCodexRunner } from "../../../src/agents/runners/codex-runner.js";
import type { AgentRunInput, AgentRunResult } from "../../../src/agents/types.js";
import { configSchema } from "../../../src/config/schema.js";
import { createCollectingSink } from "../../../src/events.js";
import { serveRouter } from "../../../src/workflows/serve-router.js";
import { startFakeOpenAiBackend } from "../../support/fake-llm-backends.js";
import { createTempDir } from "../../support/temp-dir.js";
import { createTempGitRepo } from "../../support/temp-git-repo.js";
import { makeRunInput } from "../fixtures/agent-run-input.js";
import {
  startScriptedOpenAiBackend,
  type ScriptedStep,
} from "../fixtures/scripted-openai-backend.js";

const SLOW = { timeout: 120_000 };
const FAKE_GITHUB_TOKEN = "ghp_fakeTokenThatMustNotLeak000000000000";

/** HARNESS_CODEX_BIN, else `codex` on PATH; undefined when neither is there. */
function findCodex(): string | undefined {
  const explicit = process.env.HARNESS_CODEX_BIN;
  const candidates = explicit
    ? [explicit]
    : (process.env.PATH ?? "")
        .split(path.delimiter)
        .filter((dir) => dir !== "")
        .map((dir) => path.join(dir, "codex"));
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const codexBinary = findCodex();
const title = codexBinary
  ? "codex runner with real Codex, through the router"
  : "codex runner with real Codex (skipped: no codex binary; " +
    "set HARNESS_CODEX_BIN or put codex on PATH)";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Run {
  result: AgentRunResult;
  input: AgentRunInput;
  root: string;
}

/** A temp git repo with notes.txt, a router in front of `backendUrl`, and one codex run. */
async function runCodex(backendUrl: string): Promise<Run> {
  const repo = createTempGitRepo({ "notes.txt": "hello\n", "README.md": "# demo\n" });
  cleanups.push(() => repo.cleanup());
  const home = await createTempDir("harness-codex-runner-home");
  cleanups.push(() => home.remove());
  const router = await serveRouter({
    config: configSchema.parse({
      router: { port: 0, backends: [{ name: "scripted", kind: "llama-server", url: backendUrl }] },
    }),
    events: createCollectingSink(),
  });
  cleanups.push(() => router.close());
  const input = makeRunInput({
    workspace: repo.root,
    runDir: path.join(repo.root, ".harness", "runs", "run-e2e"),
    routerUrl: router.url,
    task: "Append ', edited' to the greeting in notes.txt.",
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home.path,
      GITHUB_TOKEN: FAKE_GITHUB_TOKEN,
      OPENAI_API_KEY: "sk-fake-openai",
    },
  });
  const result = await createCodexRunner({ binary: codexBinary! }).run(input);
  return { result, input, root: repo.root };
}

async function runScripted(script: ScriptedStep[]) {
  const backend = await startScriptedOpenAiBackend(script);
  cleanups.push(() => backend.close());
  return { ...(await runCodex(backend.url)), backend };
}

const usage = (promptTokens: number, completionTokens: number, cachedTokens = 0) => ({
  promptTokens,
  completionTokens,
  cachedTokens,
});

describe.skipIf(codexBinary === undefined)(title, () => {
  it(
    "edits a file with shell commands and reports done, with the backend's usage",
    SLOW,
    async () => {
      const { result, backend, root, input } = await runScripted([
        {
          toolCall: { name: "exec_command", input: { cmd: "cat notes.txt" } },
          usage: usage(900, 20),
        },
        {
          toolCall: {
            name: "exec_command",
            input: { cmd: "printf 'hello, edited\\n' > notes.txt && env" },
          },
          usage: usage(1000, 30, 800),
        },
        { text: "Edited notes.txt.", usage: usage(1100, 8, 900) },
      ]);
      const context = JSON.stringify(result, null, 2);
      expect(result.status, context).toBe("done");
      expect(result.summary).toBe("Edited notes.txt.");
      expect(result.runner).toBe("codex");
      expect(readFileSync(path.join(root, "notes.txt"), "utf8")).toBe("hello, edited\n");
      expect(result.filesChanged).toEqual(["notes.txt"]);
      expect(result.turns).toBe(3);
      // Exactly what the backend reported, summed over the three calls, after the router turned
      // chat usage into Responses usage and Codex reported it in turn.completed.
      expect(backend.requests).toHaveLength(3);
      expect(result.usage).toEqual({
        inputTokens: 900 + 1000 + 1100,
        outputTokens: 20 + 30 + 8,
        cachedTokens: 800 + 900,
      });

      // The agent's prompt went in as developer instructions (the system message upstream), the
      // task as the user message; the tool call's output came back as a tool message.
      const [first, last] = [backend.requests[0]!, backend.requests[2]!];
      const messages = first.messages as { role: string; content: string }[];
      expect(messages[0]?.role).toBe("system");
      expect(messages[0]?.content).toContain(input.agent.prompt);
      expect(messages.at(-1)?.role).toBe("user");
      expect(messages.at(-1)?.content).toContain(input.task);
      const tools = (first.tools ?? []) as { function: { name: string } }[];
      expect(tools.map((tool) => tool.function.name)).toContain("exec_command");
      const lastMessages = last.messages as {
        role: string;
        content: string;
        tool_call_id?: string;
      }[];
      expect(lastMessages.filter((message) => message.role === "tool")).toHaveLength(2);
      expect(lastMessages.find((message) => message.tool_call_id === "call_1")?.content).toContain(
        "hello",
      );

      // The command printed Codex's real environment: the caller's tokens and keys are not there.
      const transcript = readFileSync(result.transcriptPath, "utf8");
      expect(transcript).toContain("HARNESS_ROUTER_TOKEN=");
      expect(transcript).not.toContain(FAKE_GITHUB_TOKEN);
      expect(transcript).not.toContain("sk-fake-openai");
    },
  );

  it("reports a backend's 4xx as failed, with the backend's message", SLOW, async () => {
    const { result, backend } = await runScripted([{ status: 400 }]);
    expect(result.status, JSON.stringify(result)).toBe("failed");
    expect(result.error).toContain("scripted failure 400");
    expect(backend.requests).toHaveLength(1);
    expect(result.filesChanged).toEqual([]);
    expect(existsSync(result.transcriptPath)).toBe(true);
  });

  it("retries a stream that breaks mid-answer, then reports failed", SLOW, async () => {
    const fake = await startFakeOpenAiBackend({ name: "breaking", reply: "a partial answer" });
    cleanups.push(() => fake.close());
    fake.behavior = { disconnectAfterEvents: 2 };
    const { result } = await runCodex(fake.url);
    expect(result.status, JSON.stringify(result)).toBe("failed");
    expect(result.error).toContain("broke off");
    // stream_max_retries = 2: three attempts in all, each ended by the router's response.failed.
    expect(fake.requests).toHaveLength(3);
  });
});
