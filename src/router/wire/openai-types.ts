/**
 * The OpenAI Chat Completions wire format, as far as the router reads or writes it: our own
 * minimal shapes, so vendor SDK types never reach the router. Bodies arrive as untrusted JSON;
 * code reading these shapes still checks what it relies on.
 */

export type OpenAiRole = "system" | "developer" | "user" | "assistant" | "tool";

export interface OpenAiTextPart {
  type: "text";
  text: string;
}

export interface OpenAiImagePart {
  type: "image_url";
  /** An http(s) address or a `data:<media type>;base64,<data>` URL. */
  image_url: { url: string; detail?: string };
}

export interface OpenAiFilePart {
  type: "file";
  file: { file_data?: string; filename?: string; file_id?: string };
}

export type OpenAiContentPart = OpenAiTextPart | OpenAiImagePart | OpenAiFilePart;

export interface OpenAiToolCall {
  id: string;
  type: "function";
  /** `arguments` is a JSON text, possibly invalid when a model produced it. */
  function: { name: string; arguments: string };
}

export interface OpenAiMessage {
  role: OpenAiRole;
  content?: string | OpenAiContentPart[] | null;
  tool_calls?: OpenAiToolCall[];
  /** On `role: "tool"`: the call this message answers. */
  tool_call_id?: string;
  name?: string;
  /** Reasoning text as llama-server (and DeepSeek-style servers) return it. */
  reasoning_content?: string | null;
  refusal?: string | null;
}

export interface OpenAiTool {
  type: "function";
  function: {
    name: string;
    description?: string;
    parameters?: Record<string, unknown>;
    strict?: boolean;
  };
}

export type OpenAiToolChoice =
  "auto" | "none" | "required" | { type: "function"; function: { name: string } };

export type OpenAiReasoningEffort = "none" | "minimal" | "low" | "medium" | "high" | "xhigh";

export interface OpenAiResponseFormat {
  type: "text" | "json_object" | "json_schema";
  json_schema?: {
    name?: string;
    description?: string;
    schema?: Record<string, unknown>;
    strict?: boolean;
  };
}

export interface OpenAiChatRequest {
  model: string;
  messages: OpenAiMessage[];
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string | string[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  user?: string;
  tools?: OpenAiTool[];
  tool_choice?: OpenAiToolChoice;
  parallel_tool_calls?: boolean;
  reasoning_effort?: OpenAiReasoningEffort;
  response_format?: OpenAiResponseFormat;
}

export interface OpenAiUsage {
  /** All prompt tokens, cached ones included. */
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number };
}

/** llama-server's per-response timings: `cache_n` prompt tokens reused, `prompt_n` computed. */
export interface LlamaServerTimings {
  cache_n?: number;
  prompt_n?: number;
  predicted_n?: number;
}

export type OpenAiFinishReason =
  "stop" | "length" | "tool_calls" | "content_filter" | "function_call";

export interface OpenAiChoice {
  index: number;
  message: OpenAiMessage;
  finish_reason: OpenAiFinishReason | null;
  logprobs?: null;
}

export interface OpenAiChatResponse {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: OpenAiChoice[];
  usage?: OpenAiUsage;
  timings?: LlamaServerTimings;
}

export interface OpenAiToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function?: { name?: string; arguments?: string };
}

export interface OpenAiDelta {
  role?: "assistant";
  content?: string | null;
  reasoning_content?: string | null;
  tool_calls?: OpenAiToolCallDelta[];
  refusal?: string | null;
}

export interface OpenAiStreamChoice {
  index: number;
  delta: OpenAiDelta;
  finish_reason: OpenAiFinishReason | null;
}

export interface OpenAiStreamChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: OpenAiStreamChoice[];
  usage?: OpenAiUsage | null;
  timings?: LlamaServerTimings;
}

/** The error body, returned with a 4xx/5xx status or sent as one `data:` line mid-stream. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; code: string | number | null; param?: string | null };
}
