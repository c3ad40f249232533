/**
 * Reading what runs recorded: the events of a pipeline run (`.harness/runs/<run-id>/
 * events.jsonl`), and, across the newest runs, the model calls made for one issue (its triage
 * and plan calls carry the session ids `triage-<n>` and `plan-<n>`), which an issue's fact sheet
 * counts into its cost even when they happened in an earlier run.
 */
import { existsSync } from "node:fs";
import { readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";

import { TRANSCRIPT_FILE } from "../agents/run-log.js";
import type { EventOf, HarnessEvent } from "../events.js";
import { RUNS_FOLDER } from "./report-paths.js";

export const RUN_EVENTS_FILE = "events.jsonl";

/** Runs searched for an issue's triage and plan calls, newest first. */
export const MAX_RUNS_SEARCHED = 200;
/** An events file larger than this is passed over when searching (a runaway run). */
const MAX_EVENTS_BYTES = 64 * 1024 * 1024;

/** A recorded event, stamped with when it was written. */
export type RecordedEvent = HarnessEvent & { at?: string };

export function parseEventLines(text: string): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value === "object" && value !== null && "type" in value) {
        events.push(value as RecordedEvent);
      }
    } catch {
      // A line cut off by a crash: the rest of the file still counts.
    }
  }
  return events;
}

/** The events of one run; empty when it has none. */
export async function readRunEvents(repoRoot: string, runId: string): Promise<RecordedEvent[]> {
  try {
    return parseEventLines(
      await readFile(path.join(repoRoot, RUNS_FOLDER, runId, RUN_EVENTS_FILE), "utf8"),
    );
  } catch {
    return [];
  }
}

/** Run folders that have an events file, newest first (run ids sort by time). */
export async function listRunIds(repoRoot: string): Promise<string[]> {
  let names: string[];
  try {
    const entries = await readdir(path.join(repoRoot, RUNS_FOLDER), { withFileTypes: true });
    names = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch {
    return [];
  }
  return names.filter((name) => /^\d{8}-\d{6}-/.test(name)).sort((a, b) => b.localeCompare(a));
}

export type ModelCallEvent = EventOf<"model-call-finished">;

/** The model calls whose session id is one of `sessionIds`, over the newest runs. */
export async function findModelCalls(
  repoRoot: string,
  sessionIds: readonly string[],
  options: { maxRuns?: number } = {},
): Promise<ModelCallEvent[]> {
  const wanted = new Set(sessionIds);
  const needles = sessionIds.map((id) => `"sessionId":${JSON.stringify(id)}`);
  const calls: ModelCallEvent[] = [];
  const runIds = (await listRunIds(repoRoot)).slice(0, options.maxRuns ?? MAX_RUNS_SEARCHED);
  for (const runId of runIds) {
    const file = path.join(repoRoot, RUNS_FOLDER, runId, RUN_EVENTS_FILE);
    // An agent run's folder (it has a transcript) shares the id format but not the events.
    if (existsSync(path.join(repoRoot, RUNS_FOLDER, runId, TRANSCRIPT_FILE))) continue;
    let text: string;
    try {
      if ((await stat(file)).size > MAX_EVENTS_BYTES) continue;
      text = await readFile(file, "utf8");
    } catch {
      continue;
    }
    if (!needles.some((needle) => text.includes(needle))) continue;
    for (const event of parseEventLines(text)) {
      if (event.type === "model-call-finished" && wanted.has(event.sessionId ?? "")) {
        calls.push(event);
      }
    }
  }
  return calls;
}
