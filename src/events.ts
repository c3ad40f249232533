/**
 * Typed events the engine emits. Views (plain text, JSON lines, later the ink UI) subscribe;
 * the engine never writes to the terminal itself. Names are noun-verb, kebab-case.
 */

export type PipelineStage = "triage" | "plan" | "work" | "report";

export type WorkStep =
  | "worktree"
  | "implement"
  | "tests"
  | "review"
  | "secret-scan"
  | "commit"
  | "push"
  | "pull-request"
  | "merge"
  | "cleanup";

export type FileAction = "created" | "updated" | "unchanged" | "kept" | "overwritten";

export type HarnessEvent =
  | { type: "project-detected"; summary: Record<string, unknown> }
  | {
      type: "file-planned";
      path: string;
      action: FileAction;
      /** Why a file was kept or updated, in words for a person. */
      reason?: string;
    }
  | { type: "question-asked"; key: string; question: string }
  | {
      type: "check-finished";
      name: string;
      status: "ok" | "warn" | "fail";
      detail: string;
      fix?: string;
    }
  | { type: "warning-raised"; message: string }
  /** Router: a health check found the backend ready (again); slots as it reported them. */
  | { type: "backend-ready"; backend: string; slots?: number }
  /** Router: a health check found the backend warming up (loading a model) or down. */
  | { type: "backend-unready"; backend: string; readiness: "warming" | "down"; detail?: string }
  /** Router: the backend's circuit breaker opened; it gets no requests until a probe succeeds. */
  | { type: "backend-tripped"; backend: string; reason: string }
  /** Router: a probe request succeeded and the breaker closed again. */
  | { type: "backend-recovered"; backend: string }
  /** Router: a request failed on this backend before any byte reached the client; retried. */
  | { type: "request-failed-over"; backend: string; model: string; reason: string }
  /** Queue: a lease ran out and the item went back to pending (or to failed, attempts spent). */
  | { type: "item-recovered"; id: string; attempt: number; to: "pending" | "failed" }
  /** Agent run: a model turn starts (the built-in runner). */
  | { type: "agent-turn-started"; runId: string; turn: number }
  /** Agent run: a tool call ended; `isError` when it was refused or failed. */
  | {
      type: "agent-tool-finished";
      runId: string;
      turn: number;
      tool: string;
      isError: boolean;
      ms: number;
    }
  /** Fan-out: the run starts; `concurrency` is the resolved number of workers. */
  | {
      type: "fanout-started";
      items: number;
      batches: number;
      batchSize: number;
      concurrency: number;
    }
  /**
   * Fan-out: a worker took a batch (`attempt` 1 first). In all batch events `batch` is the
   * 0-based batch index (as `run` sees it); views show it 1-based ("batch 3/25").
   */
  | { type: "batch-started"; batch: number; worker: number; items: number; attempt: number }
  /** Fan-out: `itemFailures`: the first 10 items `run` reported failed (input indexes). */
  | {
      type: "batch-finished";
      batch: number;
      worker: number;
      ms: number;
      failedItems: number;
      itemFailures?: { index: number; error: string }[];
    }
  /** Fan-out: a batch attempt threw; `willRetry` says whether another attempt follows. */
  | {
      type: "batch-failed";
      batch: number;
      worker: number;
      attempt: number;
      error: string;
      willRetry: boolean;
    }
  /** Fan-out: a failed batch goes back in line; `attempt` is the number of the next attempt. */
  | { type: "batch-retried"; batch: number; attempt: number; delayMs: number }
  /** Fan-out: after every batch; `etaMs` from the mean batch time so far. */
  | {
      type: "fanout-progress";
      doneItems: number;
      failedItems: number;
      totalItems: number;
      runningBatches: number;
      etaMs?: number;
    }
  /** Pipeline: a stage of a cycle starts / ends; `summary` is one line for a person. */
  | { type: "stage-started"; stage: PipelineStage }
  | { type: "stage-finished"; stage: PipelineStage; summary: string; ms: number }
  /** Plan stage: an issue's ground plan (or the parts of its epic) went into the queue. */
  | { type: "issue-planned"; issue: number; items: string[]; epic: boolean; created: boolean }
  /** Work stage: a worker claimed an item, passed a step, and ended it. */
  | { type: "work-started"; id: string; issue: number; branch: string; attempt: number }
  | { type: "work-step"; id: string; step: WorkStep; detail?: string }
  | { type: "work-finished"; id: string; outcome: string; ms: number; detail?: string }
  /** Pipeline: a run or day budget (or the open-PR cap) stops new work. */
  | { type: "budget-reached"; reason: string }
  /**
   * Pipeline: a model call through a stage's client ended (run-cycle meters each stage's
   * client). Tokens as the backend reported them; 0 when the call failed before any usage.
   */
  | {
      type: "model-call-finished";
      stage: PipelineStage;
      /** The request's session id: `triage-<n>`, `plan-<n>`, `review-<item>`, an agent run id. */
      sessionId?: string;
      model: string;
      inputTokens: number;
      outputTokens: number;
      cachedTokens: number;
      ms: number;
      ok: boolean;
    }
  /** Work stage: an agent run of an item ended; usage as its runner reported it. */
  | {
      type: "agent-run-finished";
      id: string;
      purpose: string;
      runner: string;
      runId: string;
      status: string;
      inputTokens: number;
      outputTokens: number;
      cachedTokens: number;
      turns: number;
      costUsd: number;
      ms: number;
    }
  /** Work stage: harness ran the project's test command in an item's worktree. */
  | {
      type: "test-run-finished";
      id: string;
      run: number;
      passed: boolean;
      exitCode?: number;
      timedOut: boolean;
      ms: number;
    }
  | {
      type: "fanout-finished";
      doneItems: number;
      failedItems: number;
      cancelledItems: number;
      ms: number;
      aborted: boolean;
    };

export type EventOf<T extends HarnessEvent["type"]> = Extract<HarnessEvent, { type: T }>;

/** Where engine code sends its events. Tests collect them in an array. */
export interface EventSink {
  emit(event: HarnessEvent): void;
}

export function createCollectingSink(): EventSink & { events: HarnessEvent[] } {
  const events: HarnessEvent[] = [];
  return { events, emit: (event) => void events.push(event) };
}

export const nullSink: EventSink = { emit: () => {} };
