/** A non-streamed OpenAI chat completion -> an Anthropic Messages response. */
import type { AnthropicMessageResponse, AnthropicResponseBlock } from "../wire/anthropic-types.js";
import {
  arrayOf,
  asJsonObject,
  convertId,
  isRecord,
  parseToolArguments,
  randomIdSuffix,
  stringOf,
} from "./json-values.js";
import { anthropicStopReasonFromOpenAi } from "./stop-reasons.js";
import { readOpenAiUsage, toAnthropicUsage } from "./usage.js";

/** Translates one response body (first choice only); `model` becomes what the caller asked for. */
export function openAiResponseToAnthropic(
  body: Record<string, unknown>,
  requestedModel: string,
): Record<string, unknown> {
  const choice = arrayOf(body.choices).find(isRecord);
  const message = isRecord(choice?.message) ? choice.message : {};
  const content: AnthropicResponseBlock[] = [];

  // Local reasoning has no Anthropic signature; llama-server's own Anthropic endpoint sends "".
  const reasoning = stringOf(message.reasoning_content);
  if (reasoning) content.push({ type: "thinking", thinking: reasoning, signature: "" });
  const text = messageText(message.content) || (stringOf(message.refusal) ?? "");
  if (text !== "") content.push({ type: "text", text });
  for (const call of arrayOf(message.tool_calls)) {
    if (!isRecord(call) || !isRecord(call.function)) continue;
    content.push({
      type: "tool_use",
      id: stringOf(call.id) ?? `toolu_${randomIdSuffix()}`,
      name: stringOf(call.function.name) ?? "",
      input: parseToolArguments(stringOf(call.function.arguments)),
    });
  }

  const response: AnthropicMessageResponse = {
    id: convertId(body.id, "chatcmpl-", "msg_"),
    type: "message",
    role: "assistant",
    model: requestedModel,
    content,
    stop_reason: anthropicStopReasonFromOpenAi(choice?.finish_reason),
    stop_sequence: null,
    usage: toAnthropicUsage(readOpenAiUsage(body.usage, body.timings)),
  };
  return asJsonObject(response);
}

function messageText(content: unknown): string {
  if (typeof content === "string") return content;
  return arrayOf(content)
    .map((part) => (isRecord(part) && part.type === "text" ? (stringOf(part.text) ?? "") : ""))
    .join("");
}
