/**
 * Reads `codex exec --json` output, one event a line. The shapes (source: openai/codex
 * `codex-rs/exec/src/exec_events.rs`, read 2026-11 through the code index):
 * - `{"type":"thread.started","thread_id":"..."}` first;
 * - `turn.started`, then `item.started` / `item.updated` / `item.completed` with an `item`
 *   whose `type` is agent_message (`text`), reasoning, command_execution (`command`,
 *   `exit_code`, `status`), file_change (`changes: [{path, kind}]`, `status`), mcp_tool_call,
 *   web_search, todo_list or error (`message`);
 * - `{"type":"turn.completed","usage":{"input_tokens","cached_input_tokens","output_tokens"}}`
 *   or `{"type":"turn.failed","error":{"message"}}`; `{"type":"error","message"}` for a fatal
 *   stream error.
 * Unknown lines and types are ignored (they stay in the transcript).
 */
import { z } from "zod";
import type { RunUsage } from "../types.js";
import { parseJsonLine } from "./json-line.js";

const usageSchema = z.looseObject({
  input_tokens: z.number().default(0),
  cached_input_tokens: z.number().default(0),
  output_tokens: z.number().default(0),
});

const eventSchema = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("thread.started"), thread_id: z.string().optional() }),
  z.looseObject({ type: z.literal("turn.completed"), usage: usageSchema.optional() }),
  z.looseObject({
    type: z.literal("turn.failed"),
    error: z.looseObject({ message: z.string() }).optional(),
  }),
  z.looseObject({
    type: z.literal("item.completed"),
    item: z.looseObject({
      type: z.string(),
      text: z.string().optional(),
      message: z.string().optional(),
    }),
  }),
  z.looseObject({ type: z.literal("error"), message: z.string().optional() }),
]);

/** Items that each stand for one model response acting; counted as the run's turns. */
const ACTION_ITEMS = new Set([
  "agent_message",
  "command_execution",
  "file_change",
  "mcp_tool_call",
  "web_search",
]);

/** What the event stream said so far; feed it every line with `read`. */
export class CodexEventReader {
  threadId: string | undefined;
  /** Summed over `turn.completed` events (one per `codex exec`, unless resumed). */
  readonly usage: RunUsage = { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };
  turnsCompleted = 0;
  /** The message of the last `turn.failed`, if any. */
  turnFailure: string | undefined;
  /** Messages of `error` events and error items, in order. */
  readonly errors: string[] = [];
  /** The last agent message: the run's summary. */
  lastMessage: string | undefined;
  /** Completed agent messages, commands, file changes and tool calls. */
  actions = 0;

  read(line: string): void {
    const parsed = eventSchema.safeParse(parseJsonLine(line));
    if (!parsed.success) return;
    const event = parsed.data;
    switch (event.type) {
      case "thread.started":
        this.threadId = event.thread_id;
        return;
      case "turn.completed":
        this.turnsCompleted++;
        if (event.usage) {
          // Codex's input_tokens is the whole prompt; cached_input_tokens the cached part of it.
          this.usage.inputTokens += event.usage.input_tokens;
          this.usage.cachedTokens += event.usage.cached_input_tokens;
          this.usage.outputTokens += event.usage.output_tokens;
        }
        return;
      case "turn.failed":
        this.turnFailure = event.error?.message ?? "the turn failed";
        return;
      case "error":
        if (event.message) this.errors.push(event.message);
        return;
      case "item.completed": {
        const { item } = event;
        if (ACTION_ITEMS.has(item.type)) this.actions++;
        if (item.type === "agent_message" && item.text !== undefined) this.lastMessage = item.text;
        if (item.type === "error" && item.message) this.errors.push(item.message);
        return;
      }
    }
  }

  tokensSoFar(): number {
    return this.usage.inputTokens + this.usage.outputTokens;
  }
}
