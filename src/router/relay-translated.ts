/**
 * The backend speaks the other protocol, or the caller a dialect (the Responses API): streams are
 * parsed event by event, translated (backend protocol -> caller protocol -> dialect) and written
 * as soon as each translated event exists; whole bodies (answers and errors) are read,
 * translated and written at once.
 */
import type { TokenUsage } from "./backend.js";
import { asBuffer, isEventStream, passThroughHeaders, writeToClient } from "./client-writes.js";
import type { RelayOptions, RelayResult } from "./response-relay.js";
import { completeUsage } from "./usage-sniffer.js";
import { createSseParser, serializeSseEvent, type SseEvent } from "./sse.js";
import {
  chainStreamTranslators,
  createStreamTranslator,
  extractUsage,
  translateErrorBody,
  translateResponseBody,
} from "./translate/index.js";

// A translated body has a new length and encoding; the rest of the upstream headers still apply.
const rewrittenHeaders = new Set(["content-length", "content-type", "content-encoding"]);

export async function relayTranslated(options: RelayOptions): Promise<RelayResult> {
  if (options.upstream.status < 400 && isEventStream(options.upstream.headers)) {
    return relayTranslatedStream(options);
  }
  return relayTranslatedBody(options);
}

async function relayTranslatedStream(options: RelayOptions): Promise<RelayResult> {
  const { upstream, res, backendProtocol, callerProtocol } = options;
  const parser = createSseParser();
  const protocolTranslator = createStreamTranslator(
    backendProtocol,
    callerProtocol,
    options.requestedModel,
  );
  const translator = options.dialect
    ? chainStreamTranslators(protocolTranslator, options.dialect.createStreamTranslator())
    : protocolTranslator;
  const decoder = new TextDecoder();
  const usage: Partial<TokenUsage> = {};
  let written = false;

  const translate = (events: SseEvent[]): string => {
    let out = "";
    for (const event of events) {
      const found = extractUsage(event, backendProtocol);
      if (found) Object.assign(usage, found);
      for (const translated of translator.push(event)) out += serializeSseEvent(translated);
    }
    return out;
  };
  const send = async (text: string) => {
    if (text === "") return;
    if (!written) {
      res.writeHead(upstream.status, {
        ...passThroughHeaders(upstream.headers, options.backendName, rewrittenHeaders),
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
      });
      written = true;
    }
    const wait = writeToClient(res, text);
    if (wait) await wait;
  };

  try {
    for await (const chunk of upstream.body) {
      options.onChunk();
      await send(translate(parser.push(decoder.decode(chunk, { stream: true }))));
    }
    let last = translate(parser.push(decoder.decode())) + translate(parser.end());
    for (const event of translator.end()) last += serializeSseEvent(event);
    await send(last);
  } catch (error) {
    return { written, error, eventStream: true };
  }
  res.end();
  return { written: true, eventStream: true, ...usageIfAny(usage) };
}

async function relayTranslatedBody(options: RelayOptions): Promise<RelayResult> {
  const { upstream, res, backendProtocol, callerProtocol } = options;
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of upstream.body) {
      options.onChunk();
      chunks.push(asBuffer(chunk));
    }
  } catch (error) {
    return { written: false, error };
  }
  const text = Buffer.concat(chunks).toString("utf8");
  const parsed = parseJson(text);
  let status = upstream.status;
  let body: Record<string, unknown>;
  let usage: Partial<TokenUsage> | undefined;
  if (status >= 400) {
    body = translateErrorBody(parsed ?? text, status, backendProtocol, callerProtocol);
    if (options.dialect) body = options.dialect.translateErrorBody(body, status);
  } else if (isRecord(parsed)) {
    body = translateResponseBody(parsed, backendProtocol, callerProtocol, options.requestedModel);
    if (options.dialect) body = options.dialect.translateBody(body);
    usage = extractUsage(parsed, backendProtocol);
  } else {
    status = 502;
    body = translateErrorBody(
      `backend answered ${upstream.status} with no JSON body`,
      502,
      backendProtocol,
      callerProtocol,
    );
    if (options.dialect) body = options.dialect.translateErrorBody(body, status);
  }
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...passThroughHeaders(upstream.headers, options.backendName, rewrittenHeaders),
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(payload)),
  });
  res.end(payload);
  return { written: true, ...usageIfAny(usage) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function usageIfAny(figures: Partial<TokenUsage> | undefined): { usage?: TokenUsage } {
  const usage = completeUsage(figures);
  return usage ? { usage } : {};
}
