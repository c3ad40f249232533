/**
 * A local stand-in for the Anthropic Messages API, enough for Claude Code 2.1.x to finish a
 * headless run offline. It records every request (method, path, query, headers, body) so tests
 * can assert what the client sent, and replies to POST /v1/messages with scripted text, streamed
 * as server-sent events or as one JSON object, whichever the request asks for.
 *
 * Unexpected traffic fails loudly: a Messages request with no scripted reply left, or an unknown
 * path, gets an Anthropic-shaped error and lands in `unexpected`.
 */
import http, {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";

/** One HTTP request the server received. */
export interface RecordedRequest {
  method: string;
  /** The path without its query, e.g. "/v1/messages". */
  path: string;
  /** Query parameters; Claude Code adds `beta=true` to every Messages call. */
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The JSON body, or undefined when the body was empty or not JSON. */
  body: unknown;
  rawBody: string;
}

/** What the fake model answers; with no options every Messages request is an error. */
export interface FakeAnthropicServerOptions {
  /** Reply texts for POST /v1/messages, used in order. */
  replies?: readonly string[];
  /** Used for every Messages request after the scripted replies run out. Without it, such a
   * request gets a 400 error that says so. */
  fallbackReply?: string;
}

/** A running fake server; `close()` it when done. */
export interface FakeAnthropicServer {
  /** For ANTHROPIC_BASE_URL, e.g. "http://127.0.0.1:43123" (no trailing slash). */
  url: string;
  /** Every request, in arrival order. */
  requests: RecordedRequest[];
  /** Requests that got an error instead of a reply; a healthy test leaves this empty. */
  unexpected: RecordedRequest[];
  /** The POST /v1/messages requests among `requests`. */
  messageRequests(): RecordedRequest[];
  close(): Promise<void>;
}

// Only what the fake needs to read; everything else in the body is kept as sent.
const messagesBodySchema = z.looseObject({
  model: z.string().default("claude-fake"),
  stream: z.boolean().default(false),
});

export async function startFakeAnthropicServer(
  options: FakeAnthropicServerOptions = {},
): Promise<FakeAnthropicServer> {
  const requests: RecordedRequest[] = [];
  const unexpected: RecordedRequest[] = [];
  const replies = [...(options.replies ?? [])];
  let messageCount = 0;

  const handle = (request: RecordedRequest, response: ServerResponse) => {
    const isPost = request.method === "POST";
    if (isPost && request.path === "/v1/messages/count_tokens") {
      return sendJson(response, 200, { input_tokens: estimateTokens(request.rawBody) });
    }
    if (isPost && request.path === "/v1/messages") {
      const parsed = messagesBodySchema.safeParse(request.body);
      if (!parsed.success) {
        unexpected.push(request);
        return sendError(response, 400, "invalid_request_error", "fake server: body is not JSON");
      }
      messageCount++;
      const text = replies.shift() ?? options.fallbackReply;
      if (text === undefined) {
        unexpected.push(request);
        return sendError(
          response,
          400,
          "invalid_request_error",
          `fake server: no scripted reply for Messages request #${messageCount}`,
        );
      }
      const reply = {
        id: `msg_fake_${messageCount}`,
        model: parsed.data.model,
        text,
        inputTokens: estimateTokens(request.rawBody),
        outputTokens: estimateTokens(text),
      };
      return parsed.data.stream ? streamReply(response, reply) : sendReply(response, reply);
    }
    // Claude Code checks the base URL is reachable with a HEAD / before its first call.
    if ((request.method === "HEAD" || request.method === "GET") && request.path === "/") {
      response.writeHead(200).end();
      return;
    }
    unexpected.push(request);
    sendError(
      response,
      404,
      "not_found_error",
      `fake server: no route ${request.method} ${request.path}`,
    );
  };

  const server = http.createServer((incoming, response) => {
    readBody(incoming).then(
      (rawBody) => {
        const recorded = record(incoming, rawBody);
        requests.push(recorded);
        handle(recorded, response);
      },
      (error: unknown) => sendError(response, 400, "invalid_request_error", String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    unexpected,
    messageRequests: () => requests.filter((r) => r.method === "POST" && r.path === "/v1/messages"),
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Claude Code keeps connections alive; drop them so close() does not wait for a timeout.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Every string inside a request body, joined by newlines: system prompt, messages, tools. */
export function collectText(value: unknown): string {
  const parts: string[] = [];
  const walk = (node: unknown) => {
    if (typeof node === "string") parts.push(node);
    else if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === "object") Object.values(node).forEach(walk);
  };
  walk(value);
  return parts.join("\n");
}

interface Reply {
  id: string;
  model: string;
  text: string;
  inputTokens: number;
  outputTokens: number;
}

function streamReply(response: ServerResponse, reply: Reply): void {
  response.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  const send = (type: string, data: Record<string, unknown>) =>
    response.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  send("message_start", {
    message: {
      id: reply.id,
      type: "message",
      role: "assistant",
      model: reply.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: reply.inputTokens, output_tokens: 1 },
    },
  });
  send("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
  send("content_block_delta", { index: 0, delta: { type: "text_delta", text: reply.text } });
  send("content_block_stop", { index: 0 });
  send("message_delta", {
    delta: { stop_reason: "end_turn", stop_sequence: null },
    usage: { output_tokens: reply.outputTokens },
  });
  send("message_stop", {});
  response.end();
}

function sendReply(response: ServerResponse, reply: Reply): void {
  sendJson(response, 200, {
    id: reply.id,
    type: "message",
    role: "assistant",
    model: reply.model,
    content: [{ type: "text", text: reply.text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: reply.inputTokens, output_tokens: reply.outputTokens },
  });
}

function sendError(response: ServerResponse, status: number, type: string, message: string): void {
  sendJson(response, status, { type: "error", error: { type, message } });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** A rough count (four characters a token) so usage numbers are plausible, not exact. */
function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function readBody(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    incoming.on("error", reject);
  });
}

function record(incoming: IncomingMessage, rawBody: string): RecordedRequest {
  const url = new URL(incoming.url ?? "/", "http://127.0.0.1");
  let body: unknown;
  try {
    body = rawBody === "" ? undefined : JSON.parse(rawBody);
  } catch {
    body = undefined;
  }
  return {
    method: incoming.method ?? "GET",
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: incoming.headers,
    body,
    rawBody,
  };
}
