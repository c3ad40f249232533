/**
 * Anthropic conversation history -> OpenAI chat messages. Anthropic nests tool results inside
 * user turns; OpenAI wants one `role: "tool"` message per result right after the assistant
 * message that made the calls, so results move ahead of whatever else the user turn holds.
 */
import type { OpenAiContentPart, OpenAiMessage, OpenAiToolCall } from "../wire/openai-types.js";
import { arrayOf, isRecord, randomIdSuffix, stringifyToolInput, stringOf } from "./json-values.js";

/** OpenAI tool messages have no error flag; this prefix carries `is_error` (and is read back). */
export const TOOL_ERROR_PREFIX = "[tool error] ";

/**
 * Claude Code starts its system prompt with a billing line whose hash changes per session. It is
 * meant for Anthropic's servers, not the model, and would spoil llama-server's prompt-prefix
 * cache across sessions, so it is left out.
 */
const BILLING_HEADER_PREFIX = "x-anthropic-billing-header:";

/** The system prompt as one text (blocks joined by a blank line), or undefined when empty. */
export function anthropicSystemToText(system: unknown): string | undefined {
  if (typeof system === "string") return system === "" ? undefined : system;
  const texts: string[] = [];
  for (const block of arrayOf(system)) {
    const text = isRecord(block) ? stringOf(block.text) : undefined;
    if (text && !text.startsWith(BILLING_HEADER_PREFIX)) texts.push(text);
  }
  return texts.length > 0 ? texts.join("\n\n") : undefined;
}

/** Converts the `messages` array; malformed entries are skipped, thinking blocks dropped. */
export function anthropicMessagesToOpenAi(messages: unknown): OpenAiMessage[] {
  const out: OpenAiMessage[] = [];
  for (const message of arrayOf(messages)) {
    if (!isRecord(message)) continue;
    if (message.role === "assistant") appendAssistant(out, message.content);
    else appendUser(out, message.content);
  }
  return out;
}

function appendUser(out: OpenAiMessage[], content: unknown): void {
  if (typeof content === "string") {
    out.push({ role: "user", content });
    return;
  }
  const parts: OpenAiContentPart[] = [];
  const toolImages: OpenAiContentPart[] = [];
  for (const block of arrayOf(content)) {
    if (!isRecord(block)) continue;
    if (block.type === "tool_result") {
      out.push(toolResultMessage(block, toolImages));
      continue;
    }
    const part = contentPart(block);
    if (part) parts.push(part);
  }
  // OpenAI tool messages hold text only: images a tool returned follow in the next user turn.
  const all = toolImages.length > 0 ? [...toolImages, ...parts] : parts;
  if (all.length > 0) out.push({ role: "user", content: compactParts(all) });
}

function appendAssistant(out: OpenAiMessage[], content: unknown): void {
  if (typeof content === "string") {
    out.push({ role: "assistant", content });
    return;
  }
  const texts: OpenAiContentPart[] = [];
  const toolCalls: OpenAiToolCall[] = [];
  for (const block of arrayOf(content)) {
    if (!isRecord(block)) continue;
    if (block.type === "text") texts.push({ type: "text", text: stringOf(block.text) ?? "" });
    else if (block.type === "tool_use") {
      toolCalls.push({
        id: stringOf(block.id) ?? `call_${randomIdSuffix()}`,
        type: "function",
        function: { name: stringOf(block.name) ?? "", arguments: stringifyToolInput(block.input) },
      });
    }
    // thinking and redacted_thinking carry Anthropic signatures no other backend can use.
  }
  if (texts.length === 0 && toolCalls.length === 0) return;
  const message: OpenAiMessage = {
    role: "assistant",
    content: texts.length > 0 ? compactParts(texts) : null,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  out.push(message);
}

function toolResultMessage(
  block: Record<string, unknown>,
  images: OpenAiContentPart[],
): OpenAiMessage {
  let text = "";
  if (typeof block.content === "string") text = block.content;
  else {
    const texts: string[] = [];
    let imageCount = 0;
    for (const item of arrayOf(block.content)) {
      if (!isRecord(item)) continue;
      if (item.type === "text") texts.push(stringOf(item.text) ?? "");
      const part = item.type === "image" ? contentPart(item) : undefined;
      if (part) {
        images.push(part);
        imageCount++;
      }
    }
    if (imageCount > 0) texts.push(`[${imageCount} image(s) attached in the next user message]`);
    text = texts.join("\n");
  }
  return {
    role: "tool",
    tool_call_id: stringOf(block.tool_use_id) ?? "",
    content: block.is_error === true ? TOOL_ERROR_PREFIX + text : text,
  };
}

/** One user-side content block -> an OpenAI content part; undefined for blocks with no meaning. */
function contentPart(block: Record<string, unknown>): OpenAiContentPart | undefined {
  const source = isRecord(block.source) ? block.source : {};
  const dataUrl = source.type === "base64" ? toDataUrl(source) : undefined;
  switch (block.type) {
    case "text":
      return { type: "text", text: stringOf(block.text) ?? "" };
    case "image": {
      const url = dataUrl ?? (source.type === "url" ? stringOf(source.url) : undefined);
      return url === undefined ? undefined : { type: "image_url", image_url: { url } };
    }
    case "document":
      if (source.type === "text") return { type: "text", text: stringOf(source.data) ?? "" };
      if (dataUrl === undefined) return undefined;
      return {
        type: "file",
        file: { file_data: dataUrl, filename: stringOf(block.title) ?? "document.pdf" },
      };
    default:
      return undefined;
  }
}

function toDataUrl(source: Record<string, unknown>): string | undefined {
  const mediaType = stringOf(source.media_type);
  const data = stringOf(source.data);
  return mediaType && data ? `data:${mediaType};base64,${data}` : undefined;
}

/** A lone text part becomes a plain string, which every OpenAI-compatible server accepts. */
function compactParts(parts: OpenAiContentPart[]): string | OpenAiContentPart[] {
  const only = parts.length === 1 ? parts[0] : undefined;
  return only?.type === "text" ? only.text : parts;
}
