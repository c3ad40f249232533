/**
 * Anthropic asks for reasoning with `thinking` (a token budget, or "adaptive") and
 * `output_config.effort`; OpenAI with `reasoning_effort`. These map one onto the other.
 */
import type { AnthropicThinkingConfig } from "../wire/anthropic-types.js";
import { isRecord, numberOf } from "./json-values.js";

export type ReasoningLevel = "low" | "medium" | "high";

/** Thinking budgets for OpenAI effort levels sent to Anthropic. */
export const THINKING_BUDGET_BY_LEVEL: Record<ReasoningLevel, number> = {
  low: 2048,
  medium: 8192,
  high: 24576,
};

/** Anthropic refuses a thinking budget below this. */
export const MIN_THINKING_BUDGET = 1024;

/**
 * The OpenAI reasoning_effort for an Anthropic request, or undefined when it asks for no
 * reasoning. An explicit effort wins; otherwise the budget decides; adaptive thinking without an
 * effort means Anthropic's default effort, high.
 */
export function reasoningLevelFromAnthropic(
  thinking: unknown,
  outputConfig: unknown,
): ReasoningLevel | undefined {
  const type = isRecord(thinking) ? thinking.type : undefined;
  if (type === "disabled") return undefined;
  const effort = isRecord(outputConfig) ? outputConfig.effort : undefined;
  if (effort === "low" || effort === "medium") return effort;
  if (effort === "high" || effort === "xhigh" || effort === "max") return "high";
  if (type === "adaptive") return "high";
  if (type !== "enabled" || !isRecord(thinking)) return undefined;
  const budget = numberOf(thinking.budget_tokens) ?? 0;
  if (budget < 4096) return "low";
  return budget < 16384 ? "medium" : "high";
}

/** The reasoning level of an OpenAI reasoning_effort, or undefined for none/minimal/unknown. */
export function reasoningLevelFromOpenAi(effort: unknown): ReasoningLevel | undefined {
  if (effort === "low" || effort === "medium" || effort === "high") return effort;
  return effort === "xhigh" ? "high" : undefined;
}

/** An Anthropic request needs max_tokens; this is used when the OpenAI caller gave none. */
export const DEFAULT_MAX_TOKENS = 4096;

/**
 * max_tokens and thinking for an Anthropic request. The budget must stay below max_tokens: with
 * no limit given, the answer keeps DEFAULT_MAX_TOKENS on top of the budget; with a limit (which
 * in OpenAI already covers reasoning), thinking gets at most half of it, or none if that is
 * under Anthropic's minimum.
 */
export function anthropicTokenLimits(
  level: ReasoningLevel | undefined,
  requestedMax: number | undefined,
): { maxTokens: number; thinking?: AnthropicThinkingConfig } {
  if (level === undefined) return { maxTokens: requestedMax ?? DEFAULT_MAX_TOKENS };
  const budget = THINKING_BUDGET_BY_LEVEL[level];
  if (requestedMax === undefined) {
    return {
      maxTokens: budget + DEFAULT_MAX_TOKENS,
      thinking: { type: "enabled", budget_tokens: budget },
    };
  }
  const fitted = Math.min(budget, Math.floor(requestedMax / 2));
  if (fitted < MIN_THINKING_BUDGET) return { maxTokens: requestedMax };
  return { maxTokens: requestedMax, thinking: { type: "enabled", budget_tokens: fitted } };
}
