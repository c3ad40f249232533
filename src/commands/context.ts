/**
 * What every command receives. Commands are plain async functions: options in, result out;
 * the commander wiring in src/cli.ts stays thin and lazy-loads each command module.
 */
import type { Output } from "../output.js";

export interface CommandContext {
  /** The directory the command acts on (`--cwd`, else the process's). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  output: Output;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Aborted on Ctrl-C (SIGINT) or SIGTERM; long-running commands stop cleanly on it. */
  signal: AbortSignal;
}

export interface CommandResult {
  exitCode: number;
  /** A server whose normal way to stop is Ctrl-C / SIGTERM: then the exit code stays as is. */
  signalIsNormalStop?: boolean;
}
