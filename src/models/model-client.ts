/**
 * The one interface the rest of harness uses to call a model. Agents and workflows build a
 * `ModelRequest`, call `stream`, and read normalized `ModelEvent`s; the OpenAI-style and
 * Anthropic-style adapters translate to and from their wire formats, so no vendor type is seen
 * past them. Failures travel inside the stream as `error` events; only `result()` rejects.
 */
import type { z } from "zod";
import type { thinkingLevelSchema } from "../config/schema.js";

/** How hard the model may think before answering; each adapter maps it to its own knob. */
export type ThinkingLevel = z.infer<typeof thinkingLevelSchema>;

export interface TextPart {
  type: "text";
  text: string;
}

/** An image sent inline: base64 bytes and their media type (image/png, image/jpeg, ...). */
export interface ImagePart {
  type: "image";
  mediaType: string;
  data: string;
}

/** A tool the model asked to run; `input` is the parsed JSON arguments. */
export interface ModelToolCall {
  id: string;
  name: string;
  input: unknown;
}

/**
 * A block of the model's own reasoning. Anthropic requires signed thinking blocks to be sent back
 * unchanged in the assistant turn that precedes a tool result, so they are kept as opaque data.
 */
export interface ReasoningPart {
  text: string;
  /** The provider's signature over `text`; send it back as it came. */
  signature?: string;
  /** Reasoning the provider hid from us, to be sent back as it came. */
  redactedData?: string;
}

export interface UserMessage {
  role: "user";
  content: string | Array<TextPart | ImagePart>;
}

export interface AssistantMessage {
  role: "assistant";
  text?: string;
  toolCalls?: ModelToolCall[];
  /** From `ModelResult.reasoning`; only the Anthropic adapter sends it back. */
  reasoning?: ReasoningPart[];
}

/** The result of running one tool call, answering the assistant turn that asked for it. */
export interface ToolResultMessage {
  role: "tool";
  toolCallId: string;
  content: string;
  isError?: boolean;
}

export type ModelMessage = UserMessage | AssistantMessage | ToolResultMessage;

/** A tool offered to the model; `inputSchema` is a JSON schema for an object. */
export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/** Asks for structured output: the answer is JSON matching `schema` (a JSON schema object). */
export interface ResponseSchema {
  name: string;
  schema: Record<string, unknown>;
}

/** One model call. Keep `system` and earlier messages byte-identical between turns (caching). */
export interface ModelRequest {
  /** Model id or router alias. */
  model: string;
  system?: string;
  messages: ModelMessage[];
  tools?: ToolDefinition[];
  /**
   * Whether the model must call a tool: `required` makes a local model (llama.cpp builds a
   * grammar from the tool schemas) answer with a tool call; default `auto`.
   */
  toolChoice?: "auto" | "required" | "none";
  responseSchema?: ResponseSchema;
  /** Tokens allowed for the answer (thinking budgets come on top where the API counts both). */
  maxTokens?: number;
  temperature?: number;
  thinking?: ThinkingLevel;
  /** Sent as `x-session-id` so the router keeps a session on the backend that caches it. */
  sessionId?: string;
  signal?: AbortSignal;
}

export type StopReason = "end" | "length" | "tool-calls" | "refusal";

/**
 * Why a call failed. `invalid-output` means the model answered but its JSON (structured output
 * or tool arguments) did not parse; a retry, perhaps with more thinking, may fix it.
 */
export type ModelErrorKind =
  | "auth"
  | "rate-limit"
  | "overloaded"
  | "bad-request"
  | "network"
  | "timeout"
  | "cancelled"
  | "invalid-output"
  | "unknown";

/** Token counts. `inputTokens` counts the whole prompt; `cachedTokens` is the part read from cache. */
export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
}

export interface TextDeltaEvent {
  type: "text-delta";
  text: string;
}

export interface ToolCallEvent extends ModelToolCall {
  type: "tool-call";
}

export interface ReasoningEvent extends ReasoningPart {
  type: "reasoning";
}

export interface UsageEvent extends ModelUsage {
  type: "usage";
}

export interface DoneEvent {
  type: "done";
  stopReason: StopReason;
}

export interface ErrorEvent {
  type: "error";
  kind: ModelErrorKind;
  message: string;
  /** True when the same request may succeed later (rate limit, overload, network, timeout). */
  retryable: boolean;
  /** HTTP status, when the server answered with one. */
  status?: number;
}

/** What a stream yields: deltas as they arrive, then usage, then exactly one `done` or `error`. */
export type ModelEvent =
  TextDeltaEvent | ToolCallEvent | ReasoningEvent | UsageEvent | DoneEvent | ErrorEvent;

/** Everything a finished call produced, assembled from its events. */
export interface ModelResult {
  text: string;
  toolCalls: ModelToolCall[];
  reasoning: ReasoningPart[];
  usage: ModelUsage;
  stopReason: StopReason;
  /** The parsed JSON answer when the request had a `responseSchema`. */
  parsed?: unknown;
}

/**
 * The events of one call, which starts when `stream()` is called. It may be iterated (more than
 * once: events are buffered) and `result()` awaited before, during or after iterating.
 */
export interface ModelStream extends AsyncIterable<ModelEvent> {
  /** Resolves with the assembled result, or rejects with a typed HarnessError on an error event. */
  result(): Promise<ModelResult>;
}

/** Calls a model. Implementations never throw from `stream`; failures are `error` events. */
export interface ModelClient {
  stream(request: ModelRequest): ModelStream;
}
