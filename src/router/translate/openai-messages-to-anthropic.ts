/**
 * OpenAI chat messages -> Anthropic system text and messages. Anthropic wants strictly
 * alternating user/assistant turns with non-empty content and tool results inside a user turn,
 * first in it; consecutive same-role messages are merged to get there.
 */
import type {
  AnthropicContentBlock,
  AnthropicImageBlock,
  AnthropicMessage,
  AnthropicToolResultBlock,
} from "../wire/anthropic-types.js";
import { TOOL_ERROR_PREFIX } from "./anthropic-messages-to-openai.js";
import { arrayOf, isRecord, parseToolArguments, randomIdSuffix, stringOf } from "./json-values.js";

export interface AnthropicConversation {
  /** Texts of all system and developer messages, in order. */
  system: string[];
  messages: AnthropicMessage[];
}

/** Converts the `messages` array; malformed entries and empty turns are skipped. */
export function openAiMessagesToAnthropic(messages: unknown): AnthropicConversation {
  const conversation: AnthropicConversation = { system: [], messages: [] };
  for (const message of arrayOf(messages)) {
    if (!isRecord(message)) continue;
    switch (message.role) {
      case "system":
      case "developer": {
        const text = textOf(message.content);
        if (text !== "") conversation.system.push(text);
        break;
      }
      case "user":
        append(conversation.messages, "user", userBlocks(message.content));
        break;
      case "assistant":
        append(conversation.messages, "assistant", assistantBlocks(message));
        break;
      case "tool":
        append(conversation.messages, "user", [toolResult(message)]);
        break;
    }
  }
  return conversation;
}

function append(
  messages: AnthropicMessage[],
  role: AnthropicMessage["role"],
  blocks: AnthropicContentBlock[],
): void {
  if (blocks.length === 0) return;
  const last = messages.at(-1);
  if (last?.role !== role || typeof last.content === "string") {
    messages.push({ role, content: blocks });
    return;
  }
  last.content.push(...blocks);
  // A tool result after user text (OpenAI allows the order) must still come first.
  if (role === "user" && blocks.some((block) => block.type === "tool_result")) {
    last.content.sort(
      (a, b) => Number(b.type === "tool_result") - Number(a.type === "tool_result"),
    );
  }
}

function userBlocks(content: unknown): AnthropicContentBlock[] {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  const blocks: AnthropicContentBlock[] = [];
  for (const part of arrayOf(content)) {
    if (!isRecord(part)) continue;
    const text = part.type === "text" ? stringOf(part.text) : undefined;
    if (text) blocks.push({ type: "text", text });
    if (part.type === "image_url" && isRecord(part.image_url)) {
      const image = imageBlock(stringOf(part.image_url.url) ?? "");
      if (image) blocks.push(image);
    }
    if (part.type === "file" && isRecord(part.file)) {
      const data = parseDataUrl(stringOf(part.file.file_data) ?? "");
      if (data) blocks.push({ type: "document", source: { type: "base64", ...data } });
    }
  }
  return blocks;
}

function assistantBlocks(message: Record<string, unknown>): AnthropicContentBlock[] {
  // reasoning_content is left out: Anthropic accepts thinking only with its own signatures.
  const blocks: AnthropicContentBlock[] = userBlocks(message.content).filter(
    (block) => block.type === "text",
  );
  const refusal = stringOf(message.refusal);
  if (blocks.length === 0 && refusal) blocks.push({ type: "text", text: refusal });
  for (const call of arrayOf(message.tool_calls)) {
    if (!isRecord(call) || !isRecord(call.function)) continue;
    blocks.push({
      type: "tool_use",
      id: stringOf(call.id) ?? `toolu_${randomIdSuffix()}`,
      name: stringOf(call.function.name) ?? "",
      input: parseToolArguments(stringOf(call.function.arguments)),
    });
  }
  return blocks;
}

function toolResult(message: Record<string, unknown>): AnthropicToolResultBlock {
  const text = textOf(message.content);
  const isError = text.startsWith(TOOL_ERROR_PREFIX);
  return {
    type: "tool_result",
    tool_use_id: stringOf(message.tool_call_id) ?? "",
    content: isError ? text.slice(TOOL_ERROR_PREFIX.length) : text,
    ...(isError ? { is_error: true } : {}),
  };
}

/** The text of a string or text-part content; other parts are ignored. */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  const texts: string[] = [];
  for (const part of arrayOf(content)) {
    const text = isRecord(part) && part.type === "text" ? stringOf(part.text) : undefined;
    if (text !== undefined) texts.push(text);
  }
  return texts.join("\n\n");
}

function imageBlock(url: string): AnthropicImageBlock | undefined {
  if (url === "") return undefined;
  const data = parseDataUrl(url);
  if (data) return { type: "image", source: { type: "base64", ...data } };
  return url.startsWith("data:") ? undefined : { type: "image", source: { type: "url", url } };
}

function parseDataUrl(url: string): { media_type: string; data: string } | undefined {
  const match = /^data:([^;,]+);base64,/.exec(url);
  return match?.[1] ? { media_type: match[1], data: url.slice(match[0].length) } : undefined;
}
