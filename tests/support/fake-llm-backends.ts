/**
 * Fake model servers for router tests, on 127.0.0.1 with a random port. The OpenAI one behaves
 * like llama-server (/health with a switchable 503 warm-up, /props total_slots, /slots, chat
 * completions streamed or not, with `timings` whose cache_n follows the prompt prefix it saw
 * last); the Anthropic one answers /v1/messages. Both record requests and take injected faults:
 * an error status, a hang, a slow first byte, a disconnect mid-stream, and kill/restart.
 */
import http, { type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Socket } from "node:net";

/** Faults for the next model requests; fields left out behave normally. */
export interface FakeBehavior {
  /** Answer with this status and an error body in the server's protocol. */
  status?: number;
  /** Accept the request and never answer (until the client gives up). */
  hang?: boolean;
  /** Wait this long before the status line. */
  firstByteDelayMs?: number;
  /** Streams: wait this long between events. */
  eventDelayMs?: number;
  /** Streams: cut the connection after this many events. */
  disconnectAfterEvents?: number;
}

/** One model request as the fake saw it. */
export interface FakeRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  rawBody: string;
}

/** A running fake; `url` has no trailing slash. */
export interface FakeLlmBackend {
  readonly name: string;
  readonly url: string;
  readonly requests: FakeRequest[];
  /** Model requests whose client went away before the answer was complete. */
  readonly aborted: number;
  /** Model requests currently being answered. */
  readonly active: number;
  behavior: FakeBehavior;
  /** Statuses for the next requests, used up one per request before `behavior.status`. */
  nextStatuses: number[];
  /** 200 ready, 503 loading (llama-server's warm-up). */
  healthStatus: number;
  /** Exact bytes of the last answer body, for pass-through comparisons. */
  lastBody(): string;
  kill(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface FakeBackendOptions {
  name: string;
  /** Served at /props as total_slots and as the length of /slots. */
  slots?: number;
  /** Like builds without total_slots in /props: only /slots tells the count. */
  slotsEndpointOnly?: boolean;
  /** Reply text; default "Hello from <name>". */
  reply?: string;
}

type Protocol = "openai" | "anthropic";

export function startFakeOpenAiBackend(options: FakeBackendOptions): Promise<FakeLlmBackend> {
  return startFake("openai", options);
}

export function startFakeAnthropicBackend(options: FakeBackendOptions): Promise<FakeLlmBackend> {
  return startFake("anthropic", options);
}

async function startFake(protocol: Protocol, options: FakeBackendOptions): Promise<FakeLlmBackend> {
  const sockets = new Set<Socket>();
  const reply = options.reply ?? `Hello from ${options.name}`;
  let aborted = 0;
  let active = 0;
  let lastBody = "";
  let previousPrompt = "";
  let port = 0;

  const answer = async (request: FakeRequest, res: ServerResponse) => {
    active++;
    let done = false;
    res.on("close", () => {
      active--;
      if (!done && !res.writableFinished) aborted++;
    });
    const { behavior } = fake;
    const status = fake.nextStatuses.shift() ?? behavior.status;
    if (behavior.hang) return;
    if (behavior.firstByteDelayMs) await sleep(behavior.firstByteDelayMs);
    if (res.destroyed) return;
    if (status !== undefined && status !== 200) {
      done = true;
      return sendJson(res, status, errorOf(protocol, status));
    }
    const prompt = JSON.stringify([request.body.system ?? "", request.body.messages ?? []]);
    const usage = usageFor(prompt, previousPrompt, reply);
    previousPrompt = prompt;
    const model = typeof request.body.model === "string" ? request.body.model : "fake";
    const [body, events] =
      protocol === "openai"
        ? [openAiBody, openAiEvents]
        : ([anthropicBody, anthropicEvents] as const);
    if (request.body.stream !== true) {
      done = true;
      lastBody = JSON.stringify(body(model, reply, usage));
      return sendJson(res, 200, lastBody);
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    lastBody = "";
    for (const [index, event] of events(model, reply, usage).entries()) {
      if (index === behavior.disconnectAfterEvents) {
        // Let the events already written reach the client before the connection drops.
        await sleep(20);
        res.socket?.destroy();
        return;
      }
      if (res.destroyed) return;
      lastBody += event;
      await new Promise<void>((resolve) => res.write(event, () => resolve()));
      if (behavior.eventDelayMs) await sleep(behavior.eventDelayMs);
    }
    done = true;
    res.end();
  };

  const answerGet = (path: string, res: ServerResponse) => {
    const ready = fake.healthStatus === 200;
    if (path === "/health") {
      const loading = { error: { code: 503, message: "Loading model" } };
      return sendJson(res, fake.healthStatus, ready ? { status: "ok" } : loading);
    }
    if (path === "/v1/models") return sendJson(res, ready ? 200 : 503, { data: [{ id: "fake" }] });
    if (options.slots !== undefined && protocol === "openai") {
      if (path === "/props" && !options.slotsEndpointOnly) {
        return sendJson(res, 200, { total_slots: options.slots });
      }
      if (path === "/slots") {
        return sendJson(
          res,
          200,
          Array.from({ length: options.slots }, (_, id) => ({ id })),
        );
      }
    }
    sendJson(res, 404, { error: "no route" });
  };

  const modelPath = protocol === "openai" ? "/v1/chat/completions" : "/v1/messages";
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      if (req.method === "GET") return answerGet(path, res);
      if (path !== modelPath) return sendJson(res, 404, { error: "no route" });
      const rawBody = Buffer.concat(chunks).toString("utf8");
      const body = JSON.parse(rawBody) as Record<string, unknown>;
      const request = { path, headers: req.headers, body, rawBody };
      fake.requests.push(request);
      void answer(request, res);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  const listen = () =>
    new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  await listen();
  port = (server.address() as AddressInfo).port;

  const stop = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };

  const fake: FakeLlmBackend = {
    name: options.name,
    url: `http://127.0.0.1:${port}`,
    requests: [],
    get aborted() {
      return aborted;
    },
    get active() {
      return active;
    },
    behavior: {},
    nextStatuses: [],
    healthStatus: 200,
    lastBody: () => lastBody,
    kill: stop,
    restart: listen,
    close: async () => {
      if (server.listening) await stop();
    },
  };
  return fake;
}

interface FakeUsage {
  prompt: number;
  cached: number;
  completion: number;
}

/** About four characters per token; the cached part is the prefix shared with the last prompt. */
function usageFor(prompt: string, previous: string, reply: string): FakeUsage {
  let common = 0;
  while (common < prompt.length && common < previous.length && prompt[common] === previous[common])
    common++;
  const total = Math.ceil(prompt.length / 4);
  const cached = Math.min(total, Math.floor(common / 4));
  return { prompt: total, cached, completion: reply.split(" ").length };
}

const openAiUsage = (usage: FakeUsage) => ({
  prompt_tokens: usage.prompt,
  completion_tokens: usage.completion,
  total_tokens: usage.prompt + usage.completion,
});
const llamaTimings = (usage: FakeUsage) => ({
  cache_n: usage.cached,
  prompt_n: usage.prompt - usage.cached,
  predicted_n: usage.completion,
});
const anthropicUsage = (usage: FakeUsage, output: number) => ({
  input_tokens: usage.prompt - usage.cached,
  cache_read_input_tokens: usage.cached,
  output_tokens: output,
});
/** The reply as stream pieces: "Hello", " from", " gpu-1". */
const pieces = (reply: string) =>
  reply.split(" ").map((word, index) => (index ? ` ${word}` : word));

function openAiBody(model: string, reply: string, usage: FakeUsage) {
  const message = { role: "assistant", content: reply };
  return {
    ...{ id: "chatcmpl-fake", object: "chat.completion", created: 1, model },
    choices: [{ index: 0, message, finish_reason: "stop" }],
    ...{ usage: openAiUsage(usage), timings: llamaTimings(usage) },
  };
}

function openAiEvents(model: string, reply: string, usage: FakeUsage): string[] {
  const chunk = (delta: object, finish: string | null = null, tail: object = {}) => {
    const head = { id: "chatcmpl-fake", object: "chat.completion.chunk", created: 1, model };
    const choices = [{ index: 0, delta, finish_reason: finish }];
    return `data: ${JSON.stringify({ ...head, choices, ...tail })}\n\n`;
  };
  return [
    chunk({ role: "assistant", content: "" }),
    ...pieces(reply).map((content) => chunk({ content })),
    chunk({}, "stop", { usage: openAiUsage(usage), timings: llamaTimings(usage) }),
    "data: [DONE]\n\n",
  ];
}

function anthropicBody(model: string, reply: string, usage: FakeUsage) {
  return {
    ...{ id: "msg_fake", type: "message", role: "assistant", model },
    content: reply ? [{ type: "text", text: reply }] : [],
    ...{ stop_reason: reply ? "end_turn" : null, stop_sequence: null },
    usage: anthropicUsage(usage, reply ? usage.completion : 1),
  };
}

function anthropicEvents(model: string, reply: string, usage: FakeUsage): string[] {
  const event = (name: string, data: object) =>
    `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
  const textDelta = (text: string) => ({ index: 0, delta: { type: "text_delta", text } });
  return [
    event("message_start", { message: anthropicBody(model, "", usage) }),
    event("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
    ...pieces(reply).map((text) => event("content_block_delta", textDelta(text))),
    event("content_block_stop", { index: 0 }),
    event("message_delta", {
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: usage.completion },
    }),
    event("message_stop", {}),
  ];
}

function errorOf(protocol: Protocol, status: number) {
  const message = `fake failure ${status}`;
  return protocol === "openai"
    ? { error: { message, type: "server_error", code: status } }
    : {
        type: "error",
        error: { type: status >= 500 ? "api_error" : "invalid_request_error", message },
      };
}

/** Sends a value as JSON, or a string as the exact body text. */
function sendJson(res: ServerResponse, status: number, value: unknown) {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
