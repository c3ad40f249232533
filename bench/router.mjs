#!/usr/bin/env node
// Router benchmarks; prints one JSON object. `npm run bench:router` (builds first).
//   1. overhead: added latency over calling a fast fake backend directly, at 1, 16 and 64
//      concurrent clients, streaming and not, with the Portkey gateway as the peer and a
//      minimal pass-through Node proxy as the floor;
//   2. cacheAffinity: 4 simulated llama-servers with per-slot prefix caches, agent-like sessions
//      whose prompts grow each turn: cache hit ratio and mean time to first token per strategy;
//   3. failover: 3 backends under steady load, one killed and restarted.
// Options: --quick (fewer requests), --skip-portkey, --only overhead|cacheAffinity|failover.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Pool } from "undici";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const only = argv.includes("--only") ? argv[argv.indexOf("--only") + 1] : undefined;
const work = mkdtempSync(path.join(os.tmpdir(), "harness-bench-router-"));
const children = new Set();
let nextPort = 19100 + Math.floor(Math.random() * 500);
const port = () => nextPort++;

function startProcess(command, args, ready, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.add(child);
    let output = "";
    const onData = (data) => {
      output += data;
      if (ready.test(output)) resolve(child);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      children.delete(child);
      reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${output.slice(-500)}`));
    });
    setTimeout(
      () => reject(new Error(`timed out starting ${command}: ${output.slice(-500)}`)),
      120_000,
    ).unref();
  });
}

const stop = (child) =>
  new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });

async function startSim(mode, ports, extra = []) {
  return startProcess(
    process.execPath,
    [
      path.join(root, "bench/support/sim-llm-server.mjs"),
      "--mode",
      mode,
      "--ports",
      ports.join(","),
      ...extra,
    ],
    /ready/,
  );
}

async function startRouter(routerConfig) {
  const routerPort = port();
  const file = path.join(work, `router-${routerPort}.yaml`);
  writeFileSync(file, JSON.stringify({ router: { ...routerConfig, port: routerPort } }));
  const child = await startProcess(
    process.execPath,
    [path.join(root, "bin/harness.js"), "router", "start", "--config", file],
    /listening on/,
    { NO_COLOR: "1" },
  );
  return { child, url: `http://127.0.0.1:${routerPort}` };
}

function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 102.4) / 10;
}

const percentile = (sorted, q) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const round = (value, digits = 3) =>
  value === undefined ? null : Math.round(value * 10 ** digits) / 10 ** digits;

/** Runs `total` requests with `concurrency` clients; latency to the last byte of each. */
async function load(url, { concurrency, total, stream, headers = {}, body }) {
  const pool = new Pool(url, { connections: concurrency, pipelining: 1 });
  const latencies = [];
  let failures = 0;
  let issued = 0;
  const started = performance.now();
  const worker = async () => {
    while (issued < total) {
      const index = issued++;
      const payload = JSON.stringify(
        body
          ? body(index)
          : { model: "bench", stream, messages: [{ role: "user", content: "hi" }] },
      );
      const t0 = performance.now();
      try {
        const response = await pool.request({
          path: "/v1/chat/completions",
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: payload,
        });
        const text = await response.body.text();
        if (response.statusCode !== 200) failures++;
        latencies.push({ ms: performance.now() - t0, text, status: response.statusCode });
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  const sorted = latencies.map((l) => l.ms).sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length),
    throughput: latencies.length / seconds,
    failures,
    responses: latencies,
  };
}

async function startPortkey() {
  if (argv.includes("--skip-portkey")) return { skipped: "--skip-portkey" };
  const portkeyPort = 8787;
  try {
    const child = await startProcess(
      "npx",
      ["--yes", "@portkey-ai/gateway@1.15.2"],
      /8787|running|listening/i,
    );
    // The gateway prints before it accepts connections; wait until it answers.
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        await fetch(`http://127.0.0.1:${portkeyPort}/`);
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    return { child, url: `http://127.0.0.1:${portkeyPort}` };
  } catch (error) {
    return { skipped: String(error.message).slice(0, 300) };
  }
}

async function benchOverhead() {
  const backendPort = port();
  const sim = await startSim("fast", [backendPort]);
  const direct = `http://127.0.0.1:${backendPort}`;
  const router = await startRouter({
    strategy: "round-robin",
    backends: [{ name: "fast", kind: "openai-compatible", url: direct }],
  });
  const floorPort = port();
  const floor = await startProcess(
    process.execPath,
    [
      path.join(root, "bench/support/minimal-proxy.mjs"),
      "--port",
      String(floorPort),
      "--upstream",
      direct,
    ],
    /ready/,
  );
  const floorUrl = `http://127.0.0.1:${floorPort}`;
  const portkey = await startPortkey();
  const portkeyHeaders = {
    "x-portkey-provider": "openai",
    "x-portkey-custom-host": `${direct}/v1`,
    authorization: "Bearer bench",
  };
  const results = [];
  for (const concurrency of [1, 16, 64]) {
    for (const stream of [false, true]) {
      const total = quick ? 300 : concurrency === 1 ? 1000 : 4000;
      const run = (url, headers) => load(url, { concurrency, total, stream, headers });
      await run(direct);
      await run(router.url);
      const directRun = await run(direct);
      const routerRun = await run(router.url);
      await run(floorUrl);
      const floorRun = await run(floorUrl);
      let portkeyRun;
      if (portkey.url) {
        await run(portkey.url, portkeyHeaders);
        portkeyRun = await run(portkey.url, portkeyHeaders);
      }
      results.push({
        concurrency,
        stream,
        requests: total,
        directMs: { p50: round(directRun.p50), p99: round(directRun.p99) },
        router: {
          addedP50Ms: round(routerRun.p50 - directRun.p50),
          addedP99Ms: round(routerRun.p99 - directRun.p99),
          throughputRatio: round(routerRun.throughput / directRun.throughput),
          failures: routerRun.failures,
        },
        // What a pass-through Node proxy with no routing at all adds in the same run.
        minimalProxy: {
          addedP50Ms: round(floorRun.p50 - directRun.p50),
          addedP99Ms: round(floorRun.p99 - directRun.p99),
          throughputRatio: round(floorRun.throughput / directRun.throughput),
          failures: floorRun.failures,
        },
        portkey: portkeyRun
          ? {
              addedP50Ms: round(portkeyRun.p50 - directRun.p50),
              addedP99Ms: round(portkeyRun.p99 - directRun.p99),
              throughputRatio: round(portkeyRun.throughput / directRun.throughput),
              failures: portkeyRun.failures,
            }
          : null,
      });
    }
  }
  const routerRssMiB = rssMiB(router.child.pid);
  await Promise.all([
    stop(router.child),
    stop(sim),
    stop(floor),
    portkey.child ? stop(portkey.child) : undefined,
  ]);
  return {
    target: "added p50 < 1 ms and p99 < 5 ms at 64 concurrent, below Portkey",
    routerRssMiB,
    portkey: portkey.skipped ? { skipped: portkey.skipped } : "ran",
    results,
  };
}

async function benchCacheAffinity() {
  const ports = [port(), port(), port(), port()];
  // Like an agent fleet: every session shares a system prompt and tool list of ~4,000 tokens;
  // each turn appends a tool result (~600 tokens) and the model's answer (~150 tokens), so
  // after a few turns the session's own history outweighs the shared part.
  const slots = 4;
  const sim = await startSim("llama", ports, [
    "--slots",
    String(slots),
    "--cache-entries",
    "8",
    "--prefill-ms-per-token",
    "0.1",
  ]);
  const sessions = quick ? 8 : 16;
  const turns = quick ? 8 : 16;
  const shared = "You are a coding agent with tools. ".repeat(460);
  const results = {};
  for (const strategy of ["prefix-affinity", "round-robin", "least-busy"]) {
    const router = await startRouter({
      strategy,
      backends: ports.map((p, i) => ({
        name: `gpu-${i + 1}`,
        kind: "llama-server",
        url: `http://127.0.0.1:${p}`,
      })),
    });
    let cached = 0;
    let prompt = 0;
    let latency = 0;
    let count = 0;
    // Sessions run side by side; each sends its turns in order, the prompt growing every turn.
    await Promise.all(
      Array.from({ length: sessions }, async (_, session) => {
        const messages = [{ role: "system", content: `${shared} Session ${session}.` }];
        for (let turn = 0; turn < turns; turn++) {
          messages.push({
            role: "user",
            content: `Turn ${turn} of session ${session}: ${"context ".repeat(250)}`,
          });
          const run = await load(router.url, {
            concurrency: 1,
            total: 1,
            headers: { "x-session-id": `s-${session}` },
            body: () => ({ model: "bench", messages }),
          });
          const answer = JSON.parse(run.responses[0].text);
          cached += answer.timings.cache_n;
          prompt += answer.timings.cache_n + answer.timings.prompt_n;
          latency += run.responses[0].ms;
          count++;
          messages.push({ role: "assistant", content: `Answer ${turn}: ${"result ".repeat(85)}` });
        }
      }),
    );
    results[strategy] = {
      cacheHitRatio: round(cached / prompt),
      meanTtftMs: round(latency / count, 1),
      requests: count,
    };
    await stop(router.child);
  }
  await stop(sim);
  const baseline = results["round-robin"].meanTtftMs;
  return {
    target: "prefix-affinity hit ratio >= 0.9 and several-fold lower mean TTFT than round-robin",
    setup: {
      backends: 4,
      slotsPerBackend: slots,
      promptCacheEntriesPerBackend: 8,
      sessions,
      turns,
      prefillMsPerToken: 0.1,
    },
    results,
    ttftSpeedupVsRoundRobin: round(baseline / results["prefix-affinity"].meanTtftMs, 2),
  };
}

async function benchFailover() {
  const ports = [port(), port(), port()];
  const sims = await Promise.all(ports.map((p) => startSim("fast", [p])));
  const router = await startRouter({
    strategy: "round-robin",
    healthIntervalMs: 1000,
    breaker: { consecutiveFailures: 3, cooldownMs: 2000 },
    backends: ports.map((p, i) => ({
      name: `b${i + 1}`,
      kind: "llama-server",
      url: `http://127.0.0.1:${p}`,
    })),
  });
  const victim = "b2";
  const timeline = { killedAt: null, openAt: null, restartedAt: null, backInRotationAt: null };
  let victimRequestsAtRestart = 0;
  const started = performance.now();
  const since = () => Math.round(performance.now() - started);
  let running = true;
  const poll = (async () => {
    while (running) {
      try {
        const status = await (await fetch(`${router.url}/status`)).json();
        const b = status.backends.find((entry) => entry.name === victim);
        if (timeline.killedAt !== null && timeline.openAt === null && b.breaker !== "closed")
          timeline.openAt = since();
        if (
          timeline.restartedAt !== null &&
          timeline.backInRotationAt === null &&
          b.breaker === "closed" &&
          b.stats.requests > victimRequestsAtRestart
        )
          timeline.backInRotationAt = since();
        if (timeline.restartedAt !== null && victimRequestsAtRestart === 0)
          victimRequestsAtRestart = b.stats.requests;
      } catch {
        /* the next poll will tell */
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const duration = quick ? 8000 : 12000;
  let failures = 0;
  let total = 0;
  const pool = new Pool(router.url, { connections: 8 });
  const loadLoop = Promise.all(
    Array.from({ length: 8 }, async () => {
      while (performance.now() - started < duration) {
        total++;
        try {
          const response = await pool.request({
            path: "/v1/chat/completions",
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ model: "bench", messages: [{ role: "user", content: "hi" }] }),
          });
          await response.body.text();
          if (response.statusCode !== 200) failures++;
        } catch {
          failures++;
        }
      }
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, duration * 0.25));
  await stop(sims[1]);
  timeline.killedAt = since();
  await new Promise((resolve) => setTimeout(resolve, duration * 0.35));
  sims[1] = await startSim("fast", [ports[1]]);
  timeline.restartedAt = since();
  await loadLoop;
  running = false;
  await poll;
  await pool.close();
  await Promise.all([stop(router.child), ...sims.map(stop)]);
  return {
    target: "0 failed non-streaming requests",
    requests: total,
    failedRequests: failures,
    msUntilBreakerOpen: timeline.openAt === null ? null : timeline.openAt - timeline.killedAt,
    msUntilBackInRotation:
      timeline.backInRotationAt === null ? null : timeline.backInRotationAt - timeline.restartedAt,
    config: { healthIntervalMs: 1000, consecutiveFailures: 3, cooldownMs: 2000 },
  };
}

const output = { node: process.version, cpus: os.cpus().length, quick, benchmarks: {} };
try {
  if (!only || only === "overhead") output.benchmarks.overhead = await benchOverhead();
  if (!only || only === "cacheAffinity")
    output.benchmarks.cacheAffinity = await benchCacheAffinity();
  if (!only || only === "failover") output.benchmarks.failover = await benchFailover();
} finally {
  await Promise.all([...children].map(stop));
  rmSync(work, { recursive: true, force: true });
}
console.log(JSON.stringify(output, null, 2));
