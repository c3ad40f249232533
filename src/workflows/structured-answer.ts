/**
 * One structured model answer for a pipeline task (the triage verdict, the ground plan): the
 * task's model and thinking level from the config, the JSON schema sent as `responseSchema`, the
 * answer checked with zod, and one retry with the thinking level raised a step when the answer
 * is not JSON or does not match. Other model failures (auth, network, bad request) are thrown
 * as they come: the client and the router already retry what can be retried.
 */
import { z } from "zod";

import type { HarnessConfig } from "../config/schema.js";
import { ModelRequestError } from "../errors.js";
import type { ModelClient, ModelRequest, ResponseSchema } from "../models/model-client.js";
import { ModelFailure } from "../models/model-errors.js";
import { resolveThinking } from "../models/thinking-policy.js";

/** The longest `maxLength` sent to a model; see `grammarSafeResponseSchema`. */
export const GRAMMAR_MAX_LENGTH = 1_000;

/**
 * The JSON schema sent as `responseSchema` for a zod schema, with bounds that grammar-constrained
 * decoding can take. llama.cpp (the embedded backend, llama-server) compiles the schema into a
 * grammar in which `maxLength: n` becomes a rule repeated up to n times, and its grammar parser
 * refuses repetitions from 2000 on: a plan with a 2000-character goal and a review with a
 * 2000-character message failed every embedded request with "failed to parse grammar". So
 * `maxLength` is capped at `GRAMMAR_MAX_LENGTH` (the bound still stops a small model's runaway
 * string), and integer bounds at ±2^53 (what zod's `.int()` writes), which llama-server's
 * converter turns into digit rules thousands of elements long, are left out. The zod schema
 * still checks every answer with its own limits.
 */
export function grammarSafeResponseSchema(name: string, schema: z.ZodType): ResponseSchema {
  return { name, schema: withGrammarBounds(z.toJSONSchema(schema)) as Record<string, unknown> };
}

function withGrammarBounds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withGrammarBounds);
  if (typeof node !== "object" || node === null) return node;
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    const isNumber = typeof value === "number";
    if ((key === "maximum" || key === "minimum") && isNumber) {
      if (Math.abs(value) === Number.MAX_SAFE_INTEGER) continue;
    }
    kept[key] =
      key === "maxLength" && isNumber
        ? Math.min(value, GRAMMAR_MAX_LENGTH)
        : withGrammarBounds(value);
  }
  return kept;
}

/** The model (or router alias) for a task kind: `models.tasks[task]`, else `models.default`. */
export function modelForTask(config: HarnessConfig, task: string): string {
  const tasks = config.models.tasks;
  return (Object.hasOwn(tasks, task) ? tasks[task] : undefined) ?? config.models.default;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isInvalidOutput(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.cause instanceof ModelFailure &&
    error.cause.kind === "invalid-output"
  );
}

export interface StructuredAnswerRequest<T> {
  client: ModelClient;
  config: HarnessConfig;
  /** The task kind in `models.tasks` and `models.thinking`. */
  task: string;
  system: string;
  userMessage: string;
  responseSchema: ResponseSchema;
  /** What the parsed answer must pass. */
  schema: z.ZodType<T>;
  sessionId: string;
  signal?: AbortSignal;
  /** Names the answer in the error, e.g. "triage verdict". */
  what: string;
  /** The hint of the error thrown after two invalid answers. */
  hint: string;
  /** Input plus output tokens of each call that returned, valid answer or not (for budgets). */
  onTokens?: (tokens: number) => void;
}

/**
 * Asks once, and once more with more thinking when the answer is unusable; throws
 * `ModelRequestError` ("... was invalid twice") when both are.
 */
export async function askForStructuredAnswer<T>(request: StructuredAnswerRequest<T>): Promise<T> {
  let lastProblem = "";
  for (let attempt = 0; attempt < 2; attempt++) {
    const modelRequest: ModelRequest = {
      model: modelForTask(request.config, request.task),
      system: request.system,
      messages: [{ role: "user", content: request.userMessage }],
      responseSchema: request.responseSchema,
      thinking: resolveThinking(request.task, request.config.models, attempt),
      sessionId: request.sessionId,
      ...(request.signal ? { signal: request.signal } : {}),
    };
    let parsed: unknown;
    try {
      const result = await request.client.stream(modelRequest).result();
      request.onTokens?.(result.usage.inputTokens + result.usage.outputTokens);
      parsed = result.parsed;
    } catch (error) {
      if (!isInvalidOutput(error)) throw error;
      lastProblem = errorMessage(error);
      continue;
    }
    const checked = request.schema.safeParse(parsed);
    if (checked.success) return checked.data;
    lastProblem = checked.error.issues
      .slice(0, 3)
      .map((problem) => `${problem.path.join(".") || "answer"}: ${problem.message}`)
      .join("; ");
  }
  throw new ModelRequestError(
    `the model's ${request.what} was invalid twice (the retry had more thinking): ${lastProblem}`,
    { hint: request.hint },
  );
}
