/**
 * A deterministic pseudo-translator for translation tests: it reads the segments out of the
 * engine's prompt and answers `{translations: [{index, text}]}` with each text wrapped in
 * language markers (`«ko:Hello»`), placeholders and kept glossary terms left as they are and
 * fixed glossary terms replaced as the prompt asks, the way a well-behaved model would.
 * Faults are injected per segment (`sabotage`), and every call is recorded with how many were
 * in flight, so tests can count concurrency.
 *
 * `PseudoTranslationClient` is a ModelClient (in-process); `pseudoAnswer` is the same logic for
 * the fake OpenAI-style HTTP server (`pseudo-translation-server.ts`).
 */
import type {
  ModelClient,
  ModelEvent,
  ModelRequest,
  ModelStream,
} from "../../../src/models/model-client.js";
import { createErrorEvent } from "../../../src/models/model-errors.js";
import { createModelStream } from "../../../src/models/model-stream.js";

export interface PromptSegment {
  index: number;
  kind: string;
  text: string;
}

export interface ParsedPrompt {
  segments: PromptSegment[];
  before: PromptSegment[];
  after: PromptSegment[];
  keep: string[];
  fixed: Array<[string, string]>;
  /** The retry section's lines, when there is one. */
  problems: string[];
}

function parseSegments(block: string): PromptSegment[] {
  const segments: PromptSegment[] = [];
  const header = /^\[#(\d+) ([^\]\n]*)\]$/gm;
  const matches = [...block.matchAll(header)];
  matches.forEach((match, position) => {
    const start = match.index + match[0].length + 1;
    const end = position + 1 < matches.length ? matches[position + 1]!.index - 1 : block.length;
    segments.push({ index: Number(match[1]), kind: match[2]!, text: block.slice(start, end) });
  });
  return segments;
}

/** The block under the heading that starts with `label`, between its fences. */
function blockAfter(message: string, label: string): string | undefined {
  const at = message.indexOf(label);
  if (at < 0) return undefined;
  const afterLabel = message.indexOf("\n", at) + 1;
  const fenceEnd = message.indexOf("untrusted-data\n", afterLabel);
  const fence = message.slice(afterLabel, fenceEnd);
  const start = fenceEnd + "untrusted-data\n".length;
  const end = message.indexOf(`\n${fence}`, start);
  return message.slice(start, end);
}

export function parsePrompt(message: string): ParsedPrompt {
  const keep: string[] = [];
  const fixed: Array<[string, string]> = [];
  const glossary = /^- (.+): (keep as it is, never translate it|always translate as (.+))$/gm;
  for (const match of message.matchAll(glossary)) {
    if (match[3] === undefined) keep.push(match[1]!);
    else fixed.push([match[1]!, match[3]]);
  }
  const problemsAt = message.indexOf("Your previous answer had these problems");
  const problems =
    problemsAt < 0
      ? []
      : message
          .slice(problemsAt)
          .split("\n")
          .filter((line) => line.startsWith("- #"));
  return {
    segments: parseSegments(blockAfter(message, "Segments to translate") ?? ""),
    before: parseSegments(blockAfter(message, "Context before") ?? ""),
    after: parseSegments(blockAfter(message, "Context after") ?? ""),
    keep,
    fixed,
    problems,
  };
}

/** `«ko:text»` with fixed glossary terms replaced (case-insensitively). */
export function pseudoTranslate(
  text: string,
  language: string,
  fixed: ReadonlyArray<[string, string]> = [],
): string {
  let translated = text;
  for (const [source, target] of fixed) {
    translated = translated.replace(
      new RegExp(source.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi"),
      target,
    );
  }
  return `«${language}:${translated}»`;
}

/** Called per segment and request; a string replaces the good answer for that segment. */
export type Sabotage = (segment: PromptSegment, context: SabotageContext) => string | undefined;

export interface SabotageContext {
  /** How many requests (1-based) have included this segment's text so far. */
  seen: number;
  language: string;
  prompt: ParsedPrompt;
}

export interface PseudoOptions {
  language: string;
  sabotage?: Sabotage;
}

/** The JSON answer text for one request's user message. */
export function pseudoAnswer(
  message: string,
  options: PseudoOptions,
  seen: Map<string, number>,
): { json: string; prompt: ParsedPrompt } {
  const prompt = parsePrompt(message);
  const translations = prompt.segments.map((segment) => {
    const count = (seen.get(segment.text) ?? 0) + 1;
    seen.set(segment.text, count);
    const sabotaged = options.sabotage?.(segment, {
      seen: count,
      language: options.language,
      prompt,
    });
    return {
      index: segment.index,
      text: sabotaged ?? pseudoTranslate(segment.text, options.language, prompt.fixed),
    };
  });
  return { json: JSON.stringify({ translations }), prompt };
}

export interface RecordedCall {
  request: ModelRequest;
  prompt: ParsedPrompt;
  /** Calls in flight when this one started (itself included). */
  inFlight: number;
}

/** A ModelClient that pseudo-translates, with an optional latency per call. */
export class PseudoTranslationClient implements ModelClient {
  readonly calls: RecordedCall[] = [];
  active = 0;
  maxActive = 0;
  private readonly seen = new Map<string, number>();

  constructor(private readonly options: PseudoOptions & { latencyMs?: number }) {}

  /** Texts of every segment sent for translation, in call order (retries repeat them). */
  get segmentTexts(): string[] {
    return this.calls.flatMap((call) => call.prompt.segments.map((segment) => segment.text));
  }

  stream(request: ModelRequest): ModelStream {
    const message = request.messages.at(-1);
    const text =
      message?.role === "user" && typeof message.content === "string" ? message.content : "";
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    const { json, prompt } = pseudoAnswer(text, this.options, this.seen);
    this.calls.push({ request, prompt, inFlight: this.active });
    const latency = this.options.latencyMs ?? 0;
    const signal = request.signal;
    const release = () => void this.active--;
    async function* events(): AsyncGenerator<ModelEvent> {
      try {
        if (latency > 0) {
          const aborted = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), latency);
            signal?.addEventListener(
              "abort",
              () => {
                clearTimeout(timer);
                resolve(true);
              },
              { once: true },
            );
          });
          if (aborted) {
            yield createErrorEvent("cancelled", "the request was aborted");
            return;
          }
        } else {
          await Promise.resolve();
        }
        yield { type: "text-delta", text: json };
        yield {
          type: "usage",
          inputTokens: Math.ceil(((request.system?.length ?? 0) + text.length) / 4),
          outputTokens: Math.ceil(json.length / 4),
          cachedTokens: 0,
        };
        yield { type: "done", stopReason: "end" };
      } finally {
        release();
      }
    }
    return createModelStream(events(), { parseJson: request.responseSchema !== undefined });
  }
}
