/**
 * A llama-server-like HTTP backend that pseudo-translates (see pseudo-translation.ts): GET
 * /health and /props (`total_slots`), POST /v1/chat/completions streamed or not, with a fixed
 * latency per request. It counts requests in flight, so tests can check the worker cap through
 * the real router and model client.
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { pseudoAnswer, type PromptSegment, type PseudoOptions } from "./pseudo-translation.js";

export interface PseudoTranslationServer {
  url: string;
  /** Chat request bodies, in arrival order. */
  readonly requests: Array<Record<string, unknown>>;
  /** Segments sent for translation, over all requests. */
  readonly segments: PromptSegment[];
  readonly maxActive: number;
  close(): Promise<void>;
}

export async function startPseudoTranslationServer(
  options: PseudoOptions & { latencyMs?: number; slots?: number },
): Promise<PseudoTranslationServer> {
  const requests: Array<Record<string, unknown>> = [];
  const segments: PromptSegment[] = [];
  const seen = new Map<string, number>();
  const sockets = new Set<Socket>();
  let active = 0;
  let maxActive = 0;

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

  const answer = async (body: Record<string, unknown>, res: http.ServerResponse) => {
    active++;
    maxActive = Math.max(maxActive, active);
    try {
      const messages = (body.messages ?? []) as Array<{ role: string; content: unknown }>;
      const user = messages.filter((message) => message.role === "user").at(-1);
      const text = typeof user?.content === "string" ? user.content : "";
      const { json, prompt } = pseudoAnswer(text, options, seen);
      segments.push(...prompt.segments);
      if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
      const usage = {
        prompt_tokens: Math.ceil(JSON.stringify(messages).length / 4),
        completion_tokens: Math.ceil(json.length / 4),
        total_tokens: 0,
      };
      const model = typeof body.model === "string" ? body.model : "pseudo";
      if (body.stream !== true) {
        return send(res, 200, {
          id: "chatcmpl-pseudo",
          object: "chat.completion",
          created: 1,
          model,
          choices: [
            { index: 0, message: { role: "assistant", content: json }, finish_reason: "stop" },
          ],
          usage,
        });
      }
      const chunk = (delta: object, finish: string | null = null, tail: object = {}) =>
        `data: ${JSON.stringify({
          id: "chatcmpl-pseudo",
          object: "chat.completion.chunk",
          created: 1,
          model,
          choices: [{ index: 0, delta, finish_reason: finish }],
          ...tail,
        })}\n\n`;
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write(chunk({ role: "assistant", content: "" }));
      res.write(chunk({ content: json }));
      res.write(chunk({}, "stop", { usage }));
      res.end("data: [DONE]\n\n");
    } finally {
      active--;
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const route = (req.url ?? "/").split("?")[0];
      if (req.method === "GET") {
        if (route === "/health") return send(res, 200, { status: "ok" });
        if (route === "/props") return send(res, 200, { total_slots: options.slots ?? 4 });
        if (route === "/v1/models") return send(res, 200, { data: [{ id: "pseudo" }] });
        return send(res, 404, { error: "no route" });
      }
      if (route !== "/v1/chat/completions") return send(res, 404, { error: "no route" });
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      requests.push(body);
      void answer(body, res);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    segments,
    get maxActive() {
      return maxActive;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
