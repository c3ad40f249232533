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
  slots?: number;
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
  const requests: FakeRequest[] = [];
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
      return sendText(res, status, "application/json", JSON.stringify(errorOf(protocol, status)));
    }
    const prompt =
      JSON.stringify(request.body.messages ?? []) + JSON.stringify(request.body.system ?? "");
    const usage = usageFor(prompt, previousPrompt, reply);
    previousPrompt = prompt;
    const model = typeof request.body.model === "string" ? request.body.model : "fake";
    if (request.body.stream !== true) {
      done = true;
      lastBody = JSON.stringify(
        protocol === "openai"
          ? openAiBody(model, reply, usage)
          : anthropicBody(model, reply, usage),
      );
      return sendText(res, 200, "application/json", lastBody);
    }
    const events =
      protocol === "openai"
        ? openAiEvents(model, reply, usage)
        : anthropicEvents(model, reply, usage);
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    lastBody = "";
    for (const [index, event] of events.entries()) {
      if (behavior.disconnectAfterEvents !== undefined && index >= behavior.disconnectAfterEvents) {
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

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      const rawBody = Buffer.concat(chunks).toString("utf8");
      if (req.method === "GET") return answerGet(path, res);
      const modelPath = protocol === "openai" ? "/v1/chat/completions" : "/v1/messages";
      if (req.method !== "POST" || path !== modelPath)
        return sendText(res, 404, "text/plain", "no route");
      const request = {
        path,
        headers: req.headers,
        body: JSON.parse(rawBody) as Record<string, unknown>,
        rawBody,
      };
      requests.push(request);
      void answer(request, res);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  const answerGet = (path: string, res: ServerResponse) => {
    if (path === "/health") {
      const body =
        fake.healthStatus === 503
          ? { error: { code: 503, message: "Loading model" } }
          : { status: "ok" };
      return sendText(res, fake.healthStatus, "application/json", JSON.stringify(body));
    }
    if (path === "/props" && protocol === "openai" && options.slots !== undefined) {
      return sendText(res, 200, "application/json", JSON.stringify({ total_slots: options.slots }));
    }
    if (path === "/v1/models") {
      return sendText(
        res,
        fake.healthStatus === 200 ? 200 : 503,
        "application/json",
        JSON.stringify({ data: [{ id: "fake" }] }),
      );
    }
    sendText(res, 404, "text/plain", "no route");
  };

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
    requests,
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

function openAiBody(model: string, reply: string, usage: FakeUsage) {
  return {
    id: "chatcmpl-fake",
    object: "chat.completion",
    created: 1,
    model,
    choices: [{ index: 0, message: { role: "assistant", content: reply }, finish_reason: "stop" }],
    usage: {
      prompt_tokens: usage.prompt,
      completion_tokens: usage.completion,
      total_tokens: usage.prompt + usage.completion,
    },
    timings: {
      cache_n: usage.cached,
      prompt_n: usage.prompt - usage.cached,
      predicted_n: usage.completion,
    },
  };
}

function openAiEvents(model: string, reply: string, usage: FakeUsage): string[] {
  const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id: "chatcmpl-fake", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta, finish_reason: extra.finish ?? null }], ...(extra.tail ?? {}) })}\n\n`;
  const words = reply.split(" ");
  return [
    chunk({ role: "assistant", content: "" }),
    ...words.map((word, index) => chunk({ content: index === 0 ? word : ` ${word}` })),
    chunk(
      {},
      {
        finish: "stop",
        tail: {
          usage: {
            prompt_tokens: usage.prompt,
            completion_tokens: usage.completion,
            total_tokens: usage.prompt + usage.completion,
          },
          timings: {
            cache_n: usage.cached,
            prompt_n: usage.prompt - usage.cached,
            predicted_n: usage.completion,
          },
        },
      },
    ),
    "data: [DONE]\n\n",
  ];
}

function anthropicBody(model: string, reply: string, usage: FakeUsage) {
  return {
    id: "msg_fake",
    type: "message",
    role: "assistant",
    model,
    content: [{ type: "text", text: reply }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: {
      input_tokens: usage.prompt - usage.cached,
      cache_read_input_tokens: usage.cached,
      output_tokens: usage.completion,
    },
  };
}

function anthropicEvents(model: string, reply: string, usage: FakeUsage): string[] {
  const event = (name: string, data: Record<string, unknown>) =>
    `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
  const start = {
    ...anthropicBody(model, "", usage),
    content: [],
    stop_reason: null,
    usage: {
      input_tokens: usage.prompt - usage.cached,
      cache_read_input_tokens: usage.cached,
      output_tokens: 1,
    },
  };
  return [
    event("message_start", { message: start }),
    event("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
    ...reply.split(" ").map((word, index) =>
      event("content_block_delta", {
        index: 0,
        delta: { type: "text_delta", text: index === 0 ? word : ` ${word}` },
      }),
    ),
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

function sendText(res: ServerResponse, status: number, type: string, text: string) {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
