#!/usr/bin/env node
// Batch translation benchmark; prints one JSON object. Needs dist/ (npm run build).
//   node bench/translate-batch.mjs [--documents 100] [--workers 25] [--batch 4] [--latency 200]
//     [--runs 3] [--only plain,markdown,router] [--one-process]
// Every run of every case is a fresh Node process (as `harness translate` is: the format
// readers, the queue and the client load inside the timed run), the cases in turn (plain,
// Markdown, router, then again); a case reports its run with the median ratio, and every ratio
// in `ratios`. With --one-process each run does its cases one after another in one process
// (the later ones warm: remark loaded, code compiled), as this benchmark first did.
// 100 generated Markdown documents (front matter, headings, paragraphs with inline code and
// links, a code block, a list) translated to Korean by `runTranslation` with the real Markdown
// adapter and the durable file queue, against a fake model with a fixed latency per call:
//   1. wall time as a ratio of the ideal (target <= 1.15), where the ideal is the calls each
//      worker must make one after another times the latency; in process (a fake ModelClient)
//      and through the real router (a fake llama-server over HTTP, the OpenAI-style client);
//   2. tokens sent per document against a naive "translate this whole file" prompt, prompt and
//      answer, counted with the engine's own estimate (about 4 characters a token).
import { spawnSync } from "node:child_process";
import http from "node:http";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = (file) => pathToFileURL(path.join(root, "dist", file)).href;
const argv = process.argv.slice(2);
const option = (name, fallback) =>
  argv.includes(`--${name}`) ? Number(argv[argv.indexOf(`--${name}`) + 1]) : fallback;
const DOCUMENTS = option("documents", 100);
const WORKERS = option("workers", 25);
const BATCH = option("batch", 4);
const LATENCY_MS = option("latency", 200);
const RUNS = option("runs", 3);
const ONLY = argv.includes("--only")
  ? argv[argv.indexOf("--only") + 1].split(",")
  : ["plain", "markdown", "router"];
const ONE_PROCESS = argv.includes("--one-process");
/** Set in a child process: the cases it runs, in order. */
const CASES = argv.includes("--cases") ? argv[argv.indexOf("--cases") + 1].split(",") : undefined;
const round = (value, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

const [
  { runTranslation },
  { openTranslationQueue },
  registry,
  { configSchema },
  { estimateTokens },
  { createModelStream },
  { createModelClient },
  { serveRouter },
  { emptyGlossary },
] = await Promise.all([
  import(dist("translate/translate-run.js")),
  import(dist("translate/translate-queue.js")),
  import(dist("translate/formats/index.js")),
  import(dist("config/schema.js")),
  import(dist("translate/chunking.js")),
  import(dist("models/model-stream.js")),
  import(dist("models/create-model-client.js")),
  import(dist("workflows/serve-router.js")),
  import(dist("translate/glossary.js")),
]);

function documentText(i) {
  return `---
title: Guide ${i}
description: How to use feature ${i} of the platform.
layout: docs
---

# Using feature ${i}

Feature ${i} lets you start a compute session from the command line. Run \`harness start --feature ${i}\` and
open [the dashboard](https://example.com/dashboard/${i}) to watch it. The session keeps running until you stop it.

## Configuration

Set \`FEATURE_${i}_TOKEN\` in the environment before you start. The token is read once, at start-up,
and never written to a log. See [the reference](https://example.com/reference#feature-${i}) for every option.

\`\`\`yaml
feature${i}:
  enabled: true
  workers: 4
  timeoutSeconds: 30
  retries: 2
  endpoints:
    - https://api.example.com/v1/feature/${i}
    - https://backup.example.com/v1/feature/${i}
\`\`\`

\`\`\`sh
harness start --feature ${i} --workers 4 --timeout 30
harness status --feature ${i} --json | jq '.sessions[] | {id, state}'
\`\`\`

- Start small: one worker is enough to try it.
- Watch the logs with \`harness logs --follow\`.
- Stop the session with **Ctrl-C**; finished work is kept.

| Option | Default | Meaning |
| --- | --- | --- |
| \`workers\` | 4 | Sessions run at once |
| \`timeoutSeconds\` | 30 | Time before a session is stopped |
`;
}

/** The JSON answer of a pseudo-translator: every segment of the prompt, wrapped. */
function pseudoAnswer(message) {
  const start = message.indexOf("Segments to translate");
  const fenceStart = message.indexOf("\n", start) + 1;
  const fenceEnd = message.indexOf("untrusted-data\n", fenceStart);
  const fence = message.slice(fenceStart, fenceEnd);
  const bodyStart = fenceEnd + "untrusted-data\n".length;
  const block = message.slice(bodyStart, message.indexOf(`\n${fence}`, bodyStart));
  const headers = [...block.matchAll(/^\[#(\d+) [^\]\n]*\]$/gm)];
  const translations = headers.map((match, position) => {
    const textStart = match.index + match[0].length + 1;
    const textEnd = position + 1 < headers.length ? headers[position + 1].index - 1 : block.length;
    return { index: Number(match[1]), text: `«ko:${block.slice(textStart, textEnd)}»` };
  });
  return JSON.stringify({ translations });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A ModelClient with a fixed latency per call. */
function fakeClient(stats) {
  return {
    stream(request) {
      const message = request.messages.at(-1).content;
      stats.calls++;
      stats.promptChars += (request.system ?? "").length + message.length;
      stats.systemChars += (request.system ?? "").length;
      async function* events() {
        await sleep(LATENCY_MS);
        const json = pseudoAnswer(message);
        stats.answerChars += json.length;
        yield { type: "text-delta", text: json };
        yield { type: "usage", inputTokens: 0, outputTokens: 0, cachedTokens: 0 };
        yield { type: "done", stopReason: "end" };
      }
      return createModelStream(events(), { parseJson: true });
    },
  };
}

/** A llama-server-like backend over HTTP with the same latency and as many slots as workers. */
async function startFakeLlamaServer(stats) {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", async () => {
      const route = req.url.split("?")[0];
      const send = (status, body) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.method === "GET") {
        if (route === "/health") return send(200, { status: "ok" });
        if (route === "/props") return send(200, { total_slots: WORKERS });
        return send(404, {});
      }
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      const message = body.messages.filter((m) => m.role === "user").at(-1).content;
      stats.calls++;
      await sleep(LATENCY_MS);
      const json = pseudoAnswer(message);
      const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
      if (body.stream !== true) {
        return send(200, {
          id: "c",
          object: "chat.completion",
          created: 1,
          model: body.model,
          choices: [
            { index: 0, message: { role: "assistant", content: json }, finish_reason: "stop" },
          ],
          usage,
        });
      }
      const chunk = (delta, finish = null, tail = {}) =>
        `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }], ...tail })}\n\n`;
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(chunk({ role: "assistant", content: "" }));
      res.write(chunk({ content: json }));
      res.write(chunk({}, "stop", { usage }));
      res.end("data: [DONE]\n\n");
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => server.close(r)),
  };
}

/** Plain text of about the same length: parsing costs next to nothing, the engine shows. */
function plainText(i) {
  return Array.from(
    { length: 6 },
    (_, p) =>
      `Paragraph ${p} of document ${i}: feature ${i} lets you start a compute session from the ` +
      "command line and watch it in the dashboard until you stop it.",
  ).join("\n\n");
}

function makeRepo(extension) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "harness-bench-translate-"));
  mkdirSync(path.join(dir, "docs"));
  for (let i = 0; i < DOCUMENTS; i++) {
    const text = extension === ".md" ? documentText(i) : plainText(i);
    writeFileSync(path.join(dir, "docs", `guide-${String(i).padStart(3, "0")}${extension}`), text);
  }
  return dir;
}

async function runOnce(label, client, stats, extension = ".md") {
  const repo = makeRepo(extension);
  const config = configSchema.parse({});
  try {
    const startedAt = performance.now();
    const cpuBefore = process.cpuUsage();
    let firstCallAt;
    const timedClient = {
      stream(request) {
        firstCallAt ??= performance.now();
        return client.stream(request);
      },
    };
    const summary = await runTranslation({
      repoRoot: repo,
      cwd: repo,
      inputs: ["docs"],
      to: "ko",
      workers: WORKERS,
      batchSize: BATCH,
      outDir: path.join(repo, "translated", "ko"),
      glossary: emptyGlossary,
      model: "bench",
      config,
      client: timedClient,
      registry,
      openQueue: () => openTranslationQueue({ config, repoRoot: repo, language: "ko" }),
    });
    const wallMs = performance.now() - startedAt;
    const cpu = process.cpuUsage(cpuBefore);
    if (summary.translated.length !== DOCUMENTS || summary.flagged.length > 0) {
      throw new Error(
        `${label}: ${summary.translated.length} translated, ${summary.flagged.length} flagged`,
      );
    }
    // Each worker runs ceil(batches / workers) batches one after another; every document of
    // this set is one chunk, so a batch makes BATCH calls in a row.
    const callsPerDocument = stats.calls / DOCUMENTS;
    const sequentialCalls = Math.ceil(summary.batches / WORKERS) * BATCH * callsPerDocument;
    const idealMs = sequentialCalls * LATENCY_MS;
    const sample = readFileSync(
      path.join(repo, "translated", "ko", "docs", `guide-000${extension}`),
      "utf8",
    );
    return {
      wallMs: round(wallMs, 1),
      idealMs,
      ratio: round(wallMs / idealMs),
      // Start-up (sources, hashes, queue, loading the format readers) until the first request.
      msToFirstRequest: round(firstCallAt - startedAt, 1),
      cpuMs: round((cpu.user + cpu.system) / 1000, 1),
      calls: stats.calls,
      callsPerDocument,
      sequentialCallsPerWorker: sequentialCalls,
      peakWorkers: summary.workers,
      batches: summary.batches,
      outputLooksRight:
        extension === ".md"
          ? sample.includes("harness status --feature 0 --json") && sample.includes("«ko:")
          : sample.startsWith("«ko:Paragraph 0"),
    };
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}

/** One case in this process: its result and the model traffic it counted. */
async function runCase(name) {
  const stats = { calls: 0, promptChars: 0, systemChars: 0, answerChars: 0 };
  if (name === "plain")
    return { result: await runOnce("plain text", fakeClient(stats), stats, ".txt"), stats };
  if (name === "markdown")
    return { result: await runOnce("in process", fakeClient(stats), stats), stats };
  const backend = await startFakeLlamaServer(stats);
  const router = await serveRouter({
    config: configSchema.parse({
      router: {
        port: 0,
        maxQueue: 256,
        backends: [{ name: "fake", kind: "llama-server", url: backend.url, slots: WORKERS }],
      },
    }),
    events: { emit() {} },
  });
  try {
    const client = createModelClient({ protocol: "openai", baseURL: router.url, maxRetries: 0 });
    return { result: await runOnce("through the router", client, stats), stats };
  } finally {
    await router.close();
    await backend.close();
  }
}

if (CASES !== undefined) {
  const done = [];
  for (const name of CASES) done.push({ name, ...(await runCase(name)) });
  console.log(JSON.stringify(done));
  process.exit(0);
}

/** Runs `names` one after another in a fresh Node process with the same flags. */
function runChild(names) {
  const script = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, [script, ...argv, "--cases", names.join(",")], {
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`${names.join(", ")} failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").at(-1));
}

/** The run with the median ratio, with every ratio seen. */
function median(runs) {
  if (runs.length === 0) return undefined;
  const sorted = [...runs].sort((a, b) => a.ratio - b.ratio);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)], ratios: runs.map((run) => run.ratio) };
}

const results = { plain: [], markdown: [], router: [] };
let inProcessStats;
for (let run = 0; run < RUNS; run++) {
  const groups = ONE_PROCESS ? [ONLY] : ONLY.map((name) => [name]);
  for (const group of groups) {
    for (const { name, result, stats } of runChild(group)) {
      results[name].push(result);
      if (name === "markdown") inProcessStats ??= stats;
    }
  }
}
// The tokens per document come from a Markdown run in process.
inProcessStats ??= runChild(["markdown"])[0].stats;
const plainRun = median(results.plain);
const inProcess = median(results.markdown);
const throughRouter = median(results.router);

// Tokens per document: the engine's prompts and answers against a naive whole-file request.
const naivePrompt = (text) =>
  "Translate this Markdown file into Korean. Keep the formatting, code blocks, inline code, " +
  "URLs and front-matter keys exactly as they are; translate only the human text.\n\n" +
  text;
let naivePromptTokens = 0;
let naiveAnswerTokens = 0;
for (let i = 0; i < DOCUMENTS; i++) {
  naivePromptTokens += estimateTokens(naivePrompt(documentText(i)));
  naiveAnswerTokens += estimateTokens(documentText(i));
}
const perDocument = (value) => round(value / DOCUMENTS, 1);
const promptTokens = perDocument(Math.ceil(inProcessStats.promptChars / 4));
const systemTokens = perDocument(Math.ceil(inProcessStats.systemChars / 4));
const answerTokens = perDocument(Math.ceil(inProcessStats.answerChars / 4));

console.log(
  JSON.stringify(
    {
      benchmark: "translate-batch",
      documents: DOCUMENTS,
      workers: WORKERS,
      batch: BATCH,
      latencyMs: LATENCY_MS,
      runs: RUNS,
      processes: ONE_PROCESS ? "one per run" : "one per case and run",
      target: { ratioAtMost: 1.15 },
      plainTextInProcess: plainRun,
      markdownInProcess: inProcess,
      markdownThroughRouter: throughRouter,
      tokensPerDocument: {
        engine: {
          prompt: promptTokens,
          promptOfWhichSystem: systemTokens,
          promptWithoutSystem: round(promptTokens - systemTokens, 1),
          answer: answerTokens,
        },
        naiveWholeFile: {
          prompt: perDocument(naivePromptTokens),
          answer: perDocument(naiveAnswerTokens),
        },
        promptRatio: round(promptTokens / perDocument(naivePromptTokens)),
        promptWithoutSystemRatio: round(
          (promptTokens - systemTokens) / perDocument(naivePromptTokens),
        ),
        answerRatio: round(answerTokens / perDocument(naiveAnswerTokens)),
      },
      node: process.version,
      cpus: os.cpus().length,
    },
    null,
    2,
  ),
);
