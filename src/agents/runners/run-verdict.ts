/**
 * The parts of an `AgentRunResult` every CLI runner decides the same way: how an interrupted
 * process (timeout, abort, budget stop, crash) ends the run, and which changed files count.
 */
import path from "node:path";
import type { AgentRunResult } from "../types.js";
import type { AgentProcessEnd } from "./agent-process.js";

/** Status, budget, summary and error of a run. */
export type RunVerdict = Pick<AgentRunResult, "status" | "budget" | "summary" | "error">;

export function failed(error: string): RunVerdict {
  return { status: "failed", summary: error, error };
}

/**
 * The verdict when the process did not exit on its own; undefined when it did (then the CLI's
 * own output decides).
 */
export function verdictOfInterruption(
  end: AgentProcessEnd,
  context: { cli: string; timeoutMs: number; stderrTail: string },
): RunVerdict | undefined {
  switch (end.kind) {
    case "exited":
      return undefined;
    case "timed-out": {
      const message = `${context.cli} ran past its wall-time budget (${formatMs(context.timeoutMs)}) and was stopped`;
      return { status: "timed-out", budget: "wall-time", summary: message, error: message };
    }
    case "aborted":
      return failed(`cancelled: the ${context.cli} run was aborted`);
    case "stopped":
      return { status: "budget-exhausted", budget: end.budget, summary: end.reason };
    case "crashed":
      return failed(
        `${context.cli} did not finish: ${end.message}${stderrNote(context.stderrTail)}`,
      );
  }
}

/** ": <last stderr line>" when there is one, for error messages. */
export function stderrNote(stderrTail: string): string {
  const lines = stderrTail.split("\n").filter((line) => line.trim() !== "");
  const last = lines.at(-1);
  return last ? ` (stderr: ${last.trim()})` : "";
}

/** Drops the run's own folder (transcript, CLI home) when it lies inside the workspace. */
export function withoutRunDir(files: string[], workspace: string, runDir: string): string[] {
  const relative = path.relative(workspace, runDir);
  if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative)) return files;
  const prefix = `${relative.split(path.sep).join("/")}/`;
  return files.filter((file) => !file.startsWith(prefix));
}

function formatMs(ms: number): string {
  return ms >= 1_000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}
