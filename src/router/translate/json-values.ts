import { randomUUID } from "node:crypto";

/**
 * Small readers for untrusted JSON: request and response bodies come from callers and backends
 * we do not control, so translation checks shapes instead of trusting them, and never throws.
 */

/** True for a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value if it is an array, else an empty one. */
export function arrayOf<T = unknown>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

/** The value if it is a string, else undefined. */
export function stringOf(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The value if it is a finite number, else undefined. */
export function numberOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** A wire shape as the loose record the public API hands around. */
export function asJsonObject(value: object): Record<string, unknown> {
  return value as Record<string, unknown>;
}

/**
 * Tool-call arguments as Anthropic wants them: a JSON object. Models emit invalid JSON now and
 * then; the text is kept as `{ _raw }` so nothing is lost and nothing throws.
 */
export function parseToolArguments(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) ? parsed : { _raw: text };
  } catch {
    return { _raw: text };
  }
}

/** Tool input as OpenAI wants it: a JSON text; `{ _raw }` from parseToolArguments goes back as is. */
export function stringifyToolInput(input: unknown): string {
  if (isRecord(input) && typeof input._raw === "string" && Object.keys(input).length === 1) {
    return input._raw;
  }
  return JSON.stringify(input ?? {});
}

/** Parses one stream event's data; undefined for empty, `[DONE]` or invalid JSON. */
export function parseEventData(data: string): Record<string, unknown> | undefined {
  if (data === "" || data === "[DONE]") return undefined;
  try {
    const parsed: unknown = JSON.parse(data);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Replaces a known id prefix (`msg_`, `chatcmpl-`) so ids look native in the caller's format. */
export function convertId(id: unknown, fromPrefix: string, toPrefix: string): string {
  const text = typeof id === "string" && id !== "" ? id : randomIdSuffix();
  return toPrefix + (text.startsWith(fromPrefix) ? text.slice(fromPrefix.length) : text);
}

/** A fresh id tail for messages and tool calls that arrived without an id. */
export function randomIdSuffix(): string {
  return randomUUID().replaceAll("-", "").slice(0, 24);
}
