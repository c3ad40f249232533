/**
 * Runs the project's test command in a worktree: the harness's own check, whatever the agent
 * said about its tests. The command runs through the shell with the agent's environment
 * (`agentEnvironment`: no token reaches the tests either), in its own process group, and the
 * group is killed when the shell exits, times out or the run is aborted, so nothing it started
 * outlives it.
 */
import { execa } from "execa";

import { agentEnvironment } from "../agents/agent-env.js";
import { killProcessGroup } from "../process-group.js";

/** Output kept per test run (the end of it); a suite printing more is not stopped for it. */
export const TEST_OUTPUT_KEPT_CHARS = 256 * 1024;

export interface TestRunResult {
  passed: boolean;
  /** Undefined when the command did not exit by itself (killed, timed out, cancelled). */
  exitCode: number | undefined;
  timedOut: boolean;
  cancelled: boolean;
  /** stdout and stderr interleaved; at most the last `TEST_OUTPUT_KEPT_CHARS`. */
  output: string;
  durationMs: number;
}

export interface RunTestCommandOptions {
  command: string;
  cwd: string;
  /** The parent's environment; the command gets only its safe part. */
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  signal?: AbortSignal;
}

export async function runTestCommand(options: RunTestCommandOptions): Promise<TestRunResult> {
  const started = performance.now();
  const subprocess = execa(options.command, {
    shell: true,
    cwd: options.cwd,
    env: agentEnvironment(options.env),
    extendEnv: false,
    stdin: "ignore",
    all: true,
    reject: false,
    timeout: options.timeoutMs,
    ...(options.signal ? { cancelSignal: options.signal } : {}),
    detached: true,
    // Far above any sane suite's output; only the end is kept below.
    maxBuffer: 64 * 1024 * 1024,
  });
  subprocess.on("exit", () => killProcessGroup(subprocess.pid));
  const result = await subprocess;
  const all = typeof result.all === "string" ? result.all : "";
  const output =
    all.length > TEST_OUTPUT_KEPT_CHARS ? all.slice(all.length - TEST_OUTPUT_KEPT_CHARS) : all;
  const note = result.timedOut
    ? `\n[harness: the test command timed out after ${Math.round(options.timeoutMs / 1000)} s and was stopped]`
    : result.isMaxBuffer
      ? "\n[harness: the test command printed too much and was stopped]"
      : "";
  return {
    passed: result.exitCode === 0 && !result.timedOut && !result.isCanceled,
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    cancelled: result.isCanceled,
    output: `${output}${note}`,
    durationMs: Math.round(performance.now() - started),
  };
}

/** Kills what is left of the command's process group; nothing left is the usual case. */
