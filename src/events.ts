/**
 * Typed events the engine emits. Views (plain text, JSON lines, later the ink UI) subscribe;
 * the engine never writes to the terminal itself. Names are noun-verb, kebab-case.
 */

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
  | { type: "request-failed-over"; backend: string; model: string; reason: string };

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
