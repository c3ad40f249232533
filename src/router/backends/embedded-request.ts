/**
 * Reads an OpenAI chat-completions body into what node-llama-cpp needs: a chat history, the
 * functions offered, the grammar to constrain output, and the sampling settings.
 */
import type {
  ChatHistoryItem,
  ChatModelFunctionCall,
  ChatModelFunctions,
  GbnfJsonSchema,
} from "node-llama-cpp";

/** A request the embedded backend cannot serve as written; answered with HTTP 400. */
export class EmbeddedRequestError extends Error {}

/** How tools are offered: natively (the model may call them) or forced through a JSON grammar. */
export type EmbeddedToolMode =
  | { kind: "none" }
  | { kind: "native"; functions: ChatModelFunctions; parallel: boolean }
  | { kind: "forced"; schema: GbnfJsonSchema };

export interface EmbeddedChatRequest {
  /** The conversation, ending with the model response to generate (possibly already begun). */
  history: ChatHistoryItem[];
  tools: EmbeddedToolMode;
  /** JSON schema the answer must match, or "json" for any JSON object. */
  responseFormat?: GbnfJsonSchema | "json";
  maxTokens?: number;
  temperature: number;
  topP?: number;
  seed?: number;
  stop: string[];
  /** The caller asked for a usage chunk at the end of the stream. */
  includeUsage: boolean;
  /** The `model` the caller named, echoed back in responses. */
  model?: string;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function readText(content: unknown, role: string): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  if (!Array.isArray(content))
    throw new EmbeddedRequestError(`The ${role} message content must be a string or an array.`);
  return content
    .map((part) => {
      if (isObject(part) && part.type === "text" && typeof part.text === "string") return part.text;
      throw new EmbeddedRequestError(
        `The embedded backend only reads text content; a ${role} message has another part.`,
      );
    })
    .join("");
}

function parseArguments(text: unknown): unknown {
  if (typeof text !== "string") return text ?? {};
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function readHistory(messages: unknown): ChatHistoryItem[] {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new EmbeddedRequestError("`messages` must be a non-empty array.");
  }
  const history: ChatHistoryItem[] = [];
  const callsById = new Map<string, ChatModelFunctionCall>();
  for (const message of messages) {
    if (!isObject(message)) throw new EmbeddedRequestError("Every message must be an object.");
    const role = String(message.role);
    if (role === "system" || role === "developer") {
      history.push({ type: "system", text: readText(message.content, role) });
    } else if (role === "user") {
      history.push({ type: "user", text: readText(message.content, role) });
    } else if (role === "assistant") {
      const text = readText(message.content, role);
      const response: (string | ChatModelFunctionCall)[] = text ? [text] : [];
      for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
        const fn = isObject(call) && isObject(call.function) ? call.function : undefined;
        if (!fn || typeof fn.name !== "string")
          throw new EmbeddedRequestError("A tool call has no function name.");
        const item: ChatModelFunctionCall = {
          type: "functionCall",
          name: fn.name,
          params: parseArguments(fn.arguments),
          result: "",
        };
        if (isObject(call) && typeof call.id === "string") callsById.set(call.id, item);
        response.push(item);
      }
      history.push({ type: "model", response });
    } else if (role === "tool") {
      const call = callsById.get(String(message.tool_call_id));
      if (!call)
        throw new EmbeddedRequestError(
          `A tool message answers unknown tool_call_id ${String(message.tool_call_id)}.`,
        );
      call.result = parseArguments(readText(message.content, role));
    } else {
      throw new EmbeddedRequestError(`Unknown message role "${role}".`);
    }
  }
  if (history.at(-1)?.type !== "model") history.push({ type: "model", response: [] });
  return history;
}

interface ToolDefinition {
  name: string;
  description?: string;
  parameters: GbnfJsonSchema;
}

function readTools(tools: unknown): ToolDefinition[] {
  if (tools === undefined || tools === null) return [];
  if (!Array.isArray(tools)) throw new EmbeddedRequestError("`tools` must be an array.");
  return tools.map((tool) => {
    const fn =
      isObject(tool) && tool.type === "function" && isObject(tool.function)
        ? tool.function
        : undefined;
    if (!fn || typeof fn.name !== "string")
      throw new EmbeddedRequestError(
        'Every tool must be {type: "function", function: {name, ...}}.',
      );
    const parameters = (
      isObject(fn.parameters) ? fn.parameters : { type: "object", properties: {} }
    ) as GbnfJsonSchema;
    return {
      name: fn.name,
      ...(typeof fn.description === "string" ? { description: fn.description } : {}),
      parameters,
    };
  });
}

/** A JSON grammar for `{"name": ..., "arguments": {...}}` over the allowed tools. */
function forcedCallSchema(tools: ToolDefinition[]): GbnfJsonSchema {
  const options = tools.map((tool) => ({
    type: "object" as const,
    properties: { name: { const: tool.name }, arguments: tool.parameters },
    required: ["name", "arguments"],
  }));
  return (options.length === 1 ? options[0] : { oneOf: options }) as GbnfJsonSchema;
}

/** The instruction that tells the model how to answer when a tool call is forced. */
function forcedCallInstruction(tools: ToolDefinition[]): string {
  const listing = tools.map((tool) => JSON.stringify(tool)).join("\n");
  return `Answer with exactly one tool call, written as JSON {"name": <tool name>, "arguments": <arguments object>}. Tools:\n${listing}`;
}

function readToolMode(body: Json, history: ChatHistoryItem[]): EmbeddedToolMode {
  const tools = readTools(body.tools);
  const choice = body.tool_choice ?? "auto";
  if (tools.length === 0 || choice === "none") return { kind: "none" };
  if (choice === "auto") {
    const functions: Record<string, { description?: string; params: GbnfJsonSchema }> = {};
    for (const tool of tools)
      functions[tool.name] = {
        ...(tool.description ? { description: tool.description } : {}),
        params: tool.parameters,
      };
    return { kind: "native", functions, parallel: body.parallel_tool_calls !== false };
  }
  let allowed = tools;
  if (isObject(choice)) {
    const name = isObject(choice.function) ? choice.function.name : undefined;
    allowed = tools.filter((tool) => tool.name === name);
    if (allowed.length === 0)
      throw new EmbeddedRequestError(`tool_choice names ${String(name)}, which is not in tools.`);
  } else if (choice !== "required") {
    throw new EmbeddedRequestError(
      'tool_choice must be "none", "auto", "required" or {type: "function", function: {name}}.',
    );
  }
  // Prepended, so the conversation prefix (and the slot's cached tokens) stay the same each turn.
  history.unshift({ type: "system", text: forcedCallInstruction(allowed) });
  return { kind: "forced", schema: forcedCallSchema(allowed) };
}

function readResponseFormat(format: unknown): GbnfJsonSchema | "json" | undefined {
  if (!isObject(format) || format.type === "text") return undefined;
  if (format.type === "json_object") return "json";
  if (
    format.type === "json_schema" &&
    isObject(format.json_schema) &&
    isObject(format.json_schema.schema)
  ) {
    return format.json_schema.schema as GbnfJsonSchema;
  }
  throw new EmbeddedRequestError(
    'response_format must be {type: "text"}, {type: "json_object"} or {type: "json_schema", json_schema: {schema}}.',
  );
}

const optionalNumber = (value: unknown, field: string): number | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value))
    throw new EmbeddedRequestError(`\`${field}\` must be a number.`);
  return value;
};

/** Parses an OpenAI chat-completions body; throws EmbeddedRequestError when it is unusable. */
export function readEmbeddedChatRequest(body: Json): EmbeddedChatRequest {
  if (typeof body.n === "number" && body.n !== 1) {
    throw new EmbeddedRequestError(
      "The embedded backend generates one choice per request (`n` must be 1).",
    );
  }
  const history = readHistory(body.messages);
  const tools = readToolMode(body, history);
  const responseFormat = readResponseFormat(body.response_format);
  if (responseFormat && tools.kind !== "none") {
    throw new EmbeddedRequestError(
      "response_format cannot be combined with tools on the embedded backend.",
    );
  }
  const stop =
    body.stop === undefined || body.stop === null
      ? []
      : Array.isArray(body.stop)
        ? body.stop
        : [body.stop];
  if (!stop.every((item): item is string => typeof item === "string"))
    throw new EmbeddedRequestError("`stop` must be a string or an array of strings.");
  const maxTokens = optionalNumber(body.max_completion_tokens ?? body.max_tokens, "max_tokens");
  const topP = optionalNumber(body.top_p, "top_p");
  const seed = optionalNumber(body.seed, "seed");
  return {
    history,
    tools,
    ...(responseFormat ? { responseFormat } : {}),
    ...(maxTokens !== undefined ? { maxTokens: Math.max(1, Math.floor(maxTokens)) } : {}),
    temperature: optionalNumber(body.temperature, "temperature") ?? 0.8,
    ...(topP !== undefined ? { topP } : {}),
    ...(seed !== undefined ? { seed } : {}),
    stop: stop.filter((item) => item !== ""),
    includeUsage: isObject(body.stream_options) && body.stream_options.include_usage === true,
    ...(typeof body.model === "string" ? { model: body.model } : {}),
  };
}
