/**
 * One try of a request on one backend: send it, watch for stalls, and either relay the answer
 * or report a failure that happened before any byte reached the client (the only kind the
 * router may retry elsewhere). A 5xx answer is read, not relayed, so the next backend can still
 * answer instead; if none can, the caller relays the saved one.
 */
import type { ServerResponse } from "node:http";
import type { TokenUsage, UpstreamResponse } from "./backend.js";
import type { ClientWatch } from "./client-watch.js";
import type { RouterClock } from "./clock.js";
import { upstreamPartsFor, type ModelRequest } from "./model-request.js";
import { relayResponse } from "./response-relay.js";
import { streamErrorEvent } from "./router-errors.js";
import type { RoutedBackend } from "./routed-backend.js";
import { startStallWatchdog } from "./stall-watchdog.js";

/** An upstream 5xx answer, kept whole so it can be given to the client if nothing else works. */
export interface SavedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export type FailureKind = "connection" | "timeout" | "upstream-5xx";

export type AttemptResult =
  | {
      outcome: "answered";
      status: number;
      /** Set when the stream broke after the client got bytes (it was ended with an error). */
      brokenAfterWrite?: string;
      usage?: TokenUsage;
      ttftMs?: number;
      generationMs?: number;
    }
  | { outcome: "failed"; kind: FailureKind; message: string; saved?: SavedResponse }
  | { outcome: "client-gone"; status: number };

/** Everything one attempt needs; `client` aborts the attempt when the caller disconnects. */
export interface AttemptInput {
  routed: RoutedBackend;
  request: ModelRequest;
  res: ServerResponse;
  client: ClientWatch;
  clock: RouterClock;
  timeouts: { firstByteMs: number; idleMs: number };
}

const savedBodyLimit = 64 * 1024;

export async function attemptUpstream(input: AttemptInput): Promise<AttemptResult> {
  const { routed, request, clock, client } = input;
  const backend = routed.backend;
  if (client.gone) return { outcome: "client-gone", status: 499 };
  const controller = new AbortController();
  client.current = controller;
  let stalled: "first-byte" | "idle" | undefined;
  const watchdog = startStallWatchdog({
    clock,
    ...input.timeouts,
    onStall(what) {
      stalled = what;
      controller.abort();
    },
  });
  const startedAt = clock.now();
  let firstChunkAt: number | undefined;
  const onChunk = () => {
    watchdog.activity();
    firstChunkAt ??= clock.now();
  };
  const failure = (error: unknown): AttemptResult =>
    client.gone
      ? { outcome: "client-gone", status: 499 }
      : { outcome: "failed", ...classify(error, stalled, input.timeouts) };

  try {
    const parts = upstreamPartsFor(request, backend.protocol);
    let upstream: UpstreamResponse;
    try {
      upstream = await backend.send({
        ...parts,
        stream: request.stream,
        signal: controller.signal,
      });
    } catch (error) {
      return failure(error);
    }
    if (upstream.status >= 500) {
      try {
        const body = await readLimited(upstream.body, onChunk);
        const saved = { status: upstream.status, headers: upstream.headers, body };
        return {
          outcome: "failed",
          kind: "upstream-5xx",
          message: `answered ${upstream.status}`,
          saved,
        };
      } catch (error) {
        return failure(error);
      }
    }
    const relayed = await relayResponse({
      upstream,
      res: input.res,
      callerProtocol: request.protocol,
      backendProtocol: backend.protocol,
      requestedModel: request.model,
      backendName: backend.name,
      ...(request.dialect ? { dialect: request.dialect } : {}),
      onChunk,
    });
    if (relayed.error !== undefined && client.gone) {
      return { outcome: "client-gone", status: upstream.status };
    }
    if (relayed.error !== undefined && !relayed.written) return failure(relayed.error);
    const end = clock.now();
    let brokenAfterWrite: string | undefined;
    if (relayed.error !== undefined) {
      brokenAfterWrite = classify(relayed.error, stalled, input.timeouts).message;
      endBrokenAnswer(
        input.res,
        relayed.eventStream === true,
        request,
        `backend ${backend.name} broke off: ${brokenAfterWrite}`,
      );
    }
    return {
      outcome: "answered",
      status: upstream.status,
      ...(brokenAfterWrite !== undefined ? { brokenAfterWrite } : {}),
      ...(relayed.usage ? { usage: relayed.usage } : {}),
      ...(firstChunkAt !== undefined ? { ttftMs: firstChunkAt - startedAt } : {}),
      // Only a stream shows when generation ran; a whole answer arrives in one piece.
      ...(firstChunkAt !== undefined && relayed.eventStream === true
        ? { generationMs: end - firstChunkAt }
        : {}),
    };
  } finally {
    watchdog.stop();
    client.current = undefined;
  }
}

/** A stream gets a final error event; a plain body cannot be mended, so the socket is cut. */
function endBrokenAnswer(
  res: ServerResponse,
  eventStream: boolean,
  request: ModelRequest,
  message: string,
): void {
  if (eventStream) {
    res.end(
      request.dialect
        ? request.dialect.brokenStreamEnd(message)
        : streamErrorEvent(request.protocol, message),
    );
  } else {
    res.destroy();
  }
}

async function readLimited(body: AsyncIterable<Uint8Array>, onChunk: () => void): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    onChunk();
    chunks.push(chunk);
    size += chunk.length;
    // Breaking out of the loop closes the upstream body; an error page needs no more than this.
    if (size >= savedBodyLimit) break;
  }
  return Buffer.concat(chunks);
}

function classify(
  error: unknown,
  stalled: "first-byte" | "idle" | undefined,
  timeouts: { firstByteMs: number; idleMs: number },
): { kind: FailureKind; message: string } {
  if (stalled === "first-byte") {
    return { kind: "timeout", message: `no answer within ${timeouts.firstByteMs} ms` };
  }
  if (stalled === "idle") {
    return { kind: "timeout", message: `stream silent for ${timeouts.idleMs} ms` };
  }
  const code =
    typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === "string" && code.includes("TIMEOUT")) return { kind: "timeout", message };
  return {
    kind: "connection",
    message: typeof code === "string" ? `${code}: ${message}` : message,
  };
}
