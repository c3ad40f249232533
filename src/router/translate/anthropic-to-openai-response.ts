/** A non-streamed Anthropic Messages response -> an OpenAI chat completion. */
import type { OpenAiChatResponse, OpenAiMessage, OpenAiToolCall } from "../wire/openai-types.js";
import {
  arrayOf,
  asJsonObject,
  convertId,
  isRecord,
  randomIdSuffix,
  stringifyToolInput,
  stringOf,
} from "./json-values.js";
import { openAiFinishReasonFromAnthropic } from "./stop-reasons.js";
import { readAnthropicUsage, toOpenAiUsage } from "./usage.js";

/** Translates one response body; `model` becomes what the caller asked for. */
export function anthropicResponseToOpenAi(
  body: Record<string, unknown>,
  requestedModel: string,
): Record<string, unknown> {
  const texts: string[] = [];
  const thoughts: string[] = [];
  const toolCalls: OpenAiToolCall[] = [];
  for (const block of arrayOf(body.content)) {
    if (!isRecord(block)) continue;
    if (block.type === "text") texts.push(stringOf(block.text) ?? "");
    else if (block.type === "thinking") thoughts.push(stringOf(block.thinking) ?? "");
    else if (block.type === "tool_use") {
      toolCalls.push({
        id: stringOf(block.id) ?? `call_${randomIdSuffix()}`,
        type: "function",
        function: { name: stringOf(block.name) ?? "", arguments: stringifyToolInput(block.input) },
      });
    }
  }
  const message: OpenAiMessage = {
    role: "assistant",
    content: texts.length > 0 ? texts.join("") : null,
  };
  // Not in OpenAI's own API, but the field llama-server and most compatible clients use.
  if (thoughts.length > 0) message.reasoning_content = thoughts.join("");
  if (toolCalls.length > 0) message.tool_calls = toolCalls;

  const response: OpenAiChatResponse = {
    id: convertId(body.id, "msg_", "chatcmpl-"),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: requestedModel,
    choices: [
      {
        index: 0,
        message,
        finish_reason: openAiFinishReasonFromAnthropic(body.stop_reason),
        logprobs: null,
      },
    ],
    usage: toOpenAiUsage(readAnthropicUsage(body.usage)),
  };
  return asJsonObject(response);
}
