/**
 * Token counts across the two protocols. OpenAI's prompt_tokens include cached tokens;
 * Anthropic's input_tokens exclude both cache reads and cache writes. Everything here counts
 * input as the whole prompt, with cached tokens as the part of it the backend did not recompute.
 */
import type { AnthropicUsage } from "../wire/anthropic-types.js";
import type { OpenAiUsage } from "../wire/openai-types.js";
import { isRecord, numberOf } from "./json-values.js";

export type UsageFigures = Partial<{
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
}>;

/** Reads OpenAI `usage` and llama-server `timings` (either may be missing); undefined if neither. */
export function readOpenAiUsage(usage: unknown, timings: unknown): UsageFigures | undefined {
  const figures: UsageFigures = {};
  if (isRecord(usage)) {
    setIfNumber(figures, "inputTokens", usage.prompt_tokens);
    setIfNumber(figures, "outputTokens", usage.completion_tokens);
    const details = usage.prompt_tokens_details;
    if (isRecord(details)) setIfNumber(figures, "cachedTokens", details.cached_tokens);
  }
  if (isRecord(timings)) {
    const cached = numberOf(timings.cache_n);
    const computed = numberOf(timings.prompt_n);
    figures.cachedTokens ??= cached;
    if (figures.inputTokens === undefined && computed !== undefined) {
      figures.inputTokens = computed + (cached ?? 0);
    }
    figures.outputTokens ??= numberOf(timings.predicted_n);
  }
  return definedOrUndefined(figures);
}

/** Reads an Anthropic `usage` object (body, message_start or message_delta); undefined if absent. */
export function readAnthropicUsage(usage: unknown): UsageFigures | undefined {
  if (!isRecord(usage)) return undefined;
  const figures: UsageFigures = {};
  const uncached = numberOf(usage.input_tokens);
  const cacheRead = numberOf(usage.cache_read_input_tokens);
  const cacheWrite = numberOf(usage.cache_creation_input_tokens);
  if (uncached !== undefined) figures.inputTokens = uncached + (cacheRead ?? 0) + (cacheWrite ?? 0);
  setIfNumber(figures, "outputTokens", usage.output_tokens);
  if (cacheRead !== undefined) figures.cachedTokens = cacheRead;
  return definedOrUndefined(figures);
}

/** Figures -> OpenAI usage object. */
export function toOpenAiUsage(figures: UsageFigures | undefined): OpenAiUsage {
  const prompt = figures?.inputTokens ?? 0;
  const completion = figures?.outputTokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: figures?.cachedTokens ?? 0 },
  };
}

/** Figures -> Anthropic usage object (cache writes are not known on the OpenAI side: 0). */
export function toAnthropicUsage(figures: UsageFigures | undefined): AnthropicUsage {
  const cached = figures?.cachedTokens ?? 0;
  return {
    input_tokens: Math.max(0, (figures?.inputTokens ?? 0) - cached),
    output_tokens: figures?.outputTokens ?? 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
  };
}

function setIfNumber(figures: UsageFigures, key: keyof UsageFigures, value: unknown): void {
  const number = numberOf(value);
  if (number !== undefined) figures[key] = number;
}

function definedOrUndefined(figures: UsageFigures): UsageFigures | undefined {
  for (const key of Object.keys(figures) as (keyof UsageFigures)[]) {
    if (figures[key] === undefined) delete figures[key];
  }
  return Object.keys(figures).length > 0 ? figures : undefined;
}
