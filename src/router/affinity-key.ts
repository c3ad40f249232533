/**
 * The key that keeps a conversation on one backend. An explicit session wins (a header, the
 * Anthropic `metadata.user_id`, the OpenAI `user`); otherwise the start of the prompt stands in
 * for the session: agents build prompts append-only, so the system prompt and the first message
 * stay byte-identical from turn to turn while later messages are added.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { WireProtocol } from "./backend.js";
import { hashString, mixHashes } from "./stable-hash.js";

// Enough of each part to tell sessions apart without hashing megabytes of context.
const prefixChars = 4096;

const sessionHeaders = ["x-session-id", "x-claude-code-session-id"] as const;

export function affinityKeyHash(
  protocol: WireProtocol,
  headers: IncomingHttpHeaders,
  body: Record<string, unknown>,
): number {
  for (const name of sessionHeaders) {
    const value = headers[name];
    if (typeof value === "string" && value !== "") return hashString(`session:${value}`);
  }
  const explicit = protocol === "anthropic" ? anthropicUserId(body) : body.user;
  if (typeof explicit === "string" && explicit !== "") return hashString(`user:${explicit}`);
  const { system, first } =
    protocol === "anthropic" ? anthropicPrefix(body) : openaiPrefix(body.messages);
  return mixHashes(
    hashString(system.slice(0, prefixChars)),
    hashString(first.slice(0, prefixChars)),
  );
}

function anthropicUserId(body: Record<string, unknown>): unknown {
  const metadata = body.metadata;
  return typeof metadata === "object" && metadata !== null
    ? (metadata as Record<string, unknown>).user_id
    : undefined;
}

function anthropicPrefix(body: Record<string, unknown>): { system: string; first: string } {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  return { system: contentText(body.system), first: messageText(messages[0]) };
}

function openaiPrefix(messages: unknown): { system: string; first: string } {
  const list = Array.isArray(messages) ? messages : [];
  let system = "";
  let index = 0;
  for (; index < list.length && system.length < prefixChars; index++) {
    const role = roleOf(list[index]);
    if (role !== "system" && role !== "developer") break;
    system += messageText(list[index]);
  }
  while (index < list.length && isInstruction(list[index])) index++;
  return { system, first: messageText(list[index]) };
}

function isInstruction(message: unknown): boolean {
  const role = roleOf(message);
  return role === "system" || role === "developer";
}

function roleOf(message: unknown): unknown {
  return typeof message === "object" && message !== null
    ? (message as Record<string, unknown>).role
    : undefined;
}

function messageText(message: unknown): string {
  if (typeof message !== "object" || message === null) return "";
  return contentText((message as Record<string, unknown>).content);
}

/** Text of a string or of content blocks; other blocks count by type (images are huge). */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const block of content) {
    if (text.length >= prefixChars) break;
    if (typeof block !== "object" || block === null) continue;
    const record = block as Record<string, unknown>;
    text += typeof record.text === "string" ? record.text : `[${String(record.type)}]`;
  }
  return text;
}
