/**
 * One chunk through the model: a request with the chunk's segments (and context), the answer
 * read against the response schema, and every translated segment checked: its placeholders
 * must come back intact and the glossary must hold. Segments that fail are asked again (only
 * they, with the problem named and the thinking level raised a step), up to `segmentRetries`
 * times; then they are flagged and keep their source text, so a broken answer never corrupts
 * the document.
 *
 * Failures of the call itself (network, auth, a refused request) are thrown: the client and
 * the router already retried what could be retried, and the document is then left for the
 * next run rather than half translated.
 */
import type { HarnessConfig } from "../config/schema.js";
import { ModelFailure } from "../models/model-errors.js";
import type { ModelClient, ModelUsage } from "../models/model-client.js";
import { resolveThinking } from "../models/thinking-policy.js";
import type { TranslationChunk } from "./chunking.js";
import { checkGlossary, glossaryEntriesIn, type LanguageGlossary } from "./glossary.js";
import { checkPlaceholders } from "./placeholders.js";
import type { RequestSlots } from "./request-slots.js";
import {
  buildChunkUserMessage,
  maxTranslationLength,
  translationResponseSchema,
} from "./translate-prompt.js";
import type { Segment } from "./types.js";

/** The task kind in `models.tasks` and `models.thinking`. */
export const TRANSLATE_TASK = "translate";

/** A segment that kept its source text, and why. */
export interface FlaggedSegment {
  index: number;
  kind: string;
  /** The last problem seen, e.g. "placeholder ⟦2⟧ is missing". */
  reason: string;
  /** Requests that included it. */
  attempts: number;
}

export interface ChunkTranslatorOptions {
  client: ModelClient;
  /** Model id or router alias. */
  model: string;
  models: HarnessConfig["models"];
  system: string;
  glossary: LanguageGlossary;
  /** Extra requests for segments whose answer failed a check. */
  segmentRetries: number;
  /** Sent as `x-session-id` (keeps a document on the backend that caches its prefix). */
  sessionId: string;
  signal?: AbortSignal;
  /** The run's cap on requests in flight; none: the caller keeps it. */
  slots?: RequestSlots;
}

export interface ChunkTranslation {
  /** Segment index → accepted translation. Flagged segments are not in it. */
  translations: Map<number, string>;
  flagged: FlaggedSegment[];
  requests: number;
  /** Segment retries (one per segment per extra request). */
  retries: number;
  usage: ModelUsage;
  /** Characters of the prompts sent (system + user message), for estimates and the bench. */
  promptChars: number;
}

/** Why `translated` is not an acceptable translation of `segment`; undefined when it is. */
export function checkTranslatedSegment(
  segment: Segment,
  translated: string,
  glossary: LanguageGlossary,
): string | undefined {
  if (translated.trim() === "" && segment.text.trim() !== "") return "the translation is empty";
  if (translated.length > maxTranslationLength(segment.text)) return "the translation is too long";
  const placeholders = checkPlaceholders(segment, translated);
  if (!placeholders.ok) return `placeholder ${placeholders.problems.join(", ")}`;
  const violations = checkGlossary(segment.text, translated, glossary);
  if (violations.length > 0) return violations.map((violation) => violation.message).join("; ");
  return undefined;
}

function isInvalidOutput(error: unknown): boolean {
  const failure = error instanceof ModelFailure ? error : (error as Error | undefined)?.cause;
  return failure instanceof ModelFailure && failure.kind === "invalid-output";
}

/** The answer's entries by index; anything that is not `{index: number, text: string}` is ignored. */
function readAnswer(parsed: unknown): Map<number, string> {
  const answers = new Map<number, string>();
  const list =
    typeof parsed === "object" && parsed !== null
      ? (parsed as { translations?: unknown }).translations
      : undefined;
  if (!Array.isArray(list)) return answers;
  for (const entry of list) {
    if (typeof entry !== "object" || entry === null) continue;
    const { index, text } = entry as { index?: unknown; text?: unknown };
    if (typeof index === "number" && typeof text === "string" && !answers.has(index)) {
      answers.set(index, text);
    }
  }
  return answers;
}

/**
 * Tokens an answer may take: every segment at its longest at a token per character (small
 * local models spell about that), plus the JSON around each; a cap for cloud APIs.
 */
function answerTokenLimit(segments: readonly Segment[]): number {
  const longest = segments.reduce((sum, segment) => sum + maxTranslationLength(segment.text), 0);
  return Math.min(16_384, Math.max(256, longest + 48 * segments.length + 32));
}

export async function translateChunk(
  chunk: TranslationChunk,
  options: ChunkTranslatorOptions,
): Promise<ChunkTranslation> {
  const result: ChunkTranslation = {
    translations: new Map(),
    flagged: [],
    requests: 0,
    retries: 0,
    usage: { inputTokens: 0, outputTokens: 0, cachedTokens: 0 },
    promptChars: 0,
  };
  let pending = chunk.segments;
  let problems = new Map<number, string>();
  const attempts = new Map<number, number>();
  for (let attempt = 0; pending.length > 0 && attempt <= options.segmentRetries; attempt++) {
    options.signal?.throwIfAborted();
    const segmentText = pending.map((segment) => segment.text).join("\n");
    const userMessage = buildChunkUserMessage({
      chunk: { segments: pending, before: chunk.before, after: chunk.after },
      glossary: glossaryEntriesIn(segmentText, options.glossary),
      ...(attempt > 0 ? { problems } : {}),
    });
    result.requests++;
    if (attempt > 0) result.retries += pending.length;
    result.promptChars += options.system.length + userMessage.length;
    for (const segment of pending)
      attempts.set(segment.index, (attempts.get(segment.index) ?? 0) + 1);
    const thinking = resolveThinking(TRANSLATE_TASK, options.models, attempt);
    let answers = new Map<number, string>();
    let callProblem: string | undefined;
    try {
      const request = () =>
        options.client
          .stream({
            model: options.model,
            system: options.system,
            messages: [{ role: "user", content: userMessage }],
            responseSchema: translationResponseSchema(pending),
            thinking,
            maxTokens: answerTokenLimit(pending),
            // Deterministic wording; providers with thinking on accept only their default.
            ...(thinking === "off" ? { temperature: 0 } : {}),
            sessionId: options.sessionId,
            ...(options.signal ? { signal: options.signal } : {}),
          })
          .result();
      const answer = await (options.slots ? options.slots.run(request, options.signal) : request());
      result.usage.inputTokens += answer.usage.inputTokens;
      result.usage.outputTokens += answer.usage.outputTokens;
      result.usage.cachedTokens += answer.usage.cachedTokens;
      answers = readAnswer(answer.parsed);
      if (answer.stopReason === "length") callProblem = "the answer was cut off (too long)";
    } catch (error) {
      options.signal?.throwIfAborted();
      if (!isInvalidOutput(error)) throw error;
      callProblem = "the answer was not the JSON asked for";
    }
    const next: Segment[] = [];
    problems = new Map();
    for (const segment of pending) {
      const translated = answers.get(segment.index);
      const problem =
        translated === undefined
          ? (callProblem ?? "the answer has no entry for this segment")
          : checkTranslatedSegment(segment, translated, options.glossary);
      if (problem === undefined && translated !== undefined) {
        result.translations.set(segment.index, translated);
      } else {
        problems.set(segment.index, problem ?? "no translation");
        next.push(segment);
      }
    }
    pending = next;
  }
  for (const segment of pending) {
    result.flagged.push({
      index: segment.index,
      kind: segment.kind,
      reason: problems.get(segment.index) ?? "not translated",
      attempts: attempts.get(segment.index) ?? 0,
    });
  }
  return result;
}
