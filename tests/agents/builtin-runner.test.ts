/**
 * The built-in runner with the real tools on a real git repository, driven by the scripted
 * fake model: it reads a file, runs the tests (a tiny real command), edits, runs them again and
 * finishes. Assertions are about the disk, the result and what the model was sent.
 */
import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { createBuiltinRunner } from "../../src/agents/builtin-runner.js";
import { createRunId, resolveRunDir } from "../../src/agents/run-log.js";
import type { AgentBudgets, AgentDefinition, AgentRunInput } from "../../src/agents/types.js";
import { FakeModelClient } from "../../src/models/fake-model-client.js";
import type { FakeResponse } from "../../src/models/model-script.js";
import { createTempGitRepo, type TempGitRepo } from "../support/temp-git-repo.js";

const budgets: AgentBudgets = {
  maxTurns: 20,
  maxTokens: 1_000_000,
  maxWallMs: 120_000,
  maxCostUsd: 1,
  maxRepeatedFailures: 3,
  spawnDepth: 0,
};

const implementer: AgentDefinition = {
  name: "implementer",
  description: "Implements a change.",
  prompt: "You implement small changes and run the tests.",
  tools: ["Read", "Edit", "Bash", "Skill"],
};

let repo: TempGitRepo | undefined;
afterEach(() => repo?.cleanup());

function createProject(): TempGitRepo {
  return createTempGitRepo({
    "CLAUDE.md": "# greet\n\nRun the tests with `node test.js`.\n",
    "src/greet.js": 'export function greet() {\n  return "Hello, world";\n}\n',
    "test.js": [
      'import { greet } from "./src/greet.js";',
      'if (greet() !== "Hello, harness") {',
      "  console.log(`FAIL: got ${JSON.stringify(greet())}`);",
      "  process.exit(1);",
      "}",
      'console.log("PASS");',
      "",
    ].join("\n"),
    "package.json": '{ "type": "module" }\n',
    ".gitignore": ".harness/\n",
    ".claude/skills/testing/SKILL.md":
      "---\nname: testing\ndescription: How this project runs its tests.\n---\nRun `node test.js`; PASS means green.\n",
  });
}

function runInput(
  root: string,
  overrides: Partial<AgentRunInput> = {},
): AgentRunInput & { runDir: string } {
  const runId = createRunId();
  return {
    agent: implementer,
    task: "Make greet() say Hello, harness. The tests must pass.",
    workspace: root,
    budgets,
    model: "local-default",
    routerUrl: "http://127.0.0.1:0",
    runDir: resolveRunDir(root, runId),
    runId,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, GITHUB_TOKEN: "ghp_secret" },
    ...overrides,
  };
}

const call = (name: string, input: unknown): FakeResponse => ({ toolCalls: [{ name, input }] });

describe("built-in runner", () => {
  it("reads, tests, edits, tests again and finishes, changing the file on disk", async () => {
    repo = createProject();
    repo.write("scratch.txt", "a note the person had before the run\n");
    const client = new FakeModelClient([
      call("read_file", { path: "src/greet.js" }),
      call("run_command", { command: "node test.js" }),
      call("skill", { name: "testing" }),
      call("edit_file", { path: "src/greet.js", old_string: "world", new_string: "harness" }),
      call("run_command", { command: "node test.js && echo checked > notes.txt" }),
      call("finish", {
        status: "done",
        summary: "greet() now says Hello, harness; node test.js passes.",
        output: { testsPassed: true },
      }),
    ]);
    const runner = createBuiltinRunner({ client });
    const input = runInput(repo.root);
    const result = await runner.run(input);
    client.assertDone();

    expect(runner.name).toBe("builtin");
    expect(result).toMatchObject({
      runId: input.runId,
      runner: "builtin",
      agent: "implementer",
      status: "done",
      summary: "greet() now says Hello, harness; node test.js passes.",
      output: { testsPassed: true },
      turns: 6,
      costUsd: 0,
      // The untracked scratch.txt was there before the run, so it is not the run's change.
      filesChanged: ["notes.txt", "src/greet.js"],
    });
    expect(await readFile(`${repo.root}/src/greet.js`, "utf8")).toContain('"Hello, harness"');
    expect(repo.git("status", "--porcelain")).toContain("M src/greet.js");

    const results = client.calls.map((request) => {
      const last = request.messages.at(-1);
      return last?.role === "tool" ? last : undefined;
    });
    expect(results[1]?.content).toContain('return "Hello, world";');
    expect(results[2]).toMatchObject({ isError: true });
    expect(results[2]?.content).toMatch(/^exit code 1\nFAIL: got "Hello, world"/);
    expect(results[3]?.content).toBe("Run `node test.js`; PASS means green.");
    expect(results[4]?.content).toMatch(/replaced 1 occurrence in src\/greet\.js/);
    expect(results[5]?.content).toBe("exit code 0\nPASS");

    const [first] = client.calls;
    expect(first?.model).toBe("local-default");
    expect(first?.sessionId).toBe(input.runId);
    expect(first?.tools?.map((tool) => tool.name)).toEqual([
      "edit_file",
      "finish",
      "read_file",
      "run_command",
      "skill",
    ]);
    expect(first?.system).toContain("You implement small changes and run the tests.");
    expect(first?.system).toContain('<document path="CLAUDE.md">\n# greet');
    expect(first?.system).toContain("- testing: How this project runs its tests.");
    expect(first?.system).not.toContain("PASS means green");
    expect(first?.messages).toEqual([
      {
        role: "user",
        content: "# Task\n\nMake greet() say Hello, harness. The tests must pass.\n",
      },
    ]);
    expect(result.transcriptPath).toBe(`${input.runDir}/transcript.jsonl`);
    const events = (await readFile(`${input.runDir}/events.jsonl`, "utf8")).trim().split("\n");
    expect(JSON.parse(events.at(-1) ?? "")).toMatchObject({
      type: "run-finished",
      status: "done",
    });
  });

  it("keeps tokens out of the commands' environment", async () => {
    repo = createProject();
    const client = new FakeModelClient([
      call("run_command", { command: 'echo "token=[$GITHUB_TOKEN] path=${PATH:+set}"' }),
      call("finish", { status: "done", summary: "checked" }),
    ]);
    await createBuiltinRunner({ client }).run(runInput(repo.root));
    expect(client.calls[1]?.messages.at(-1)).toMatchObject({
      content: "exit code 0\ntoken=[] path=set",
    });
  });

  it("honours the definition's tools, model and maxTurns", async () => {
    repo = createProject();
    const client = new FakeModelClient([call("read_file", { path: "CLAUDE.md" })]);
    const result = await createBuiltinRunner({ client }).run(
      runInput(repo.root, {
        agent: { ...implementer, tools: ["Read"], model: "fast", maxTurns: 1 },
      }),
    );
    client.assertDone();
    expect(client.calls[0]?.model).toBe("fast");
    expect(client.calls[0]?.tools?.map((tool) => tool.name)).toEqual(["finish", "read_file"]);
    expect(result).toMatchObject({ status: "budget-exhausted", budget: "turns", turns: 1 });
  });

  it("a denied command goes back to the model as an error", async () => {
    repo = createProject();
    const client = new FakeModelClient([
      call("run_command", { command: "git push --force origin main" }),
      call("finish", { status: "failed", summary: "pushing is not allowed" }),
    ]);
    const result = await createBuiltinRunner({ client }).run(runInput(repo.root));
    expect(client.calls[1]?.messages.at(-1)).toMatchObject({ role: "tool", isError: true });
    expect(result).toMatchObject({ status: "failed", summary: "pushing is not allowed" });
  });

  it("a prompt that cannot be built fails the run before any model call, with a transcript", async () => {
    repo = createProject();
    const client = new FakeModelClient([]);
    const input = runInput(repo.root, {
      agent: { ...implementer, prompt: "Today is 2026-11-22; work fast." },
    });
    const result = await createBuiltinRunner({ client }).run(input);
    expect(client.calls).toHaveLength(0);
    expect(result).toMatchObject({ status: "failed", turns: 0, filesChanged: [] });
    expect(result.error).toMatch(/ISO date/);
    const ended = JSON.parse((await readFile(result.transcriptPath, "utf8")).trim());
    expect(ended).toMatchObject({ type: "run-ended", result: { status: "failed" } });
  });

  it("creates sortable run ids without volatile content in the prompt", () => {
    const id = createRunId(Date.UTC(2026, 10, 22, 1, 45, 30));
    expect(id).toMatch(/^20261122-014530-[0-9a-f]{6}$/);
    expect(createRunId()).not.toBe(createRunId());
  });
});
