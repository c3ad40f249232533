#!/usr/bin/env node
// Model servers for the router benchmarks, one process, several ports:
//   node sim-llm-server.mjs --mode fast --ports 9001
//   node sim-llm-server.mjs --mode llama --ports 9001,9002,9003,9004 --slots 2
// "fast" answers /v1/chat/completions at once (JSON, or 5 SSE chunks when stream is true).
// "llama" simulates llama-server: each slot keeps the last prompt it processed; a request goes to
// the idle slot sharing the longest prefix; prefill costs time per uncached token; responses
// carry llama-server `timings` (cache_n, prompt_n). Prints "ready <ports>" when listening.
import http from "node:http";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, index, all) => {
    if (arg.startsWith("--")) pairs.push([arg.slice(2), all[index + 1]]);
    return pairs;
  }, []),
);
const mode = args.mode ?? "fast";
const ports = String(args.ports ?? "0")
  .split(",")
  .map(Number);
const slotCount = Number(args.slots ?? 2);
// A GPU prefills a few thousand tokens per second per slot for a mid-size model.
const prefillMsPerToken = Number(args["prefill-ms-per-token"] ?? 0.2);
const tokensOf = (text) => Math.ceil(text.length / 4);

const completion = (model, content, extra = {}) =>
  JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion",
    created: 1,
    model,
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
    ...extra,
  });

const streamChunks = (model) => {
  const chunk = (delta, finish = null) =>
    `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  return [
    chunk({ role: "assistant", content: "" }),
    chunk({ content: "Hello" }),
    chunk({ content: " there" }),
    chunk({}, "stop"),
    "data: [DONE]\n\n",
  ];
};

function createLlamaState() {
  const slots = Array.from({ length: slotCount }, () => ({ prompt: "", busy: false, used: 0 }));
  const waiting = [];
  let clock = 0;
  // The idle slot sharing the longest prefix with the prompt (least recently used on a tie).
  const take = (prompt) => {
    let best;
    let bestShared = -1;
    for (const slot of slots) {
      if (slot.busy) continue;
      let shared = 0;
      const limit = Math.min(slot.prompt.length, prompt.length);
      while (shared < limit && slot.prompt.charCodeAt(shared) === prompt.charCodeAt(shared))
        shared++;
      if (shared > bestShared || (shared === bestShared && slot.used < best.used)) {
        best = slot;
        bestShared = shared;
      }
    }
    if (!best) return undefined;
    best.busy = true;
    best.used = ++clock;
    return { slot: best, sharedChars: bestShared };
  };
  const drain = () => {
    while (waiting.length > 0) {
      const taken = take(waiting[0].prompt);
      if (!taken) return;
      waiting.shift().resolve(taken);
    }
  };
  return {
    acquire: (prompt) =>
      new Promise((resolve) => {
        waiting.push({ prompt, resolve });
        drain();
      }),
    release: (slot) => {
      slot.busy = false;
      drain();
    },
  };
}

for (const port of ports) {
  const llama = mode === "llama" ? createLlamaState() : undefined;
  const server = http.createServer((request, response) => {
    if (request.method === "GET" && request.url === "/health")
      return void response.end('{"status":"ok"}');
    if (request.method === "GET" && request.url === "/props")
      return void response.end(JSON.stringify({ total_slots: mode === "llama" ? slotCount : 64 }));
    if (request.method === "GET" && request.url === "/v1/models")
      return void response.end('{"object":"list","data":[{"id":"bench","object":"model"}]}');
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString() || "{}");
      const model = body.model ?? "bench";
      if (!llama) {
        if (body.stream) {
          response.writeHead(200, { "content-type": "text/event-stream" });
          for (const piece of streamChunks(model)) response.write(piece);
          return void response.end();
        }
        response.writeHead(200, { "content-type": "application/json" });
        return void response.end(completion(model, "Hello there"));
      }
      const prompt = (body.messages ?? [])
        .map(
          (m) =>
            `${m.role}:${typeof m.content === "string" ? m.content : JSON.stringify(m.content)}`,
        )
        .join("\n");
      const { slot, sharedChars } = await llama.acquire(prompt);
      const promptTokens = tokensOf(prompt);
      const cached = Math.min(promptTokens, Math.floor(sharedChars / 4));
      const uncached = promptTokens - cached;
      const prefillMs = uncached * prefillMsPerToken;
      setTimeout(() => {
        slot.prompt = prompt;
        llama.release(slot);
        response.writeHead(200, { "content-type": "application/json" });
        response.end(
          completion(model, "ok", {
            usage: {
              prompt_tokens: promptTokens,
              completion_tokens: 1,
              total_tokens: promptTokens + 1,
              prompt_tokens_details: { cached_tokens: cached },
            },
            timings: {
              cache_n: cached,
              prompt_n: uncached,
              prompt_ms: prefillMs,
              predicted_n: 1,
              predicted_ms: 1,
            },
          }),
        );
      }, prefillMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(port, "127.0.0.1", () => {
    if (ports.indexOf(port) === ports.length - 1)
      process.stdout.write(`ready ${ports.join(",")}\n`);
  });
}
