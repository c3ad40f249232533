/**
 * A scripted RunCommand for doctor tests: answers by "command arg arg", records every call, and
 * treats anything unscripted as a program that is not installed.
 */
import type { CommandOutcome, RunCommand } from "../../src/doctor/check-result.js";

/** A scripted answer: what the program prints and how it exits, or "missing". */
export type FakeAnswer =
  | "missing"
  | { stdout?: string; stderr?: string; exitCode?: number; timedOut?: boolean; delayMs?: number };

/** The fake and the calls it received, as "command arg arg" strings. */
export interface FakeRunCommand {
  run: RunCommand;
  calls: string[];
}

export function createFakeRunCommand(answers: Record<string, FakeAnswer>): FakeRunCommand {
  const calls: string[] = [];
  const run: RunCommand = async (command, args) => {
    const key = [command, ...args].join(" ");
    calls.push(key);
    const answer = answers[key] ?? "missing";
    if (answer === "missing") {
      return { found: false, exitCode: undefined, stdout: "", stderr: "", timedOut: false };
    }
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    const outcome: CommandOutcome = {
      found: true,
      exitCode: answer.timedOut ? undefined : (answer.exitCode ?? 0),
      stdout: answer.stdout ?? "",
      stderr: answer.stderr ?? "",
      timedOut: answer.timedOut ?? false,
    };
    return outcome;
  };
  return { run, calls };
}

/** Answers for a machine where everything harness wants is installed and working. */
export function healthyMachine(): Record<string, FakeAnswer> {
  return {
    "git --version": { stdout: "git version 2.45.1\n" },
    "git rev-parse --show-toplevel": { stdout: "/projects/shop\n" },
    "gh auth token": { stdout: "gho_tokenfromgh999\n" },
    "claude --version": { stdout: "2.1.197 (Claude Code)\n" },
    "codex --version": { stdout: "codex-cli 0.50.0\n" },
    "gemini --version": { stdout: "0.12.0\n" },
  };
}
