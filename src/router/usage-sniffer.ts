/**
 * Token usage from bytes the router passes through without parsing them on the way. Usage sits
 * at the edges of an answer: in the last events of a stream (OpenAI usage, llama-server timings,
 * Anthropic message_delta) and in the first one (Anthropic message_start), and at the end of a
 * JSON body (`usage`, llama-server `timings`). So the sniffer keeps the head and the tail of a
 * stream, or the tail of a body, and reads them once the answer is complete; from a body it
 * parses only those two small objects, never the whole answer.
 */
import type { TokenUsage, WireProtocol } from "./backend.js";
import { createSseParser } from "./sse.js";
import { extractUsage } from "./translate/index.js";

/** Feed every chunk to `push`; `finish` reads what was kept (once, after the last byte). */
export interface UsageSniffer {
  push(chunk: Uint8Array): void;
  finish(): TokenUsage | undefined;
}

const edgeBytes = 8 * 1024;

type UsageFigures = Partial<TokenUsage>;

export function createUsageSniffer(protocol: WireProtocol, streamed: boolean): UsageSniffer {
  const head: Uint8Array[] = [];
  const tail: Uint8Array[] = [];
  let headBytes = 0;
  let tailBytes = 0;

  return {
    push(chunk) {
      if (streamed && headBytes < edgeBytes) {
        head.push(chunk);
        headBytes += chunk.length;
        return;
      }
      tail.push(chunk);
      tailBytes += chunk.length;
      while (tail.length > 1 && tailBytes - (tail[0] as Uint8Array).length >= edgeBytes) {
        tailBytes -= (tail.shift() as Uint8Array).length;
      }
    },
    finish() {
      if (!streamed) {
        const text = Buffer.concat(tail).toString("utf8");
        const members = { usage: lastMember(text, "usage"), timings: lastMember(text, "timings") };
        return completeUsage(extractUsage(members, protocol));
      }
      const figures: UsageFigures = {};
      readEvents(Buffer.concat(head).toString("utf8"), protocol, figures);
      // The tail starts in the middle of an event; that fragment fails to parse and is skipped.
      if (tail.length > 0) readEvents(Buffer.concat(tail).toString("utf8"), protocol, figures);
      return completeUsage(figures);
    },
  };
}

function readEvents(text: string, protocol: WireProtocol, figures: UsageFigures): void {
  const parser = createSseParser();
  for (const event of [...parser.push(text), ...parser.end()]) {
    const usage = extractUsage(event, protocol);
    // Later events carry running totals, so they override earlier ones.
    if (usage) Object.assign(figures, usage);
  }
}

// Character codes of backslash, quote and braces, for the brace scan below.
const backslash = 92;
const quote = 34;
const openBrace = 123;
const closeBrace = 125;

/**
 * The value of the last `"key": {...}` in a JSON text, found by scanning braces from the key
 * instead of parsing the whole text. Inside JSON strings a quote is escaped, so a key-like
 * sequence within the model's text never matches.
 */
export function lastMember(text: string, key: string): unknown {
  let at = text.lastIndexOf(`"${key}":`);
  while (at > 0 && text[at - 1] === "\\") at = text.lastIndexOf(`"${key}":`, at - 1);
  if (at === -1) return undefined;
  const start = text.indexOf("{", at + key.length + 3);
  if (start === -1 || text.slice(at + key.length + 3, start).trim() !== "") return undefined;
  let depth = 0;
  let inString = false;
  for (let index = start; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === backslash) index++;
      else if (code === quote) inString = false;
    } else if (code === quote) inString = true;
    else if (code === openBrace) depth++;
    else if (code === closeBrace && --depth === 0) {
      try {
        return JSON.parse(text.slice(start, index + 1)) as unknown;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Fills the counts a response did not report with 0; undefined when it reported none. */
export function completeUsage(figures: UsageFigures | undefined): TokenUsage | undefined {
  if (!figures || Object.keys(figures).length === 0) return undefined;
  return {
    inputTokens: figures.inputTokens ?? 0,
    outputTokens: figures.outputTokens ?? 0,
    cachedTokens: figures.cachedTokens ?? 0,
  };
}
