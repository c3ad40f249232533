/**
 * POST /v1/chat/completions, /v1/messages, /v1/responses and the two token-count endpoints: read
 * and parse the body once, answer what is wrong with it in the caller's protocol, and hand the
 * rest to the request flow (a Responses request as its chat completions translation, see
 * responses-endpoint.ts). Bodies are never logged unless the debug flag asks for it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { WireProtocol } from "./backend.js";
import type { RouterClock } from "./clock.js";
import { forwardModelRequest, type ForwardContext } from "./forward-request.js";
import { countTokensEstimate, sendJson } from "./info-endpoints.js";
import type { ModelRequest } from "./model-request.js";
import {
  prepareResponsesRequest,
  RESPONSES_INPUT_TOKENS_PATH,
  RESPONSES_PATH,
  responsesInputTokens,
  type PreparedResponsesRequest,
} from "./responses-endpoint.js";
import { sendRouterError } from "./router-errors.js";

/** Where the router writes diagnostics; the CLI's debug logger implements it. */
export interface RouterLogger {
  log(level: "debug" | "warn" | "error", message: string, fields?: Record<string, unknown>): void;
}

/** What the model endpoints need besides the request flow's own context. */
export interface ModelEndpointContext {
  forward: ForwardContext;
  clock: RouterClock;
  logger?: RouterLogger;
  logBodies: boolean;
}

// Agent prompts with images can be large, but a body beyond this is a mistake or an attack.
const maxBodyBytes = 64 * 1024 * 1024;

export async function handleModelEndpoint(
  context: ModelEndpointContext,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const receivedAt = context.clock.now();
  const protocol: WireProtocol = path.startsWith("/v1/messages") ? "anthropic" : "openai";
  const isResponses = path === RESPONSES_PATH;
  const isCount = path === "/v1/messages/count_tokens" || path === RESPONSES_INPUT_TOKENS_PATH;
  if (!isCount && !isResponses && path !== "/v1/chat/completions" && path !== "/v1/messages") {
    return sendRouterError(res, protocol, 404, `no route for POST ${path}`);
  }
  let rawBody: Buffer;
  try {
    rawBody = await readBody(req, maxBodyBytes);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return sendRouterError(res, protocol, 413, message, { connection: "close" });
  }
  const body = parseObject(rawBody);
  if (!body) return sendRouterError(res, protocol, 400, "the request body is not a JSON object");
  if (path === RESPONSES_INPUT_TOKENS_PATH) {
    const counted = responsesInputTokens(body);
    return sendJson(res, counted.status, counted.body);
  }
  if (isCount) return sendJson(res, 200, countTokensEstimate(body));

  const model = typeof body.model === "string" ? body.model : "";
  const table = context.forward.table();
  const metrics = context.forward.metrics;
  if (!table.pools.resolve(model)) {
    metrics.errorSeen("unknown-model", "none");
    metrics.requestFinished("none", "other", 404);
    const known = table.pools.knownModels;
    return sendRouterError(
      res,
      protocol,
      404,
      model === ""
        ? `the request names no model; this router serves: ${known.join(", ") || "nothing"}`
        : `model "${model}" is not served here; known models and aliases: ${known.join(", ") || "none"}`,
    );
  }
  const modelLabel = table.pools.isKnown(model) ? model : "other";
  let responses: PreparedResponsesRequest | undefined;
  if (isResponses) {
    const prepared = prepareResponsesRequest(body, req.headers, model);
    if (!prepared.ok) {
      metrics.errorSeen("bad-request", "none");
      metrics.requestFinished("none", modelLabel, 400);
      return sendRouterError(res, protocol, 400, prepared.message);
    }
    responses = prepared;
    if (prepared.ignoredTools.length > 0) {
      // OpenAI runs these tools itself (web search, ...); no backend here can, so none sees them.
      const tools = prepared.ignoredTools;
      context.logger?.log("warn", "hosted tools left out of a Responses request", { tools });
    }
  }
  if (context.logBodies) {
    context.logger?.log("debug", "model request", { path, body: rawBody.toString("utf8") });
  }
  const request: ModelRequest = {
    protocol,
    model,
    modelLabel,
    stream: body.stream === true,
    body: responses?.body ?? body,
    rawBody: responses?.rawBody ?? rawBody,
    headers: responses?.headers ?? req.headers,
    receivedAt,
    ...(responses ? { dialect: responses.dialect } : {}),
  };
  await forwardModelRequest(context.forward, request, res);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop keeping bytes but let the rest drain, so the 413 still reaches the client.
        req.removeAllListeners("data");
        req.resume();
        reject(new Error(`the request body is larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
    );
    req.on("error", reject);
  });
}

function parseObject(raw: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw.toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
