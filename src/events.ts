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
  | { type: "warning-raised"; message: string };

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
