/** How a model stopped, in each protocol's words. */
import type { AnthropicStopReason } from "../wire/anthropic-types.js";
import type { OpenAiFinishReason } from "../wire/openai-types.js";

/** OpenAI finish_reason -> Anthropic stop_reason; a missing reason counts as a normal end. */
export function anthropicStopReasonFromOpenAi(reason: unknown): AnthropicStopReason {
  switch (reason) {
    case "length":
      return "max_tokens";
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "content_filter":
      return "refusal";
    default:
      return "end_turn";
  }
}

/** Anthropic stop_reason -> OpenAI finish_reason; OpenAI has no separate stop-sequence reason. */
export function openAiFinishReasonFromAnthropic(reason: unknown): OpenAiFinishReason {
  switch (reason) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      return "stop";
  }
}
