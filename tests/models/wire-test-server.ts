/**
 * A scripted HTTP server on 127.0.0.1 for the model adapter tests. Each request is recorded and
 * answered by the next scripted reply: JSON with a status, server-sent events, or a stream that
 * sends its first events and then hangs (for abort tests). A request with no reply left gets a
 * 500 and lands in `unexpected`.
 */
import http, { type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** One server-sent event: `event` is set for the Anthropic format; `data` objects become JSON. */
export interface SseFrame {
  event?: string;
  data: unknown;
}

export type Reply =
  | { status?: number; json: unknown; headers?: Record<string, string> }
  | { sse: SseFrame[]; hang?: boolean };

export interface WireTestServer {
  url: string;
  requests: SeenRequest[];
  unexpected: SeenRequest[];
  close(): Promise<void>;
}

export async function startWireTestServer(replies: Reply[]): Promise<WireTestServer> {
  const requests: SeenRequest[] = [];
  const unexpected: SeenRequest[] = [];
  const queue = [...replies];
  const hanging = new Set<http.ServerResponse>();

  const server = http.createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (raw += chunk));
    req.on("end", () => {
      const seen: SeenRequest = {
        method: req.method ?? "",
        path: (req.url ?? "").split("?")[0] ?? "",
        headers: req.headers,
        body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {},
      };
      requests.push(seen);
      const reply = queue.shift();
      if (!reply) {
        unexpected.push(seen);
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { type: "api_error", message: "no reply scripted" } }));
        return;
      }
      if ("json" in reply) {
        res.writeHead(reply.status ?? 200, {
          "content-type": "application/json",
          ...reply.headers,
        });
        res.end(JSON.stringify(reply.json));
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      for (const frame of reply.sse) res.write(formatFrame(frame));
      if (reply.hang) {
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
      } else {
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    unexpected,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function formatFrame(frame: SseFrame): string {
  const data = typeof frame.data === "string" ? frame.data : JSON.stringify(frame.data);
  return `${frame.event ? `event: ${frame.event}\n` : ""}data: ${data}\n\n`;
}

/** A port nothing listens on: bound, then released. */
export async function closedPortURL(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
