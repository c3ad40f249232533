#!/usr/bin/env node
// Model servers for the router benchmarks, one process, several ports:
//   node sim-llm-server.mjs --mode fast --ports 9001
//   node sim-llm-server.mjs --mode llama --ports 9001,9002,9003,9004 --slots 2
// "fast" answers /v1/chat/completions at once (JSON, or 5 SSE chunks when stream is true).
// "llama" simulates llama-server: `--slots` requests at once, a prompt cache of the last
// `--cache-entries` prompts (prefix reuse), prefill time per uncached token, and llama-server
// `timings` (cache_n, prompt_n) in responses. Prints "ready <ports>" when listening.
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
const cacheEntries = Number(args["cache-entries"] ?? 8);
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
  // Slots bound how many requests run at once; the prompt cache (like llama-server's slot
  // caches plus its host-memory prompt cache) keeps the last `cacheEntries` prompts, and a new
  // request reuses the longest prefix it shares with any of them.
  const cache = [];
  let busy = 0;
  const waiting = [];
  const sharedLength = (a, b) => {
    const limit = Math.min(a.length, b.length);
    let shared = 0;
    while (shared < limit && a.charCodeAt(shared) === b.charCodeAt(shared)) shared++;
    return shared;
  };
  return {
    acquire: () =>
      new Promise((resolve) => {
        if (busy < slotCount) {
          busy++;
          resolve();
        } else waiting.push(resolve);
      }),
    release: () => {
      const next = waiting.shift();
      if (next) next();
      else busy--;
    },
    /** Characters of `prompt` already cached; then remembers `prompt` (LRU). */
    lookupAndStore(prompt) {
      let best = -1;
      let bestShared = 0;
      cache.forEach((entry, index) => {
        const shared = sharedLength(entry, prompt);
        if (shared > bestShared) {
          best = index;
          bestShared = shared;
        }
      });
      // A prompt that extends a cached one replaces it (the same conversation, one turn on).
      if (best !== -1 && bestShared === cache[best].length) cache.splice(best, 1);
      cache.push(prompt);
      if (cache.length > cacheEntries) cache.shift();
      return bestShared;
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
      await llama.acquire();
      const sharedChars = llama.lookupAndStore(prompt);
      const promptTokens = tokensOf(prompt);
      const cached = Math.min(promptTokens, Math.floor(sharedChars / 4));
      const uncached = promptTokens - cached;
      const prefillMs = uncached * prefillMsPerToken;
      setTimeout(() => {
        llama.release();
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
