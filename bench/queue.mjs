#!/usr/bin/env node
// Queue benchmarks; prints one JSON object. `npm run bench:queue` (builds first).
//   1. throughput: claim + complete with 25 concurrent workers across 2 processes, for the file
//      driver, the Redis driver and, as the peer, BullMQ's own Worker on the same redis-server;
//   2. fanOut: 100 items, batch 4, concurrency 25, a fake worker with a fixed latency: wall time
//      as a ratio of the ideal, in memory and durable (through the file queue);
//   3. kill: workers SIGKILLed at random moments until all items are done: lost and doubled.
// Options: --quick (fewer items), --only throughput|fanOut|kill. Redis parts need redis-server.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = (file) => pathToFileURL(path.join(root, "dist", file)).href;
const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const only = argv.includes("--only") ? argv[argv.indexOf("--only") + 1] : undefined;
const work = mkdtempSync(path.join(os.tmpdir(), "harness-bench-queue-"));
const children = new Set();
const round = (value, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const settings = { leaseMs: 30_000, maxAttempts: 3, backoffMs: 1_000, maxBackoffMs: 10_000 };

function spawnTracked(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], ...options });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/** Lines a child prints on stdout, as an async queue. */
function linesOf(child) {
  const pending = [];
  const waiters = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    const waiter = waiters.shift();
    if (waiter) waiter(line);
    else pending.push(line);
  });
  let stderr = "";
  child.stderr.on("data", (data) => (stderr += data));
  return {
    next: () =>
      pending.length > 0
        ? Promise.resolve(pending.shift())
        : new Promise((resolve, reject) => {
            waiters.push(resolve);
            child.once("exit", (code) =>
              reject(new Error(`worker exited ${code}: ${stderr.slice(-800)}`)),
            );
          }),
  };
}

async function startRedis() {
  if (spawnSync("redis-server", ["--version"]).status !== 0) return undefined;
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const dir = mkdtempSync(path.join(work, "redis-"));
  const child = spawnTracked(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { cwd: dir },
  );
  for (let i = 0; i < 100; i++) {
    if (
      spawnSync("redis-cli", ["-p", String(port), "ping"])
        .stdout?.toString()
        .includes("PONG")
    )
      return { url: `redis://127.0.0.1:${port}`, child };
    await sleep(50);
  }
  throw new Error("redis-server did not answer PING");
}

/** 25 loops across 2 processes; items/s from the first claim to the last complete. */
async function timeWorkers(driverArgs, total) {
  const loops = [13, 12];
  const workers = loops.map((n) =>
    spawnTracked(process.execPath, [
      path.join(root, "bench/support/queue-bench-worker.mjs"),
      ...driverArgs,
      "--loops",
      String(n),
      "--total",
      String(total),
    ]),
  );
  const outputs = workers.map(linesOf);
  for (const output of outputs) {
    const line = await output.next();
    if (line !== "ready") throw new Error(`unexpected worker output: ${line}`);
  }
  for (const worker of workers) worker.stdin.write("go\n");
  const reports = await Promise.all(outputs.map(async (output) => JSON.parse(await output.next())));
  const first = Math.min(...reports.map((r) => r.firstMs));
  const last = Math.max(...reports.map((r) => r.lastMs));
  const completed = reports.reduce((sum, r) => sum + r.completed, 0);
  return {
    items: total,
    completed,
    seconds: round((last - first) / 1000),
    itemsPerSecond: Math.round(completed / ((last - first) / 1000)),
    perProcess: reports.map((r) => r.completed),
  };
}

async function fill(queue, total) {
  for (let i = 0; i < total; i++) {
    await queue.enqueue({ id: `item-${String(i).padStart(6, "0")}`, title: `item ${i}` });
  }
}

async function benchThroughput() {
  const total = quick ? 1_000 : 5_000;
  const result = { target: "file >= 1,000 items/s; redis within 2x of BullMQ's own", workers: 25 };
  const { createFileQueue } = await import(dist("queue/file-queue.js"));
  const dir = path.join(work, "file-queue");
  const fileQueue = await createFileQueue({ dir, settings });
  await fill(fileQueue, total);
  await fileQueue.close();
  result.file = await timeWorkers(["--driver", "file", "--dir", dir], total);

  const redis = await startRedis();
  if (!redis) {
    result.redis = { skipped: "redis-server is not installed (apt-get install -y redis-server)" };
    return result;
  }
  const { createRedisQueue } = await import(dist("queue/redis-queue.js"));
  const redisQueue = await createRedisQueue({ url: redis.url, name: "bench-driver", settings });
  await fill(redisQueue, total);
  await redisQueue.close();
  result.redis = await timeWorkers(
    ["--driver", "redis", "--url", redis.url, "--name", "bench-driver"],
    total,
  );

  const { Queue } = await import("bullmq");
  const bullQueue = new Queue("bench-bullmq", {
    connection: { url: redis.url, maxRetriesPerRequest: null },
  });
  for (let i = 0; i < total; i += 500) {
    await bullQueue.addBulk(
      Array.from({ length: Math.min(500, total - i) }, (_, j) => ({
        name: "item",
        data: { title: `item ${i + j}` },
        opts: { jobId: `item-${i + j}` },
      })),
    );
  }
  await bullQueue.close();
  result.bullmq = await timeWorkers(
    ["--driver", "bullmq", "--url", redis.url, "--name", "bench-bullmq"],
    total,
  );
  result.redisVsBullmq = round(result.bullmq.itemsPerSecond / result.redis.itemsPerSecond, 2);
  redis.child.kill("SIGKILL");
  return result;
}

async function benchFanOut() {
  const { fanOut } = await import(dist("queue/fan-out.js"));
  const { createFileQueue } = await import(dist("queue/file-queue.js"));
  const latencyMs = 250;
  const items = Array.from({ length: 100 }, (_, i) => i);
  const options = { items, batchSize: 4, concurrency: 25, retries: 0 };
  const ideal = Math.ceil(items.length / options.batchSize / options.concurrency) * latencyMs;
  const run = async (batch) => {
    await sleep(latencyMs);
    return batch.items.map((item) => item * 2);
  };
  const measure = async (extra) => {
    const started = performance.now();
    const result = await fanOut({ ...options, ...extra, run });
    const ms = performance.now() - started;
    const done = result.summary.done;
    return { ms: round(ms, 1), ratioToIdeal: round(ms / ideal), done };
  };
  const inMemory = [];
  for (let i = 0; i < 5; i++) inMemory.push(await measure({}));
  const durable = [];
  for (let i = 0; i < 5; i++) {
    const queue = await createFileQueue({ dir: path.join(work, `fan-out-${i}`), settings });
    durable.push(await measure({ durable: { queue, jobId: `bench-${i}` } }));
    await queue.close();
  }
  const median = (runs) => [...runs].sort((a, b) => a.ratioToIdeal - b.ratioToIdeal)[2];
  return {
    target: "wall time at most 1.1x the ideal",
    items: 100,
    batchSize: 4,
    concurrency: 25,
    latencyMs,
    idealMs: ideal,
    inMemory: median(inMemory),
    durableFileQueue: median(durable),
  };
}

/** Runs the SIGKILL tests (tests/queue/*-kill.test.ts) and reads the tally they record. */
async function benchKill() {
  const tallyFile = path.join(work, "kill-tally.jsonl");
  const runs = quick ? 1 : 3;
  const tests = ["tests/queue/file-queue-kill.test.ts", "tests/queue/redis-queue-kill.test.ts"];
  const failures = [];
  for (let run = 0; run < runs; run++) {
    const result = spawnSync(
      process.execPath,
      [path.join(root, "node_modules/vitest/vitest.mjs"), "run", ...tests],
      { cwd: root, env: { ...process.env, HARNESS_KILL_TALLY: tallyFile }, encoding: "utf8" },
    );
    if (result.status !== 0) failures.push(result.stdout.slice(-2000) + result.stderr.slice(-500));
  }
  let lines = [];
  try {
    lines = readFileSync(tallyFile, "utf8").trim().split("\n").filter(Boolean).map(JSON.parse);
  } catch {
    // no tally: every run failed before recording one
  }
  const byDriver = {};
  for (const line of lines) {
    const entry = (byDriver[line.driver] ??= { runs: 0, items: 0, kills: 0, reclaimed: 0 });
    entry.runs++;
    entry.items += line.items;
    entry.kills += line.kills;
    entry.reclaimed += line.reclaimed;
    entry.lost = (entry.lost ?? 0) + line.lost;
    entry.doubled = (entry.doubled ?? 0) + line.doubled;
  }
  return { target: "0 lost and 0 doubled", runsPerDriver: runs, byDriver, failedRuns: failures };
}

const output = { node: process.version, cpus: os.cpus().length, quick, benchmarks: {} };
try {
  if (!only || only === "throughput") output.benchmarks.throughput = await benchThroughput();
  if (!only || only === "fanOut") output.benchmarks.fanOut = await benchFanOut();
  if (!only || only === "kill") output.benchmarks.kill = await benchKill();
} finally {
  for (const child of children) child.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
}
console.log(JSON.stringify(output, null, 2));
