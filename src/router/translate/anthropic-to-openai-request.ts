/**
 * An Anthropic Messages request -> an OpenAI chat completions request. Fields with no OpenAI
 * meaning (cache_control, context_management, betas, top_k, output_config other than effort and
 * format) are dropped, never forwarded: OpenAI itself rejects unknown fields.
 */
import type { OpenAiChatRequest, OpenAiTool, OpenAiToolChoice } from "../wire/openai-types.js";
import {
  anthropicMessagesToOpenAi,
  anthropicSystemToText,
} from "./anthropic-messages-to-openai.js";
import { arrayOf, asJsonObject, isRecord, numberOf, stringOf } from "./json-values.js";
import { reasoningLevelFromAnthropic } from "./reasoning-effort.js";

/** Translates one request body; never throws, skips what it cannot read. */
export function anthropicRequestToOpenAi(body: Record<string, unknown>): Record<string, unknown> {
  const out: OpenAiChatRequest = { model: stringOf(body.model) ?? "", messages: [] };
  const system = anthropicSystemToText(body.system);
  if (system !== undefined) out.messages.push({ role: "system", content: system });
  out.messages.push(...anthropicMessagesToOpenAi(body.messages));

  const maxTokens = numberOf(body.max_tokens);
  if (maxTokens !== undefined) out.max_tokens = maxTokens;
  const temperature = numberOf(body.temperature);
  if (temperature !== undefined) out.temperature = temperature;
  const topP = numberOf(body.top_p);
  if (topP !== undefined) out.top_p = topP;
  const stop = arrayOf(body.stop_sequences).filter((item) => typeof item === "string");
  if (stop.length > 0) out.stop = stop;
  if (body.stream === true) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  const userId = isRecord(body.metadata) ? stringOf(body.metadata.user_id) : undefined;
  if (userId !== undefined) out.user = userId;

  const tools = openAiTools(body.tools);
  if (tools.length > 0) {
    out.tools = tools;
    const choice = isRecord(body.tool_choice) ? body.tool_choice : undefined;
    const toolChoice = openAiToolChoice(choice);
    if (toolChoice !== undefined) out.tool_choice = toolChoice;
    if (choice?.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
  }

  const effort = reasoningLevelFromAnthropic(body.thinking, body.output_config);
  if (effort !== undefined) out.reasoning_effort = effort;
  const format = isRecord(body.output_config) ? body.output_config.format : undefined;
  if (isRecord(format) && format.type === "json_schema" && isRecord(format.schema)) {
    out.response_format = {
      type: "json_schema",
      json_schema: { name: "output", schema: format.schema, strict: true },
    };
  }
  return asJsonObject(out);
}

/** Client tools only: Anthropic server tools (web search and the like) have no input_schema. */
function openAiTools(tools: unknown): OpenAiTool[] {
  const out: OpenAiTool[] = [];
  for (const tool of arrayOf(tools)) {
    if (!isRecord(tool) || !isRecord(tool.input_schema)) continue;
    const description = stringOf(tool.description);
    out.push({
      type: "function",
      function: {
        name: stringOf(tool.name) ?? "",
        ...(description !== undefined ? { description } : {}),
        parameters: tool.input_schema,
      },
    });
  }
  return out;
}

function openAiToolChoice(
  choice: Record<string, unknown> | undefined,
): OpenAiToolChoice | undefined {
  switch (choice?.type) {
    case "auto":
      return "auto";
    case "any":
      return "required";
    case "none":
      return "none";
    case "tool":
      return { type: "function", function: { name: stringOf(choice.name) ?? "" } };
    default:
      return undefined;
  }
}
