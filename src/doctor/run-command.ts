/**
 * The real RunCommand: execa with no shell, stdin closed, the given environment only (so a
 * caller's PATH decides what is found) and a timeout, so a hanging tool cannot stall doctor.
 */
import { execa } from "execa";
import type { CommandOutcome, RunCommand } from "./check-result.js";

const DEFAULT_TIMEOUT_MS = 5_000;

export function createRunCommand(env: NodeJS.ProcessEnv): RunCommand {
  return async (command, args, options = {}): Promise<CommandOutcome> => {
    const result = await execa(command, args, {
      cwd: options.cwd,
      env,
      extendEnv: false,
      stdin: "ignore",
      reject: false,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      stripFinalNewline: true,
    });
    const notFound = "code" in result && result.code === "ENOENT";
    return {
      found: !notFound,
      exitCode: result.exitCode,
      stdout: typeof result.stdout === "string" ? result.stdout : "",
      stderr: typeof result.stderr === "string" ? result.stderr : "",
      timedOut: result.timedOut,
    };
  };
}
