/**
 * Error bodies in both protocols. Statuses map onto Anthropic's error types; the Anthropic type
 * travels in OpenAI's `code` so a round trip keeps it.
 */
import type { WireProtocol } from "../backend.js";
import type { AnthropicErrorBody, AnthropicErrorType } from "../wire/anthropic-types.js";
import type { OpenAiErrorBody } from "../wire/openai-types.js";
import { asJsonObject, isRecord, numberOf, stringOf } from "./json-values.js";

const ANTHROPIC_TYPE_BY_STATUS: Record<number, AnthropicErrorType> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  503: "overloaded_error",
  504: "timeout_error",
  529: "overloaded_error",
};

const OPENAI_TYPE_BY_STATUS: Record<number, string> = {
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  429: "rate_limit_error",
};

const ANTHROPIC_TYPES = new Set<string>(Object.values(ANTHROPIC_TYPE_BY_STATUS));

/** The Anthropic error type for an HTTP status. */
export function anthropicErrorType(status: number): AnthropicErrorType {
  return (
    ANTHROPIC_TYPE_BY_STATUS[status] ?? (status >= 500 ? "api_error" : "invalid_request_error")
  );
}

/** The OpenAI error type for an HTTP status. */
export function openAiErrorType(status: number): string {
  return (
    OPENAI_TYPE_BY_STATUS[status] ?? (status >= 500 ? "server_error" : "invalid_request_error")
  );
}

/** A fresh error body in the protocol's shape. */
export function errorBody(
  protocol: WireProtocol,
  status: number,
  message: string,
): Record<string, unknown> {
  if (protocol === "anthropic") {
    const body: AnthropicErrorBody = {
      type: "error",
      error: { type: anthropicErrorType(status), message },
    };
    return asJsonObject(body);
  }
  const body: OpenAiErrorBody = { error: { message, type: openAiErrorType(status), code: null } };
  return asJsonObject(body);
}

/**
 * An upstream error body (any JSON, or text such as an HTML page) in the caller's protocol.
 * Same protocol: a JSON object passes unchanged, anything else gets wrapped.
 */
export function translateErrorBody(
  body: unknown,
  status: number,
  from: WireProtocol,
  to: WireProtocol,
): Record<string, unknown> {
  if (from === to && isRecord(body)) return body;
  const message = errorMessageOf(body, status);
  const error = isRecord(body) && isRecord(body.error) ? body.error : {};
  if (to === "anthropic") {
    // An Anthropic type that went through OpenAI's `code` comes back as it was.
    const code = stringOf(error.code);
    const type =
      code !== undefined && ANTHROPIC_TYPES.has(code) ? code : anthropicErrorType(status);
    const result: AnthropicErrorBody = { type: "error", error: { type, message } };
    return asJsonObject(result);
  }
  const anthropicType = from === "anthropic" ? stringOf(error.type) : undefined;
  const result: OpenAiErrorBody = {
    error: { message, type: openAiErrorType(status), code: anthropicType ?? null },
  };
  return asJsonObject(result);
}

const STATUS_BY_ANTHROPIC_TYPE = new Map<string, number>(
  Object.entries(ANTHROPIC_TYPE_BY_STATUS).map(([status, type]) => [type, Number(status)]),
);

/**
 * The HTTP status behind an error met mid-stream, where there is none: llama-server puts it in
 * `code`, Anthropic only names a type. 500 when neither tells.
 */
export function statusOfStreamError(error: Record<string, unknown>): number {
  const code = numberOf(error.code);
  if (code !== undefined && code >= 400 && code < 600) return code;
  return STATUS_BY_ANTHROPIC_TYPE.get(stringOf(error.type) ?? "") ?? 500;
}

const MAX_MESSAGE_LENGTH = 2000;

function errorMessageOf(body: unknown, status: number): string {
  let message: string | undefined;
  if (typeof body === "string") message = body.trim();
  else if (isRecord(body)) {
    const error = body.error;
    message = isRecord(error)
      ? stringOf(error.message)
      : (stringOf(error) ?? stringOf(body.message) ?? stringOf(body.detail));
    message ??= JSON.stringify(body);
  }
  if (!message) return `upstream returned HTTP ${status} with no error message`;
  return message.length > MAX_MESSAGE_LENGTH
    ? `${message.slice(0, MAX_MESSAGE_LENGTH)}...`
    : message;
}
