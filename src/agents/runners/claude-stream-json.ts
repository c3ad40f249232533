/**
 * Reads Claude Code's `--output-format stream-json --verbose` output, one JSON object a line:
 * `system` (subtype `init`: session, model, tools), `assistant` and `user` (the messages, with
 * tool calls and results), and one `result` at the end (turns, cost, usage, `is_error`). Lines
 * that are not JSON, or of other types, are kept in the transcript and otherwise ignored: the
 * format grows with every release.
 */
import { z } from "zod";
import type { RunUsage } from "../types.js";
import { parseJsonLine } from "./json-line.js";

const apiUsageSchema = z.looseObject({
  input_tokens: z.number().default(0),
  output_tokens: z.number().default(0),
  cache_read_input_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
});

const modelUsageSchema = z.looseObject({
  inputTokens: z.number().default(0),
  outputTokens: z.number().default(0),
  cacheReadInputTokens: z.number().default(0),
  cacheCreationInputTokens: z.number().default(0),
});

/** The fields of the `result` line the runner reads; the rest stays in the transcript. */
export const claudeResultLineSchema = z.looseObject({
  type: z.literal("result"),
  /** success, error_max_turns, error_max_budget_usd, error_during_execution, ... */
  subtype: z.string(),
  /** True for an API error too, whose subtype is still "success". */
  is_error: z.boolean(),
  result: z.string().optional(),
  /** Error subtypes may carry messages here instead of `result`. */
  errors: z.array(z.string()).optional(),
  num_turns: z.number().default(0),
  duration_ms: z.number().optional(),
  total_cost_usd: z.number().optional(),
  usage: apiUsageSchema.optional(),
  /** Per model, sub-agents included: the figure to account with. */
  modelUsage: z.record(z.string(), modelUsageSchema).optional(),
  permission_denials: z.array(z.unknown()).optional(),
});

export type ClaudeResultLine = z.infer<typeof claudeResultLineSchema>;

const assistantLineSchema = z.looseObject({
  type: z.literal("assistant"),
  message: z.looseObject({
    id: z.string().optional(),
    content: z.array(z.looseObject({ type: z.string(), text: z.string().optional() })).default([]),
    usage: apiUsageSchema.optional(),
  }),
  /** Set when Claude Code turned an API failure into a synthetic message. */
  error: z.string().optional(),
});

/** What the stream said so far; feed it every line with `read`. */
export class ClaudeStreamReader {
  result: ClaudeResultLine | undefined;
  /** The text of the last assistant message, for a summary when no result line came. */
  lastText: string | undefined;
  /** The last `error` an assistant line carried (e.g. "server_error"). */
  lastApiError: string | undefined;
  /** Usage per assistant message id: a message split over several lines counts once. */
  private readonly messageUsage = new Map<string, RunUsage>();

  read(line: string): void {
    const parsed = parseJsonLine(line);
    if (parsed === undefined) return;
    const result = claudeResultLineSchema.safeParse(parsed);
    if (result.success) {
      this.result = result.data;
      return;
    }
    const assistant = assistantLineSchema.safeParse(parsed);
    if (!assistant.success) return;
    const { message, error } = assistant.data;
    const text = message.content
      .filter((block) => block.type === "text" && block.text)
      .map((block) => block.text)
      .join("\n");
    if (text) this.lastText = text;
    if (error) this.lastApiError = error;
    if (message.id && message.usage) {
      this.messageUsage.set(message.id, {
        inputTokens: inputOf(message.usage),
        outputTokens: message.usage.output_tokens,
        cachedTokens: message.usage.cache_read_input_tokens ?? 0,
      });
    }
  }

  /**
   * Usage of the model calls seen so far, a lower bound. Claude Code writes an assistant line
   * when the message's content is complete, with the usage of the stream's start: the input
   * count from the Anthropic API, 0 from the router in front of an OpenAI-style backend (which
   * reports usage only at the end). The result line has the true figures.
   */
  usageSoFar(): RunUsage {
    const total: RunUsage = { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };
    for (const usage of this.messageUsage.values()) {
      total.inputTokens += usage.inputTokens;
      total.outputTokens += usage.outputTokens;
      total.cachedTokens += usage.cachedTokens;
    }
    return total;
  }

  /** Input plus output tokens so far (see `usageSoFar`). */
  tokensSoFar(): number {
    const usage = this.usageSoFar();
    return usage.inputTokens + usage.outputTokens;
  }

  /** Distinct model responses seen (sub-agents' included). */
  messagesSeen(): number {
    return this.messageUsage.size;
  }
}

/**
 * Token usage of a finished run: summed over `modelUsage` (every model, sub-agents included)
 * when present, else the top-level `usage`. Input counts the whole prompt, cache reads and
 * writes included; `cachedTokens` is the cache-read part.
 */
export function usageOfResult(result: ClaudeResultLine): RunUsage {
  const models = Object.values(result.modelUsage ?? {});
  if (models.length > 0) {
    const usage: RunUsage = { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };
    for (const model of models) {
      usage.inputTokens +=
        model.inputTokens + model.cacheReadInputTokens + model.cacheCreationInputTokens;
      usage.outputTokens += model.outputTokens;
      usage.cachedTokens += model.cacheReadInputTokens;
    }
    return usage;
  }
  if (!result.usage) return { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };
  return {
    inputTokens: inputOf(result.usage),
    outputTokens: result.usage.output_tokens,
    cachedTokens: result.usage.cache_read_input_tokens ?? 0,
  };
}

function inputOf(usage: z.infer<typeof apiUsageSchema>): number {
  return (
    usage.input_tokens +
    (usage.cache_read_input_tokens ?? 0) +
    (usage.cache_creation_input_tokens ?? 0)
  );
}
