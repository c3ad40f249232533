/**
 * The small endpoints that answer from the router's own state: model list, token count estimate
 * and health. None of them touches a backend.
 */
import type { ServerResponse } from "node:http";
import type { RouterTable } from "./router-table.js";

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * GET /v1/models in OpenAI's list shape; each entry also carries Anthropic's fields
 * (type, display_name, created_at) so both kinds of client can read it.
 */
export function modelList(table: RouterTable): Record<string, unknown> {
  const data = table.pools.knownModels.map((id) => ({
    id,
    object: "model",
    type: "model",
    display_name: id,
    created: 0,
    created_at: "1970-01-01T00:00:00Z",
    owned_by: "harness-router",
  }));
  return {
    object: "list",
    data,
    has_more: false,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
  };
}

/**
 * POST /v1/messages/count_tokens, approximately: about four characters per token over the
 * prompt's JSON. Good enough for the budget checks clients use it for; no backend is asked.
 */
export function countTokensEstimate(body: Record<string, unknown>): { input_tokens: number } {
  const prompt = JSON.stringify([body.system ?? "", body.messages ?? [], body.tools ?? []]);
  return { input_tokens: Math.max(1, Math.ceil(prompt.length / 4)) };
}

/** GET /health: 200 when at least one backend is ready. */
export function healthReport(table: RouterTable): {
  status: number;
  body: Record<string, unknown>;
} {
  const ready = table.backends.filter((routed) => routed.readiness === "ready").length;
  return {
    status: ready > 0 ? 200 : 503,
    body: { status: ready > 0 ? "ok" : "unavailable", ready, backends: table.backends.length },
  };
}
