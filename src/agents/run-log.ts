/**
 * What a built-in agent run leaves on disk, under `.harness/runs/<run-id>/`:
 *
 * - `transcript.jsonl`: the conversation, replayable. One `request` line per model call holding
 *   only the messages new since the previous call (the system prompt and tools on the first),
 *   one `response` line per answer (text, tool calls, usage), and a closing `run-ended` line
 *   with any messages that were never sent (the results of the last tool calls) and the result.
 * - `events.jsonl`: what happened when (turn-started, tool-called, tool-finished, budget-hit,
 *   run-finished), each with an ISO timestamp, for views and digests.
 *
 * Lines are appended through one write stream per file; `close()` flushes them and reports the
 * first write error, so a full disk fails the run's bookkeeping loudly instead of silently.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type {
  ModelMessage,
  ModelToolCall,
  ModelUsage,
  ReasoningPart,
  StopReason,
  ToolDefinition,
} from "../models/model-client.js";
import type { AgentRunResult, AgentRunStatus, BudgetName, RunUsage } from "./types.js";

export const TRANSCRIPT_FILE = "transcript.jsonl";
export const EVENTS_FILE = "events.jsonl";

/**
 * A sortable, unique run id: UTC date and time, then random hex (`20261122-014530-3f9a1c`).
 * It names the run's folder; it never goes into a prompt (it would break prompt caching).
 */
export function createRunId(now: number = Date.now()): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

/** `<repoRoot>/.harness/runs/<runId>`. */
export function resolveRunDir(repoRoot: string, runId: string): string {
  return path.join(repoRoot, ".harness", "runs", runId);
}

/** One line of `transcript.jsonl`. */
export type TranscriptEntry =
  | {
      type: "request";
      turn: number;
      at: string;
      model: string;
      sessionId: string;
      /** Only on the first request: the prefix never changes within a run. */
      system?: string;
      tools?: ToolDefinition[];
      /** The messages added since the previous request. */
      messages: ModelMessage[];
    }
  | {
      type: "response";
      turn: number;
      at: string;
      text: string;
      toolCalls: ModelToolCall[];
      reasoning?: ReasoningPart[];
      usage: ModelUsage;
      stopReason: StopReason;
      ms: number;
    }
  | {
      type: "run-ended";
      at: string;
      /** Messages added after the last request (the last tool results), never sent. */
      messages: ModelMessage[];
      result: AgentRunResult;
    };

/** One line of `events.jsonl` (the `at` timestamp is added when it is written). */
export type RunEvent =
  | { type: "run-started"; runId: string; agent: string; model: string; tools: string[] }
  | { type: "turn-started"; turn: number }
  | { type: "tool-called"; turn: number; id: string; name: string; input: unknown }
  | {
      type: "tool-finished";
      turn: number;
      id: string;
      name: string;
      isError: boolean;
      ms: number;
      /** Characters of the result before truncation, and how many were cut. */
      chars: number;
      cutChars: number;
    }
  | { type: "budget-hit"; budget: BudgetName; detail: string }
  | {
      type: "run-finished";
      status: AgentRunStatus;
      budget?: BudgetName;
      turns: number;
      usage: RunUsage;
      costUsd: number;
      durationMs: number;
      filesChanged: string[];
    };

export interface RunLog {
  readonly transcriptPath: string;
  readonly eventsPath: string;
  /** Appends a transcript line (the caller sets `at`). */
  transcript(entry: TranscriptEntry): void;
  /** Appends an event line stamped with the clock's time. */
  event(event: RunEvent): void;
  /** Flushes both files; rejects with the first write error, if any. */
  close(): Promise<void>;
}

/** Creates `runDir` and opens both files for appending. `now` stamps events (epoch ms). */
export async function openRunLog(runDir: string, now: () => number): Promise<RunLog> {
  await mkdir(runDir, { recursive: true });
  const transcriptPath = path.join(runDir, TRANSCRIPT_FILE);
  const eventsPath = path.join(runDir, EVENTS_FILE);
  let firstError: Error | undefined;
  const open = (file: string): WriteStream => {
    const stream = createWriteStream(file, { flags: "a" });
    stream.on("error", (error) => void (firstError ??= error));
    return stream;
  };
  const transcriptStream = open(transcriptPath);
  const eventsStream = open(eventsPath);
  const finish = (stream: WriteStream) =>
    new Promise<void>((resolve) => {
      if (stream.closed || stream.destroyed) return resolve();
      stream.once("close", () => resolve());
      stream.end();
    });
  let closing: Promise<void> | undefined;

  return {
    transcriptPath,
    eventsPath,
    transcript(entry) {
      if (!transcriptStream.writableEnded) transcriptStream.write(`${JSON.stringify(entry)}\n`);
    },
    event(event) {
      if (eventsStream.writableEnded) return;
      const line = { at: new Date(now()).toISOString(), ...event };
      eventsStream.write(`${JSON.stringify(line)}\n`);
    },
    close() {
      closing ??= Promise.all([finish(transcriptStream), finish(eventsStream)]).then(() => {
        if (firstError) throw firstError;
      });
      return closing;
    },
  };
}
