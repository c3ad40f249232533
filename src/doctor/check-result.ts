/**
 * The shapes every doctor check shares. A check is a plain async function that looks at its
 * injected environment and returns one result; it never throws and never prints.
 */

export type CheckStatus = "ok" | "warn" | "fail";

/** The outcome of one check: what was found and, unless it is ok, how to fix it. */
export interface CheckResult {
  /** A short stable id, e.g. "git" or "github-token". */
  name: string;
  status: CheckStatus;
  /** What was found, for a person. May hold several lines (config diagnostics). */
  detail: string;
  /** One instruction that resolves a warning or failure. */
  fix?: string;
}

/** What running a program produced. `found` is false when the program is not on PATH. */
export interface CommandOutcome {
  found: boolean;
  /** Undefined when the program could not start or was killed (timeout). */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a program without a shell and never throws; tests replace it with a fake. */
export type RunCommand = (
  command: string,
  args: readonly string[],
  options?: { cwd?: string; timeoutMs?: number },
) => Promise<CommandOutcome>;

/** Everything the checks may look at. Nothing else is read from the process. */
export interface DoctorEnvironment {
  /** The directory doctor was asked about. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Like `process.versions.node`, with or without a leading "v". */
  nodeVersion: string;
  run: RunCommand;
}

export function firstLine(text: string): string {
  return text.trim().split(/\r?\n/, 1)[0]?.trim() ?? "";
}
