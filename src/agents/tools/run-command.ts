/**
 * `run_command` (Claude Code's Bash): runs a shell command in the workspace root with the
 * environment the runner built (`context.env` only: nothing of the harness's own environment
 * leaks in), after the allow/deny policy (`command-policy.ts`) lets it through.
 *
 * The command gets its own process group, and when the shell exits (done, timed out or
 * cancelled) whatever it left running in that group is killed: a background process holding
 * the output pipe would otherwise keep the call waiting, and strays would outlive the run.
 * The output is the exit code and stdout and stderr interleaved; the loop truncates it.
 */
import { execa } from "execa";
import { z } from "zod";
import { ToolError } from "../tool-error.js";
import type { AgentTool, ToolContext, ToolOutcome } from "../types.js";
import { checkCommandPolicy } from "./command-policy.js";
import { parseToolInput, toInputSchema } from "./tool-input.js";
import { killProcessGroup } from "../../process-group.js";

/** A command printing more than this (per stream) is stopped; the loop keeps far less anyway. */
export const MAX_OUTPUT_CHARS = 10_000_000;

const runCommandInput = z.object({
  command: z.string().min(1).describe("A shell command, run by /bin/sh in the workspace root."),
  timeout_ms: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("Stop the command after this many milliseconds (at most the configured limit)."),
});

export const runCommandTool: AgentTool = {
  definition: {
    name: "run_command",
    description:
      "Run a shell command in the workspace root and get its exit code and output (stdout and stderr together). No input can be typed into it; background processes are stopped when it ends. Some commands may be refused by the workspace's policy.",
    inputSchema: toInputSchema(runCommandInput),
  },
  claudeName: "Bash",
  async run(input: unknown, context: ToolContext): Promise<ToolOutcome> {
    const { command, timeout_ms: requestedTimeout } = parseToolInput(
      "run_command",
      runCommandInput,
      input,
    );
    if (command.trim() === "") throw new ToolError("command is empty; give a shell command");
    const refusal = checkCommandPolicy(command, context.commandPolicy);
    if (refusal !== undefined) throw new ToolError(`refused: ${refusal}`);
    const limit = context.commandPolicy.timeoutMs;
    const timeout = requestedTimeout === undefined ? limit : Math.min(requestedTimeout, limit);

    const subprocess = execa(command, {
      shell: true,
      cwd: context.root,
      env: context.env,
      extendEnv: false,
      stdin: "ignore",
      all: true,
      reject: false,
      timeout,
      cancelSignal: context.signal,
      detached: true,
      maxBuffer: MAX_OUTPUT_CHARS,
    });
    subprocess.on("exit", () => killProcessGroup(subprocess.pid));
    const result = await subprocess;
    const output = typeof result.all === "string" ? result.all : "";

    if (result.timedOut) {
      return {
        content: withOutput(`the command timed out after ${timeout} ms and was stopped`, output),
        isError: true,
      };
    }
    if (result.isCanceled) {
      return { content: withOutput("the command was cancelled", output), isError: true };
    }
    if (result.isMaxBuffer) {
      return {
        content: withOutput(
          `the command printed more than ${MAX_OUTPUT_CHARS} characters and was stopped; send its output to a file and grep it`,
          output,
        ),
        isError: true,
      };
    }
    if (result.exitCode === undefined) {
      const why = result.signal ? `was killed by ${result.signal}` : "could not run";
      return {
        content: withOutput(`the command ${why}: ${result.shortMessage}`, output),
        isError: true,
      };
    }
    return {
      content: `exit code ${result.exitCode}\n${output === "" ? "(no output)" : output}`,
      isError: result.exitCode !== 0,
    };
  },
};

function withOutput(message: string, output: string): string {
  return output === "" ? message : `${message}; its output until then:\n${output}`;
}

/** Kills what is left of the command's process group; nothing left is the usual case. */
