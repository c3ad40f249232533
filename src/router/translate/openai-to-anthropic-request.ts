/**
 * An OpenAI chat completions request -> an Anthropic Messages request. OpenAI-only knobs
 * (n, seed, logprobs, penalties, logit_bias, stream_options) are dropped.
 */
import type {
  AnthropicMessagesRequest,
  AnthropicTool,
  AnthropicToolChoice,
} from "../wire/anthropic-types.js";
import { arrayOf, asJsonObject, isRecord, numberOf, stringOf } from "./json-values.js";
import { openAiMessagesToAnthropic } from "./openai-messages-to-anthropic.js";
import { anthropicTokenLimits, reasoningLevelFromOpenAi } from "./reasoning-effort.js";

/** Translates one request body; never throws, skips what it cannot read. */
export function openAiRequestToAnthropic(body: Record<string, unknown>): Record<string, unknown> {
  const conversation = openAiMessagesToAnthropic(body.messages);
  const format = responseFormatInstruction(body.response_format);
  if (format !== undefined) conversation.system.push(format);

  const requestedMax = numberOf(body.max_completion_tokens) ?? numberOf(body.max_tokens);
  const limits = anthropicTokenLimits(
    reasoningLevelFromOpenAi(body.reasoning_effort),
    requestedMax,
  );
  const out: AnthropicMessagesRequest = {
    model: stringOf(body.model) ?? "",
    messages: conversation.messages,
    max_tokens: limits.maxTokens,
  };
  if (conversation.system.length > 0) out.system = conversation.system.join("\n\n");

  // OpenAI temperatures run to 2, Anthropic's to 1. With thinking on, Anthropic accepts only
  // temperature 1 and top_p of at least 0.95, so other values are left out.
  const temperature = numberOf(body.temperature);
  if (temperature !== undefined && (!limits.thinking || temperature === 1)) {
    out.temperature = Math.min(temperature, 1);
  }
  const topP = numberOf(body.top_p);
  if (topP !== undefined && (!limits.thinking || topP >= 0.95)) out.top_p = topP;
  if (limits.thinking) out.thinking = limits.thinking;

  const stop = typeof body.stop === "string" ? [body.stop] : arrayOf(body.stop);
  const stopSequences = stop.filter((item): item is string => typeof item === "string");
  if (stopSequences.length > 0) out.stop_sequences = stopSequences;
  if (body.stream === true) out.stream = true;
  const user = stringOf(body.user);
  if (user !== undefined) out.metadata = { user_id: user };

  const tools = anthropicTools(body.tools);
  if (tools.length > 0) {
    out.tools = tools;
    const choice = anthropicToolChoice(body.tool_choice, body.parallel_tool_calls === false);
    if (choice !== undefined) out.tool_choice = choice;
  }
  return asJsonObject(out);
}

function anthropicTools(tools: unknown): AnthropicTool[] {
  const out: AnthropicTool[] = [];
  for (const tool of arrayOf(tools)) {
    if (!isRecord(tool) || !isRecord(tool.function)) continue;
    const parameters = isRecord(tool.function.parameters) ? tool.function.parameters : {};
    const description = stringOf(tool.function.description);
    out.push({
      name: stringOf(tool.function.name) ?? "",
      ...(description !== undefined ? { description } : {}),
      // Anthropic requires an object schema; a function without parameters takes none.
      input_schema: { type: "object", properties: {}, ...parameters },
    });
  }
  return out;
}

function anthropicToolChoice(
  choice: unknown,
  noParallelCalls: boolean,
): AnthropicToolChoice | undefined {
  const flag = noParallelCalls ? { disable_parallel_tool_use: true } : {};
  if (choice === "required") return { type: "any", ...flag };
  if (choice === "none") return { type: "none" };
  if (isRecord(choice) && isRecord(choice.function)) {
    return { type: "tool", name: stringOf(choice.function.name) ?? "", ...flag };
  }
  if (choice === "auto" || noParallelCalls) return { type: "auto", ...flag };
  return undefined;
}

/**
 * Anthropic has no response_format. The schema becomes an instruction in the system prompt;
 * no assistant prefill or other tricks that could change how the model behaves otherwise.
 */
function responseFormatInstruction(format: unknown): string | undefined {
  if (!isRecord(format)) return undefined;
  if (format.type === "json_object") {
    return "Respond with a single valid JSON object and nothing else: no prose, no code fences.";
  }
  if (format.type !== "json_schema" || !isRecord(format.json_schema)) return undefined;
  const schema = format.json_schema.schema ?? {};
  return (
    "Respond with a single JSON value that conforms to this JSON Schema, and nothing else: " +
    `no prose, no code fences.\n${JSON.stringify(schema)}`
  );
}
