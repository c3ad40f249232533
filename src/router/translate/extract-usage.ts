import type { WireProtocol } from "../backend.js";
import { isRecord, parseEventData } from "./json-values.js";
import { readAnthropicUsage, readOpenAiUsage, type UsageFigures } from "./usage.js";

/**
 * Token usage from a response body, a parsed stream event, or a raw SseEvent of either protocol;
 * undefined when the value carries none. Input tokens include cached ones.
 */
export function extractUsage(value: unknown, protocol: WireProtocol): UsageFigures | undefined {
  const object = objectOf(value);
  if (object === undefined) return undefined;
  if (protocol === "openai") return readOpenAiUsage(object.usage, object.timings);
  if (object.type === "message_start" && isRecord(object.message)) {
    return readAnthropicUsage(object.message.usage);
  }
  return readAnthropicUsage(object.usage);
}

function objectOf(value: unknown): Record<string, unknown> | undefined {
  if (!isRecord(value)) return undefined;
  if (typeof value.data !== "string") return value;
  // An SseEvent. The router may call this on every event: only parse the few that can hold usage.
  const data = value.data;
  if (!data.includes('"usage"') && !data.includes('"timings"')) return undefined;
  return parseEventData(data);
}
