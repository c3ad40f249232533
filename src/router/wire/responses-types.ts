/**
 * The OpenAI Responses API wire format (`POST /v1/responses`), as far as the router reads or
 * writes it: our own minimal shapes, so vendor SDK types never reach the router. Requests arrive
 * as untrusted JSON; code reading them still checks what it relies on. What the router writes
 * follows what Codex (codex-rs `codex-api/src/sse/responses.rs`, `protocol/src/models.rs`) and
 * the openai SDK (`ResponseAccumulator`) read.
 */

export type ResponsesStatus = "in_progress" | "completed" | "incomplete" | "failed";

export type ResponsesItemStatus = "in_progress" | "completed" | "incomplete";

export interface ResponsesOutputText {
  type: "output_text";
  text: string;
  annotations: unknown[];
  logprobs?: unknown[];
}

export interface ResponsesRefusal {
  type: "refusal";
  refusal: string;
}

export interface ResponsesReasoningText {
  type: "reasoning_text";
  text: string;
}

export interface ResponsesMessageItem {
  type: "message";
  id: string;
  status: ResponsesItemStatus;
  role: "assistant";
  content: (ResponsesOutputText | ResponsesRefusal)[];
}

export interface ResponsesFunctionCallItem {
  type: "function_call";
  id: string;
  /** What the caller echoes in function_call_output; the chat tool call's id. */
  call_id: string;
  name: string;
  /** Set for a tool offered inside a `namespace` tool (Codex's sub-agent tools). */
  namespace?: string;
  /** A JSON text, possibly invalid when a model produced it. */
  arguments: string;
  status: ResponsesItemStatus;
}

/** A call of a `custom` (free-form text input) tool, such as Codex's apply_patch. */
export interface ResponsesCustomToolCallItem {
  type: "custom_tool_call";
  id: string;
  call_id: string;
  name: string;
  namespace?: string;
  input: string;
  status: ResponsesItemStatus;
}

/** Reasoning as text (local models' reasoning_content); no summary, nothing encrypted. */
export interface ResponsesReasoningItem {
  type: "reasoning";
  id: string;
  summary: { type: "summary_text"; text: string }[];
  content: ResponsesReasoningText[];
  status: ResponsesItemStatus;
}

export type ResponsesOutputItem =
  | ResponsesMessageItem
  | ResponsesFunctionCallItem
  | ResponsesCustomToolCallItem
  | ResponsesReasoningItem;

export interface ResponsesUsage {
  /** All prompt tokens, cached ones included. */
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export interface ResponsesError {
  /** A string or null: Codex reads it as `Option<String>` (e.g. "context_length_exceeded"). */
  code: string | null;
  message: string;
}

/** The response object, returned whole or carried by the lifecycle stream events. */
export interface ResponsesResponse {
  id: string;
  object: "response";
  created_at: number;
  status: ResponsesStatus;
  error: ResponsesError | null;
  incomplete_details: { reason: "max_output_tokens" | "content_filter" } | null;
  instructions: unknown;
  max_output_tokens: number | null;
  model: string;
  output: ResponsesOutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: null;
  reasoning: { effort: string | null; summary: string | null };
  /** Nothing is stored: the router keeps no responses, whatever the caller asked. */
  store: false;
  temperature: number | null;
  text: { format: Record<string, unknown> };
  tool_choice: unknown;
  tools: unknown[];
  top_p: number | null;
  truncation: "disabled";
  usage: ResponsesUsage | null;
  user: string | null;
  metadata: Record<string, unknown>;
}

/** One streamed event: `type` is also the SSE `event:` name; numbered from 0. */
export interface ResponsesStreamEvent {
  type: string;
  sequence_number: number;
  [field: string]: unknown;
}

/** The error body of a 4xx/5xx answer: the same shape as chat completions errors. */
export interface ResponsesErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
}
