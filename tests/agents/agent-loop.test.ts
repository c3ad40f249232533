/**
 * The loop against the scripted fake model with small tools defined here (plus the real
 * `finish`): how runs end, what the model reads back after a failing tool, truncation, the
 * budgets, the byte-stable prefix, and the run's log files.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  FINISH_NUDGE,
  isAgentSpawningTool,
  runAgentLoop,
  truncateToolOutput,
  type AgentClock,
  type AgentLoopOptions,
} from "../../src/agents/agent-loop.js";
import type { RunEvent, TranscriptEntry } from "../../src/agents/run-log.js";
import { ToolError } from "../../src/agents/tool-error.js";
import { finishTool } from "../../src/agents/tools/finish.js";
import type { AgentBudgets, AgentTool, ToolOutcome } from "../../src/agents/types.js";
import { FakeModelClient } from "../../src/models/fake-model-client.js";
import { createTempDir, type TempDir } from "../support/temp-dir.js";

let dir: TempDir;
beforeEach(async () => {
  dir = await createTempDir("agent-loop");
});
afterEach(async () => {
  await dir.remove();
});

function budgets(overrides: Partial<AgentBudgets> = {}): AgentBudgets {
  return {
    maxTurns: 10,
    maxTokens: 1_000_000,
    maxWallMs: 60_000,
    maxCostUsd: 5,
    maxRepeatedFailures: 3,
    spawnDepth: 0,
    ...overrides,
  };
}

function makeTool(
  name: string,
  run: (input: unknown) => ToolOutcome | Promise<ToolOutcome>,
  claudeName = name,
): AgentTool {
  return {
    definition: {
      name,
      description: `The ${name} test tool.`,
      inputSchema: { type: "object", properties: { value: { type: "string" } } },
    },
    claudeName,
    run: async (input) => run(input),
  };
}

const echoTool = makeTool("echo", (input) => ({
  content: `echo: ${JSON.stringify(input)}`,
}));

const finishCall = (summary = "all done", status = "done") => ({
  toolCalls: [{ name: "finish", input: { status, summary } }],
});

async function runLoop(client: FakeModelClient, overrides: Partial<AgentLoopOptions> = {}) {
  const runDir = path.join(dir.path, ".harness", "runs", "run-1");
  const result = await runAgentLoop({
    client,
    model: "local",
    system: "You are a test agent.",
    task: "Do the thing.",
    tools: [echoTool, finishTool],
    budgets: budgets(),
    workspace: dir.path,
    runId: "run-1",
    runDir,
    agent: "tester",
    env: {},
    commandPolicy: { allow: [], deny: [], timeoutMs: 5_000 },
    maxOutputChars: 10_000,
    ...overrides,
  });
  const readLines = async <T>(file: string) =>
    (await readFile(path.join(runDir, file), "utf8"))
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as T);
  return {
    result,
    events: () => readLines<RunEvent & { at: string }>("events.jsonl"),
    transcript: () => readLines<TranscriptEntry>("transcript.jsonl"),
  };
}

/** The tool results the model got back in request `index` (0-based). */
function toolResults(client: FakeModelClient, index: number) {
  return (client.calls[index]?.messages ?? []).filter((message) => message.role === "tool");
}

describe("how a run ends", () => {
  it("ends done with finish's summary and output, after running the tools in order", async () => {
    const client = new FakeModelClient([
      {
        toolCalls: [
          { id: "a", name: "echo", input: { value: "one" } },
          { id: "b", name: "echo", input: { value: "two" } },
        ],
      },
      {
        toolCalls: [
          { name: "finish", input: { status: "done", summary: "echoed", output: { n: 2 } } },
        ],
      },
    ]);
    const { result } = await runLoop(client);
    client.assertDone();
    expect(result).toMatchObject({
      runId: "run-1",
      runner: "builtin",
      agent: "tester",
      status: "done",
      summary: "echoed",
      output: { n: 2 },
      turns: 2,
      filesChanged: [],
    });
    expect(result.budget).toBeUndefined();
    expect(toolResults(client, 1)).toEqual([
      { role: "tool", toolCallId: "a", content: 'echo: {"value":"one"}' },
      { role: "tool", toolCallId: "b", content: 'echo: {"value":"two"}' },
    ]);
  });

  it("finish with status failed ends the run failed", async () => {
    const client = new FakeModelClient([finishCall("cannot be done: no such module", "failed")]);
    const { result } = await runLoop(client);
    expect(result).toMatchObject({ status: "failed", summary: "cannot be done: no such module" });
  });

  it("nudges once after a text-only answer, then takes the text as the summary", async () => {
    const client = new FakeModelClient([{ text: "I think it works." }, { text: "It is done." }]);
    const { result } = await runLoop(client);
    client.assertDone();
    expect(result).toMatchObject({ status: "done", summary: "It is done.", turns: 2 });
    expect(client.calls[1]?.messages.at(-1)).toEqual({ role: "user", content: FINISH_NUDGE });
    expect(client.calls[1]?.messages.at(-2)).toEqual({
      role: "assistant",
      text: "I think it works.",
    });
  });

  it("a nudged model that calls finish ends with finish's result", async () => {
    const client = new FakeModelClient([{ text: "Done, I believe." }, finishCall("finished")]);
    const { result } = await runLoop(client);
    expect(result).toMatchObject({ status: "done", summary: "finished", turns: 2 });
  });

  it("without a finish tool the first text-only answer ends the run", async () => {
    const client = new FakeModelClient([{ text: "Here is the answer." }]);
    const { result } = await runLoop(client, { tools: [echoTool] });
    expect(result).toMatchObject({ status: "done", summary: "Here is the answer.", turns: 1 });
  });

  it("an empty answer after the nudge fails the run", async () => {
    const client = new FakeModelClient([{ text: "" }, { text: "" }]);
    const { result } = await runLoop(client);
    expect(result.status).toBe("failed");
    expect(result.error).toMatch(/neither text nor a tool call/);
    // The empty answer is not added to the conversation (some APIs refuse empty turns).
    expect(client.calls[1]?.messages.map((message) => message.role)).toEqual(["user", "user"]);
  });

  it("a failed model call fails the run with the error", async () => {
    const client = new FakeModelClient([{ toolCalls: [{ name: "echo" }] }, { error: "auth" }]);
    const { result } = await runLoop(client);
    expect(result).toMatchObject({ status: "failed", turns: 2 });
    expect(result.error).toMatch(/scripted failure/);
    expect(result.summary).toMatch(/model call of turn 2 failed/);
  });

  it("a cancelled run ends failed with a clean result", async () => {
    const controller = new AbortController();
    const slow = makeTool("slow", async () => {
      controller.abort(new Error("stop requested"));
      return { content: "ok" };
    });
    const client = new FakeModelClient([{ toolCalls: [{ name: "slow" }] }]);
    const { result } = await runLoop(client, {
      tools: [slow, finishTool],
      signal: controller.signal,
    });
    expect(result).toMatchObject({ status: "failed", summary: "The run was cancelled.", turns: 1 });
    expect(result.error).toMatch(/stop requested/);
  });
});

describe("tool failures", () => {
  it("sends ToolError, zod failures and unknown tools back to the model as error results", async () => {
    const refusing = makeTool("refuse", () => {
      throw new ToolError("path ../x is outside the workspace");
    });
    const strict = makeTool("strict", (input) => {
      z.object({ count: z.number() }).parse(input);
      return { content: "fine" };
    });
    const client = new FakeModelClient([
      {
        toolCalls: [
          { id: "1", name: "refuse", input: {} },
          { id: "2", name: "strict", input: { count: "three" } },
          { id: "3", name: "nope", input: {} },
          { id: "4", name: "Task", input: { prompt: "do it for me" } },
        ],
      },
      finishCall(),
    ]);
    const { result } = await runLoop(client, { tools: [refusing, strict, finishTool] });
    expect(result.status).toBe("done");
    const [refused, invalid, unknown, spawn] = toolResults(client, 1);
    expect(refused).toEqual({
      role: "tool",
      toolCallId: "1",
      content: "Error: path ../x is outside the workspace",
      isError: true,
    });
    expect(invalid).toMatchObject({ isError: true });
    expect(invalid?.content).toMatch(/^Error: invalid input for strict: .*count/s);
    expect(unknown).toMatchObject({ isError: true });
    expect(unknown?.content).toBe(
      'Error: there is no tool named "nope". The tools are: finish, refuse, strict.',
    );
    expect(spawn?.content).toMatch(/Task is refused: this agent may not start other agents/);
  });

  it("a tool's own error result reaches the model with isError", async () => {
    const failing = makeTool("test", () => ({ content: "exit code 1\n1 failed", isError: true }));
    const client = new FakeModelClient([{ toolCalls: [{ name: "test" }] }, finishCall()]);
    await runLoop(client, { tools: [failing, finishTool] });
    expect(toolResults(client, 1)).toEqual([
      { role: "tool", toolCallId: "call_0", content: "exit code 1\n1 failed", isError: true },
    ]);
  });

  it("any other exception ends the run failed", async () => {
    const broken = makeTool("broken", () => {
      throw new TypeError("cannot read properties of undefined");
    });
    const client = new FakeModelClient([{ toolCalls: [{ name: "broken" }, { name: "echo" }] }]);
    const { result, transcript } = await runLoop(client, {
      tools: [broken, echoTool, finishTool],
    });
    client.assertDone();
    expect(result).toMatchObject({ status: "failed", turns: 1 });
    expect(result.error).toBe(
      "the broken tool failed unexpectedly: cannot read properties of undefined",
    );
    const ended = (await transcript()).at(-1);
    expect(ended).toMatchObject({
      type: "run-ended",
      // The echo call after the failure never ran: the run ended first.
      messages: [{ role: "assistant" }, { role: "tool", toolCallId: "call_0", isError: true }],
    });
  });

  it("does not offer agent-spawning tools at spawn depth 0", async () => {
    const task = makeTool("task", () => ({ content: "spawned" }), "Task");
    const client = new FakeModelClient([finishCall()]);
    await runLoop(client, { tools: [task, echoTool, finishTool] });
    expect(client.calls[0]?.tools?.map((tool) => tool.name)).toEqual(["echo", "finish"]);

    const deeper = new FakeModelClient([finishCall()]);
    await runLoop(deeper, {
      tools: [task, echoTool, finishTool],
      budgets: budgets({ spawnDepth: 1 }),
    });
    expect(deeper.calls[0]?.tools?.map((tool) => tool.name)).toEqual(["echo", "finish", "task"]);
  });

  it("recognises agent-spawning tool names", () => {
    for (const name of ["Task", "agent", "spawn_agent", "run-subagent", "subagent"]) {
      expect(isAgentSpawningTool(name), name).toBe(true);
    }
    for (const name of ["read_file", "task_list", "agentic_search", "run_command"]) {
      expect(isAgentSpawningTool(name), name).toBe(false);
    }
  });
});

describe("truncation", () => {
  it("cuts the middle and says how much, within the limit", () => {
    const content = `${"a".repeat(5_000)}${"b".repeat(5_000)}`;
    const { text, cutChars } = truncateToolOutput(content, 1_000);
    expect(text.length).toBeLessThanOrEqual(1_000);
    expect(text.startsWith("aaa")).toBe(true);
    expect(text.endsWith("bbb")).toBe(true);
    expect(cutChars).toBe(
      10_000 - (text.length - text.match(/\n\[\.\.\. .* \.\.\.\]\n/)![0].length),
    );
    expect(text).toContain(`[... ${cutChars} of 10000 characters cut here;`);
  });

  it("leaves short results alone and never splits a surrogate pair", () => {
    expect(truncateToolOutput("short", 100)).toEqual({ text: "short", cutChars: 0 });
    const emoji = "😀".repeat(1_000);
    const { text } = truncateToolOutput(emoji, 500);
    expect(text.replace(/\n\[.*\]\n/s, "")).toMatch(/^(?:😀)+$/u);
  });

  it("the loop truncates every tool result in one place, when it is added", async () => {
    const loud = makeTool("loud", () => ({ content: "x".repeat(50_000) }));
    const client = new FakeModelClient([{ toolCalls: [{ name: "loud" }] }, finishCall()]);
    const { events } = await runLoop(client, { tools: [loud, finishTool], maxOutputChars: 2_000 });
    const [result] = toolResults(client, 1);
    expect(result?.content.length).toBeLessThanOrEqual(2_000);
    expect(result?.content).toMatch(/\[\.\.\. \d+ of 50000 characters cut here;/);
    const finished = (await events()).find((event) => event.type === "tool-finished");
    expect(finished).toMatchObject({ name: "loud", chars: 50_000, isError: false });
    expect(finished && "cutChars" in finished && finished.cutChars).toBeGreaterThan(48_000);
  });
});

describe("budgets", () => {
  const prices = {
    cloud: { inputPerMillion: 3, outputPerMillion: 15, cachedInputPerMillion: 0.3 },
  };

  it("turns: ends budget-exhausted after maxTurns model calls", async () => {
    const client = new FakeModelClient([
      { toolCalls: [{ name: "echo", input: { value: "1" } }] },
      { toolCalls: [{ name: "echo", input: { value: "2" } }] },
      { toolCalls: [{ name: "echo", input: { value: "3" } }] },
    ]);
    const { result, events } = await runLoop(client, { budgets: budgets({ maxTurns: 3 }) });
    client.assertDone();
    expect(result).toMatchObject({ status: "budget-exhausted", budget: "turns", turns: 3 });
    expect(result.summary).toMatch(/turn budget of 3/);
    expect((await events()).filter((event) => event.type === "budget-hit")).toMatchObject([
      { budget: "turns" },
    ]);
  });

  it("tokens: stops before a call that would pass the cap, with usage summed", async () => {
    const client = new FakeModelClient([
      { toolCalls: [{ name: "echo" }], usage: { inputTokens: 100, outputTokens: 10 } },
      {
        toolCalls: [{ name: "echo" }],
        usage: { inputTokens: 200, outputTokens: 10, cachedTokens: 100 },
      },
    ]);
    const { result } = await runLoop(client, { budgets: budgets({ maxTokens: 400 }) });
    client.assertDone();
    expect(result).toMatchObject({
      status: "budget-exhausted",
      budget: "tokens",
      turns: 2,
      usage: { inputTokens: 300, outputTokens: 20, cachedTokens: 100 },
    });
  });

  it("wall time: ends timed-out when the clock passes maxWallMs", async () => {
    let now = 1_000_000;
    const clock: AgentClock = { now: () => now };
    const slowTool = makeTool("build", () => {
      now += 40_000;
      return { content: "built" };
    });
    const client = new FakeModelClient([
      { toolCalls: [{ name: "build" }] },
      { toolCalls: [{ name: "build" }] },
    ]);
    const { result, events } = await runLoop(client, {
      tools: [slowTool, finishTool],
      clock,
      budgets: budgets({ maxWallMs: 60_000 }),
    });
    client.assertDone();
    expect(result).toMatchObject({
      status: "timed-out",
      budget: "wall-time",
      turns: 2,
      durationMs: 80_000,
    });
    const all = await events();
    expect(all.at(0)?.at).toBe(new Date(1_000_000).toISOString());
    expect(all.at(-1)).toMatchObject({ type: "run-finished", status: "timed-out" });
  });

  it("wall time: aborts a model call still running at the deadline", async () => {
    const hanging = {
      calls: 0,
      stream(request: { signal?: AbortSignal }) {
        this.calls++;
        const result = new Promise<never>((_resolve, reject) => {
          request.signal?.addEventListener("abort", () => reject(new Error("aborted")));
        });
        return {
          result: () => result,
          async *[Symbol.asyncIterator]() {},
        };
      },
    };
    const { result } = await runLoop(hanging as unknown as FakeModelClient, {
      budgets: budgets({ maxWallMs: 50 }),
    });
    expect(result).toMatchObject({ status: "timed-out", budget: "wall-time", turns: 1 });
  });

  it("cost: sums the cost of every call from usage and the price table", async () => {
    const client = new FakeModelClient([
      {
        toolCalls: [{ name: "echo" }],
        usage: { inputTokens: 100_000, outputTokens: 1_000, cachedTokens: 0 },
      },
      {
        ...finishCall(),
        usage: { inputTokens: 100_000, outputTokens: 1_000, cachedTokens: 90_000 },
      },
    ]);
    const { result } = await runLoop(client, { model: "cloud", prices });
    // Turn 1: 100k x $3/M + 1k x $15/M = 0.315; turn 2: 10k x $3/M + 90k x $0.3/M + 0.015 = 0.072.
    expect(result.status).toBe("done");
    expect(result.costUsd).toBeCloseTo(0.387, 9);
  });

  it("cost: stops before the call that would pass the cap", async () => {
    const client = new FakeModelClient([
      {
        toolCalls: [{ name: "echo" }],
        usage: { inputTokens: 100_000, outputTokens: 1_000, cachedTokens: 0 },
      },
    ]);
    const { result } = await runLoop(client, {
      model: "cloud",
      prices,
      budgets: budgets({ maxCostUsd: 0.5 }),
    });
    client.assertDone();
    // $0.315 spent; the next call (at least as large) would bring it to about $0.63.
    expect(result).toMatchObject({ status: "budget-exhausted", budget: "cost", turns: 1 });
    expect(result.costUsd).toBeCloseTo(0.315, 9);
  });

  it("cost: a local model (no price) costs 0 and never hits the cost budget", async () => {
    const client = new FakeModelClient([
      { toolCalls: [{ name: "echo" }], usage: { inputTokens: 50_000, outputTokens: 10 } },
      finishCall(),
    ]);
    const { result } = await runLoop(client, { budgets: budgets({ maxCostUsd: 0 }) });
    expect(result).toMatchObject({ status: "done", costUsd: 0 });
  });

  it("stuck: the same failing call maxRepeatedFailures times in a row", async () => {
    const failing = makeTool("test", () => ({ content: "exit code 1", isError: true }));
    const call = { toolCalls: [{ name: "test", input: { value: "x", flag: true } }] };
    const reordered = { toolCalls: [{ name: "test", input: { flag: true, value: "x" } }] };
    const client = new FakeModelClient([
      call,
      { toolCalls: [{ name: "test", input: { value: "other" } }] },
      call,
      reordered,
      call,
    ]);
    const { result } = await runLoop(client, {
      tools: [failing, finishTool],
      budgets: budgets({ maxRepeatedFailures: 3 }),
    });
    client.assertDone();
    expect(result).toMatchObject({ status: "budget-exhausted", budget: "stuck", turns: 5 });
    expect(result.summary).toMatch(/same failing call to test was made 3 times in a row/);
  });
});

describe("prompt caching", () => {
  it("keeps the system prompt, tools and session id identical and only appends messages", async () => {
    const client = new FakeModelClient([
      { toolCalls: [{ name: "echo", input: { value: "1" } }] },
      { text: "thinking aloud" },
      { toolCalls: [{ name: "echo", input: { value: "2" } }, { name: "nope" }] },
      finishCall(),
    ]);
    await runLoop(client);
    client.assertDone();
    const [first, ...rest] = client.calls;
    expect(first?.sessionId).toBe("run-1");
    for (const [index, call] of rest.entries()) {
      const previous = client.calls[index]!;
      expect(call.system).toBe(first?.system);
      expect(JSON.stringify(call.tools)).toBe(JSON.stringify(first?.tools));
      expect(call.sessionId).toBe("run-1");
      expect(call.messages.length).toBeGreaterThan(previous.messages.length);
      expect(JSON.stringify(call.messages.slice(0, previous.messages.length))).toBe(
        JSON.stringify(previous.messages),
      );
    }
    expect(first?.messages).toEqual([{ role: "user", content: "Do the thing." }]);
  });
});

describe("run log", () => {
  it("writes transcript.jsonl and events.jsonl that parse and tell the whole run", async () => {
    const client = new FakeModelClient([
      {
        toolCalls: [{ id: "t1", name: "echo", input: { value: "hi" } }],
        usage: { inputTokens: 50, outputTokens: 5 },
      },
      { ...finishCall("bye"), usage: { inputTokens: 70, outputTokens: 6, cachedTokens: 50 } },
    ]);
    const { result, transcript, events } = await runLoop(client);
    expect(result.transcriptPath).toBe(
      path.join(dir.path, ".harness", "runs", "run-1", "transcript.jsonl"),
    );
    const lines = await transcript();
    expect(lines.map((line) => line.type)).toEqual([
      "request",
      "response",
      "request",
      "response",
      "run-ended",
    ]);
    expect(lines[0]).toMatchObject({
      turn: 1,
      model: "local",
      sessionId: "run-1",
      system: "You are a test agent.",
      messages: [{ role: "user", content: "Do the thing." }],
    });
    expect(lines[1]).toMatchObject({
      toolCalls: [{ id: "t1", name: "echo", input: { value: "hi" } }],
      usage: { inputTokens: 50, outputTokens: 5, cachedTokens: 0 },
      stopReason: "tool-calls",
    });
    expect(lines[2]).not.toHaveProperty("system");
    expect(lines[2]).toMatchObject({
      turn: 2,
      messages: [{ role: "assistant" }, { role: "tool", toolCallId: "t1" }],
    });
    expect(lines[4]).toMatchObject({
      // Never sent: the last answer and the result of its finish call.
      messages: [
        { role: "assistant", toolCalls: [{ name: "finish" }] },
        { role: "tool", content: "finished: done" },
      ],
      result: { status: "done", summary: "bye", usage: { inputTokens: 120, cachedTokens: 50 } },
    });

    const all = await events();
    expect(all.map((event) => event.type)).toEqual([
      "run-started",
      "turn-started",
      "tool-called",
      "tool-finished",
      "turn-started",
      "tool-called",
      "tool-finished",
      "run-finished",
    ]);
    for (const event of all) expect(Number.isNaN(Date.parse(event.at))).toBe(false);
    expect(all.at(-1)).toMatchObject({
      status: "done",
      turns: 2,
      usage: { inputTokens: 120, outputTokens: 11, cachedTokens: 50 },
      costUsd: 0,
    });
  });

  it("appends to an existing run folder and reports files the tools wrote", async () => {
    const runDir = path.join(dir.path, ".harness", "runs", "run-1");
    await mkdir(runDir, { recursive: true });
    await writeFile(path.join(runDir, "events.jsonl"), "");
    const writer = makeTool("write", () => ({ content: "ok", wrote: ["src/b.ts", "a.md"] }));
    const client = new FakeModelClient([{ toolCalls: [{ name: "write" }] }, finishCall()]);
    const { result } = await runLoop(client, { tools: [writer, finishTool] });
    // Not a git repository: the files come from the tools alone.
    expect(result.filesChanged).toEqual(["a.md", "src/b.ts"]);
  });
});
