/**
 * Responses API `input` (a string, or a list of items) -> chat completions messages. Messages
 * keep their order; a function call joins the assistant message before it (chat wants one
 * assistant message holding all calls, then one tool message per result); developer and system
 * messages become `system`, and the ones that open the conversation merge into one, since many
 * local chat templates accept a single system message only, at the start.
 *
 * Dropped on purpose: reasoning items (their text or encrypted content belongs to the model
 * that wrote them; chat has no field for it), and calls of OpenAI-hosted tools (web search,
 * file search, ...), which no backend here ran. Refused: anything that points into OpenAI's
 * storage (item_reference, file_id), since the router stores nothing.
 */
import type { OpenAiContentPart, OpenAiMessage } from "../wire/openai-types.js";
import { arrayOf, isRecord, randomIdSuffix, stringOf } from "./json-values.js";
import { chatToolName } from "./responses-objects.js";

export type ChatMessagesResult =
  { ok: true; messages: OpenAiMessage[] } | { ok: false; message: string };

/** Thrown inside this module only, for input the router must refuse; caught below. */
class RefusedInput extends Error {}

export function responsesInputToChat(input: unknown, instructions: unknown): ChatMessagesResult {
  const builder = new ChatMessageBuilder();
  const system = stringOf(instructions);
  if (system) builder.addSystem(system);
  try {
    if (typeof input === "string") builder.addUser(input);
    else if (Array.isArray(input)) for (const item of input) builder.addItem(item);
    else if (input !== undefined && input !== null) {
      return { ok: false, message: "`input` must be a string or a list of input items" };
    }
  } catch (error) {
    if (error instanceof RefusedInput) return { ok: false, message: error.message };
    throw error;
  }
  return { ok: true, messages: builder.finish() };
}

class ChatMessageBuilder {
  private readonly messages: OpenAiMessage[] = [];
  /** Images returned by tools: chat tool messages hold text, so they follow as a user message. */
  private pendingImages: OpenAiContentPart[] = [];
  /** Only system messages so far: another one joins the first instead of following it. */
  private leadingSystem = true;

  addItem(item: unknown): void {
    if (!isRecord(item)) return;
    // Easy input messages (`{ role, content }`) may leave out `type`.
    const type = item.type ?? (item.role !== undefined ? "message" : undefined);
    switch (type) {
      case "message":
        return this.addMessage(item);
      case "function_call":
        return this.addToolCall(item.call_id, chatNameOf(item), stringOf(item.arguments) ?? "");
      case "custom_tool_call":
        // Custom tools reach the backend as functions taking `{ input }`.
        return this.addToolCall(
          item.call_id,
          chatNameOf(item),
          JSON.stringify({ input: stringOf(item.input) ?? "" }),
        );
      case "function_call_output":
      case "custom_tool_call_output":
        return this.addToolResult(item.call_id, item.output);
      case "item_reference":
        throw new RefusedInput(
          "`item_reference` input items point at stored responses, and this router stores none: " +
            "send the items themselves",
        );
      default:
        // Reasoning, hosted tool calls (web_search_call, ...) and unknown future items have no
        // chat form; they are left out.
        return;
    }
  }

  addSystem(text: string): void {
    const last = this.messages.at(-1);
    if (this.leadingSystem && last?.role === "system" && typeof last.content === "string") {
      last.content = `${last.content}\n\n${text}`;
      return;
    }
    this.push({ role: "system", content: text });
  }

  addUser(content: string | OpenAiContentPart[]): void {
    this.push({ role: "user", content });
  }

  finish(): OpenAiMessage[] {
    this.flushImages();
    return this.messages;
  }

  private push(message: OpenAiMessage): void {
    if (message.role !== "tool") this.flushImages();
    if (message.role !== "system") this.leadingSystem = false;
    this.messages.push(message);
  }

  private flushImages(): void {
    if (this.pendingImages.length === 0) return;
    const images = this.pendingImages;
    this.pendingImages = [];
    this.messages.push({ role: "user", content: images });
  }

  private addMessage(item: Record<string, unknown>): void {
    const role = item.role;
    if (role === "system" || role === "developer") {
      const text = textOf(item.content, "\n\n");
      if (text !== "") this.addSystem(text);
      return;
    }
    if (role === "assistant") {
      const text = textOf(item.content, "");
      if (text !== "") this.push({ role: "assistant", content: text });
      return;
    }
    const content = userContent(item.content);
    if (content.length > 0) this.addUser(compactParts(content));
  }

  private addToolCall(callId: unknown, name: string, args: string): void {
    const call = {
      id: stringOf(callId) || `call_${randomIdSuffix()}`,
      type: "function" as const,
      function: { name, arguments: args },
    };
    const last = this.messages.at(-1);
    if (last?.role === "assistant") {
      last.tool_calls = [...(last.tool_calls ?? []), call];
      return;
    }
    this.push({ role: "assistant", content: null, tool_calls: [call] });
  }

  private addToolResult(callId: unknown, output: unknown): void {
    let text: string;
    if (typeof output === "string") text = output;
    else {
      const texts: string[] = [];
      let images = 0;
      for (const part of userContent(output)) {
        if (part.type === "text") texts.push(part.text);
        else {
          this.pendingImages.push(part);
          images++;
        }
      }
      if (images > 0) texts.push(`[${images} image(s) attached in the next user message]`);
      text = texts.join("\n");
    }
    this.messages.push({ role: "tool", tool_call_id: stringOf(callId) ?? "", content: text });
    this.leadingSystem = false;
  }
}

/** The chat function name of a call item (namespaced tools carry their namespace). */
function chatNameOf(item: Record<string, unknown>): string {
  return chatToolName(stringOf(item.name) ?? "", stringOf(item.namespace));
}

/** Input content parts -> chat content parts; text-like parts of any kind count as text. */
function userContent(content: unknown): OpenAiContentPart[] {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  const parts: OpenAiContentPart[] = [];
  for (const part of arrayOf(content)) {
    if (!isRecord(part)) continue;
    switch (part.type) {
      case "input_text":
      case "output_text":
      case "text":
        parts.push({ type: "text", text: stringOf(part.text) ?? "" });
        break;
      case "refusal":
        parts.push({ type: "text", text: stringOf(part.refusal) ?? "" });
        break;
      case "input_image":
        parts.push(imagePart(part));
        break;
      case "input_file":
        parts.push(filePart(part));
        break;
    }
  }
  return parts;
}

function imagePart(part: Record<string, unknown>): OpenAiContentPart {
  const url = stringOf(part.image_url);
  if (!url) {
    throw new RefusedInput(
      "an input_image without image_url (a file_id) needs OpenAI's file storage, which this " +
        "router does not have: send the image as a data: or https: URL in image_url",
    );
  }
  const detail = stringOf(part.detail);
  return { type: "image_url", image_url: { url, ...(detail ? { detail } : {}) } };
}

function filePart(part: Record<string, unknown>): OpenAiContentPart {
  const data = stringOf(part.file_data);
  if (!data) {
    throw new RefusedInput(
      "an input_file without file_data (a file_id or file_url) cannot be served by this " +
        "router: send the file's content in file_data",
    );
  }
  return {
    type: "file",
    file: { file_data: data, filename: stringOf(part.filename) ?? "document.pdf" },
  };
}

/** The text of a string or of content parts; other parts are left out. */
function textOf(content: unknown, separator: string): string {
  if (typeof content === "string") return content;
  const texts: string[] = [];
  for (const part of userContent(content)) if (part.type === "text") texts.push(part.text);
  return texts.join(separator);
}

/** A lone text part becomes a plain string, which every OpenAI-compatible server accepts. */
function compactParts(parts: OpenAiContentPart[]): string | OpenAiContentPart[] {
  const only = parts.length === 1 ? parts[0] : undefined;
  return only?.type === "text" ? only.text : parts;
}
