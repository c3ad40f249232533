/**
 * The script format shared by the fake model (which replays it) and the recorder (which writes
 * it): one JSON object per line, one line per model call, in call order. A line is either a
 * recorded `{request, events}` pair or a hand-written shorthand (`{text}`, `{toolCalls}`,
 * `{json}`, `{error}`), so tests and `--fake-responses FILE` read the same files.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { InputError } from "../errors.js";
import type { ModelErrorKind, ModelEvent, ModelRequest, ModelUsage } from "./model-client.js";
import { createErrorEvent } from "./model-errors.js";

/** A request as written to a script: everything but the abort signal. */
export type RecordedRequest = Omit<ModelRequest, "signal">;

/** Checks a request before it is answered: true or "" passes, false or a reason fails. */
export type RequestMatcher =
  | ((request: ModelRequest) => boolean | string)
  | { model?: string; systemIncludes?: string; lastMessageIncludes?: string };

interface ResponseCommon {
  /** When set, a request that does not match fails loudly instead of being answered. */
  match?: RequestMatcher;
  usage?: Partial<ModelUsage>;
}

/** One scripted answer. A bare array is the exact events to replay. */
export type FakeResponse =
  | ModelEvent[]
  | (ResponseCommon & { events: ModelEvent[]; request?: RecordedRequest })
  | (ResponseCommon & { text: string })
  | (ResponseCommon & {
      toolCalls: Array<{ id?: string; name: string; input?: unknown }>;
      text?: string;
    })
  | (ResponseCommon & { json: unknown })
  | (ResponseCommon & { error: ModelErrorKind; message?: string; status?: number });

/** The events a scripted answer stands for. */
export function expandResponse(response: FakeResponse): ModelEvent[] {
  if (Array.isArray(response)) return response;
  if ("events" in response) return response.events;
  if ("error" in response) {
    return [
      createErrorEvent(response.error, response.message ?? "scripted failure", response.status),
    ];
  }
  const usage: ModelEvent = {
    type: "usage",
    inputTokens: response.usage?.inputTokens ?? 0,
    outputTokens: response.usage?.outputTokens ?? 0,
    cachedTokens: response.usage?.cachedTokens ?? 0,
  };
  if ("toolCalls" in response) {
    return [
      ...(response.text ? [{ type: "text-delta" as const, text: response.text }] : []),
      ...response.toolCalls.map((call, index) => ({
        type: "tool-call" as const,
        id: call.id ?? `call_${index}`,
        name: call.name,
        input: call.input ?? {},
      })),
      usage,
      { type: "done", stopReason: "tool-calls" },
    ];
  }
  const text = "json" in response ? JSON.stringify(response.json) : response.text;
  return [{ type: "text-delta", text }, usage, { type: "done", stopReason: "end" }];
}

const errorKinds = [
  "auth",
  "rate-limit",
  "overloaded",
  "bad-request",
  "network",
  "timeout",
  "cancelled",
  "invalid-output",
  "unknown",
] as const satisfies readonly ModelErrorKind[];

const eventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text-delta"), text: z.string() }),
  z.object({ type: z.literal("tool-call"), id: z.string(), name: z.string(), input: z.unknown() }),
  z.object({
    type: z.literal("reasoning"),
    text: z.string(),
    signature: z.string().optional(),
    redactedData: z.string().optional(),
  }),
  z.object({
    type: z.literal("usage"),
    inputTokens: z.number(),
    outputTokens: z.number(),
    cachedTokens: z.number(),
  }),
  z.object({
    type: z.literal("done"),
    stopReason: z.enum(["end", "length", "tool-calls", "refusal"]),
  }),
  z.object({
    type: z.literal("error"),
    kind: z.enum(errorKinds),
    message: z.string(),
    retryable: z.boolean(),
    status: z.number().optional(),
  }),
]);

const common = {
  match: z
    .object({
      model: z.string().optional(),
      systemIncludes: z.string().optional(),
      lastMessageIncludes: z.string().optional(),
    })
    .optional(),
  usage: z
    .object({
      inputTokens: z.number().optional(),
      outputTokens: z.number().optional(),
      cachedTokens: z.number().optional(),
    })
    .optional(),
};

/** Picked by the key a line has, so the error names the form the author meant. */
const lineSchemas = {
  events: z.object({ ...common, events: z.array(eventSchema), request: z.unknown() }),
  error: z.object({
    ...common,
    error: z.enum(errorKinds),
    message: z.string().optional(),
    status: z.number().optional(),
  }),
  toolCalls: z.object({
    ...common,
    text: z.string().optional(),
    toolCalls: z.array(
      z.object({ id: z.string().optional(), name: z.string(), input: z.unknown() }),
    ),
  }),
  json: z.object({ ...common, json: z.unknown() }),
  text: z.object({ ...common, text: z.string() }),
};

/** Reads a script file. Blank lines are skipped; a bad line is an InputError naming it. */
export async function loadScript(file: string): Promise<FakeResponse[]> {
  const lines = (await readFile(file, "utf8")).split("\n");
  const responses: FakeResponse[] = [];
  for (const [index, line] of lines.entries()) {
    if (line.trim() === "") continue;
    const where = `${file}:${index + 1}`;
    responses.push(parseScriptLine(line, where));
  }
  return responses;
}

export function parseScriptLine(line: string, where: string): FakeResponse {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new InputError(`${where}: not a JSON object`, {
      hint: "A model script has one JSON object per line.",
    });
  }
  if (Array.isArray(value)) value = { events: value };
  const key = (Object.keys(lineSchemas) as Array<keyof typeof lineSchemas>).find(
    (name) => typeof value === "object" && value !== null && name in value,
  );
  const parsed = key ? lineSchemas[key].safeParse(value) : undefined;
  if (!parsed?.success) {
    const why = parsed
      ? z.prettifyError(parsed.error)
      : "no events, text, toolCalls, json or error";
    throw new InputError(`${where}: not a model response: ${why}`, {
      hint: "Write {text}, {toolCalls}, {json}, {error} or {events}, or record one with the recorder.",
    });
  }
  // The schemas above mirror the ModelEvent and FakeResponse types field for field.
  return parsed.data as FakeResponse;
}

/** One recorded line: the request (without its signal) and the events that answered it. */
export function formatScriptLine(request: ModelRequest, events: ModelEvent[]): string {
  const withoutSignal = (_key: string, value: unknown) =>
    value instanceof AbortSignal ? undefined : value;
  return `${JSON.stringify({ request, events }, withoutSignal)}\n`;
}
