#!/usr/bin/env node
// Built-in agent benchmarks; prints one JSON object. Run `npm run build --silent && node
// bench/agent.mjs` (it imports dist/).
//   1. overhead: the harness's own time per agent turn, model time excluded. The fake model
//      answers instantly with a read_file call (of a ~200-line file) for 200 turns; the time the
//      fake takes (from `stream()` to its result) is subtracted, and the tool's time is shown
//      apart. Median of 5 runs.
//   2. cache: a 10-turn session of the built-in agent on the embedded llama.cpp backend (the
//      generated tiny model, one thread) through the router, started as `harness router start`
//      like bench/router.mjs does: the share of each turn's prompt that llama.cpp served from
//      its cache, from turn 2 on (target >= 0.8).
// Options: --quick (fewer turns and runs), --only overhead|cache.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = (file) => pathToFileURL(path.join(root, "dist", file)).href;
const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const only = argv.includes("--only") ? argv[argv.indexOf("--only") + 1] : undefined;
const work = mkdtempSync(path.join(os.tmpdir(), "harness-bench-agent-"));
const children = new Set();

const { createBuiltinRunner } = await import(dist("agents/builtin-runner.js"));
const { readFileTool } = await import(dist("agents/tools/read-file.js"));
const { finishTool } = await import(dist("agents/tools/finish.js"));
const { FakeModelClient } = await import(dist("models/fake-model-client.js"));
const { createModelClient } = await import(dist("models/create-model-client.js"));

const round = (value, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const budgets = (maxTurns) => ({
  maxTurns,
  maxTokens: 100_000_000,
  maxWallMs: 600_000,
  maxCostUsd: 0,
  maxRepeatedFailures: 3,
  spawnDepth: 0,
});

/** Wraps a model client and sums the time from `stream()` to its result: the model's time. */
function timed(client) {
  const timing = { modelMs: 0 };
  return {
    timing,
    stream(request) {
      const started = performance.now();
      const stream = client.stream(request);
      const result = stream.result().finally(() => {
        timing.modelMs += performance.now() - started;
      });
      result.catch(() => undefined);
      return { [Symbol.asyncIterator]: () => stream[Symbol.asyncIterator](), result: () => result };
    },
  };
}

async function overheadRun(turns, index) {
  const workspace = path.join(work, `overhead-${index}`);
  mkdirSync(path.join(workspace, "src"), { recursive: true });
  const lines = Array.from({ length: 200 }, (_, line) => `export const value${line} = ${line};`);
  writeFileSync(path.join(workspace, "src", "values.ts"), `${lines.join("\n")}\n`);
  const script = [
    ...Array.from({ length: turns - 1 }, () => ({
      toolCalls: [{ name: "read_file", input: { path: "src/values.ts" } }],
      usage: { inputTokens: 1000, outputTokens: 20, cachedTokens: 900 },
    })),
    { toolCalls: [{ name: "finish", input: { status: "done", summary: "read it all" } }] },
  ];
  const client = timed(new FakeModelClient(script));
  let toolMs = 0;
  let firstCallAt;
  const runner = createBuiltinRunner({
    client,
    tools: [readFileTool, finishTool],
    onEvent: (event) => {
      if (event.type === "tool-finished") toolMs += event.ms;
      if (event.type === "turn-started" && event.turn === 1) firstCallAt = performance.now();
    },
  });
  const started = performance.now();
  const result = await runner.run({
    agent: { name: "bench", description: "bench", prompt: "Read files." },
    task: "Read src/values.ts again and again.",
    workspace,
    budgets: budgets(turns),
    model: "fake",
    routerUrl: "http://127.0.0.1:0",
    runDir: path.join(workspace, ".harness", "runs", `bench-${index}`),
    runId: `bench-${index}`,
    env: {},
  });
  const totalMs = performance.now() - started;
  if (result.status !== "done" || result.turns !== turns) {
    throw new Error(`overhead run ended ${result.status} after ${result.turns} turns`);
  }
  const perTurn = (ms) => ms / turns;
  return {
    totalMs,
    setupMs: firstCallAt - started,
    harnessMsPerTurn: perTurn(totalMs - client.timing.modelMs),
    loopMsPerTurn: perTurn(totalMs - client.timing.modelMs - toolMs),
    toolMsPerTurn: perTurn(toolMs),
    fakeModelMsPerTurn: perTurn(client.timing.modelMs),
  };
}

async function benchOverhead() {
  const turns = quick ? 50 : 200;
  const runs = [];
  await overheadRun(20, "warmup");
  for (let index = 0; index < (quick ? 3 : 5); index++) runs.push(await overheadRun(turns, index));
  const pick = (key) => round(median(runs.map((run) => run[key])));
  return {
    turns,
    runs: runs.length,
    harnessMsPerTurn: pick("harnessMsPerTurn"),
    loopMsPerTurnExcludingTool: pick("loopMsPerTurn"),
    readFileToolMsPerTurn: pick("toolMsPerTurn"),
    fakeModelMsPerTurn: pick("fakeModelMsPerTurn"),
    runSetupMs: pick("setupMs"),
    totalMs: pick("totalMs"),
  };
}

function startRouter(configFile) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(root, "bin/harness.js"), "router", "start", "--config", configFile],
      {
        env: { ...process.env, NO_COLOR: "1", HARNESS_EMBEDDED_GPU: "off", HARNESS_HOME: work },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    children.add(child);
    let output = "";
    const onData = (data) => {
      output += data;
      if (/listening on/.test(output)) resolve(child);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      children.delete(child);
      reject(new Error(`harness router start exited ${code}: ${output.slice(-500)}`));
    });
    setTimeout(() => reject(new Error(`router did not start: ${output}`)), 120_000).unref();
  });
}

const stop = (child) =>
  new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });

/** Test tools with small schemas, so the random model's grammar-constrained calls stay short. */
function schemaTool(name, properties) {
  return {
    definition: {
      name,
      description: `Bench tool ${name}.`,
      inputSchema: { type: "object", properties, required: Object.keys(properties) },
    },
    claudeName: name,
    run: async (input) => ({ content: `${name}: ${JSON.stringify(input)}` }),
  };
}

async function benchCache() {
  const { writeTinyGguf } = await tsImport("../tests/support/tiny-gguf.ts", import.meta.url);
  const model = path.join(work, "tiny.gguf");
  await writeTinyGguf(model, { contextLength: 8192 });
  const port = 19600 + Math.floor(Math.random() * 300);
  const configFile = path.join(work, "router.yaml");
  writeFileSync(
    configFile,
    JSON.stringify({
      router: {
        port,
        backends: [{ name: "llama", kind: "embedded", model, threads: 1, contextSize: 8192 }],
      },
    }),
  );
  const router = await startRouter(configFile);
  const url = `http://127.0.0.1:${port}`;
  try {
    const turns = quick ? 5 : 10;
    const workspace = path.join(work, "cache");
    mkdirSync(workspace);
    const runner = createBuiltinRunner({
      client: createModelClient({
        protocol: "openai",
        baseURL: url,
        maxRetries: 0,
      }),
      tools: [
        schemaTool("note", { text: { type: "string", maxLength: 16 } }),
        schemaTool("choose", { option: { enum: ["red", "green", "blue"] } }),
      ],
      maxTokensPerTurn: 200,
      // The random model answers with a grammar-constrained tool call each turn.
      toolChoice: "required",
    });
    const started = performance.now();
    const result = await runner.run({
      agent: { name: "bench", description: "bench", prompt: "Use the tools." },
      task: "Take notes and choose colours.",
      workspace,
      budgets: budgets(turns),
      model: "tiny",
      routerUrl: url,
      runDir: path.join(workspace, ".harness", "runs", "cache"),
      runId: "bench-cache",
      env: {},
    });
    const wallMs = performance.now() - started;
    const usage = readFileSync(result.transcriptPath, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.type === "response")
      .map((entry) => entry.usage);
    const later = usage.slice(1);
    const sum = (items, key) => items.reduce((total, item) => total + item[key], 0);
    return {
      turns: result.turns,
      status: result.status,
      budget: result.budget ?? null,
      cachedRatioAfterFirstTurn: round(sum(later, "cachedTokens") / sum(later, "inputTokens")),
      cachedRatioAllTurns: round(sum(usage, "cachedTokens") / sum(usage, "inputTokens")),
      minCachedOverPreviousPrompt: round(
        Math.min(...later.map((item, index) => item.cachedTokens / usage[index].inputTokens)),
      ),
      promptTokensPerTurn: usage.map((item) => item.inputTokens),
      cachedTokensPerTurn: usage.map((item) => item.cachedTokens),
      outputTokensPerTurn: usage.map((item) => item.outputTokens),
      wallMs: Math.round(wallMs),
    };
  } finally {
    await stop(router);
  }
}

const report = {
  node: process.version,
  cpus: os.cpus().length,
};
try {
  if (!only || only === "overhead") report.overhead = await benchOverhead();
  if (!only || only === "cache") report.cache = await benchCache();
  console.log(JSON.stringify(report, null, 2));
} finally {
  await Promise.all([...children].map(stop));
  rmSync(work, { recursive: true, force: true });
}
