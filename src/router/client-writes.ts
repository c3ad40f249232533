/**
 * Writing an answer to the client: which upstream headers may pass, and writes that respect
 * backpressure without hanging when the client goes away.
 */
import type { ServerResponse } from "node:http";

// Hop-by-hop headers describe one connection, not the answer; Node sets its own.
const hopByHop = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "proxy-connection",
  "upgrade",
  "te",
  "trailer",
]);

/** The upstream headers the client may see, plus which backend answered. */
export function passThroughHeaders(
  upstream: Record<string, string>,
  backendName: string,
  drop?: ReadonlySet<string>,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name in upstream) {
    if (!hopByHop.has(name) && !drop?.has(name)) headers[name] = upstream[name] as string;
  }
  headers["x-harness-backend"] = backendName;
  return headers;
}

export function isEventStream(headers: Record<string, string>): boolean {
  return headers["content-type"]?.includes("text/event-stream") ?? false;
}

/** Writes and, when the socket buffer is full, waits until it drains or the client left. */
export function writeToClient(
  res: ServerResponse,
  data: Uint8Array | string,
): Promise<void> | undefined {
  if (res.write(data) || res.destroyed) return undefined;
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/**
 * Where the last complete server-sent event ends (just past its blank line), or -1. Passing
 * only whole events lets the router end a broken stream with a clean error event.
 */
export function lastEventBoundary(bytes: Buffer): number {
  const lf = bytes.lastIndexOf("\n\n");
  const crlf = bytes.lastIndexOf("\r\n\r\n");
  return Math.max(lf === -1 ? -1 : lf + 2, crlf === -1 ? -1 : crlf + 4);
}

/** A view of the same bytes as a Buffer, without copying. */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
}
