/**
 * Runs an agent CLI (Claude Code, Codex) as one process group: the task goes in on stdin, every
 * stdout line goes to the transcript file and to `onLine` as it arrives, and the whole group
 * (the CLI and every command it started) is killed on timeout, on abort, when `onLine` asks
 * for it (a budget ran out), and after the CLI exits (background commands it left behind).
 *
 * The process gets its own group (`detached`) so that one signal reaches its children too; a
 * plain kill would stop the CLI and leave a test server or `sleep 600` it started running.
 */
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { execa } from "execa";
import type { BudgetName } from "../types.js";
import { killProcessGroup } from "../../process-group.js";

/** SIGTERM first; SIGKILL this long after if the group is still there. */
const KILL_GRACE_MS = 2_000;
/** How much of stderr is kept for error messages. */
const STDERR_TAIL_CHARS = 4_000;

export interface AgentProcessOptions {
  binary: string;
  args: readonly string[];
  cwd: string;
  /** The whole environment (nothing is inherited): build it with `agentEnvironment()`. */
  env: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. */
  stdin: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Every stdout line is written here as it arrives (the file is replaced). */
  transcriptPath: string;
  /** Sees each stdout line; returning a budget stops the run (e.g. tokens spent). */
  onLine(line: string): BudgetStop | undefined;
}

/** A budget that ran out while the process was running, and how, for a person. */
export interface BudgetStop {
  budget: BudgetName;
  reason: string;
}

/**
 * An `onLine` callback that feeds each output line to `reader` and stops the run once the
 * tokens it has counted pass `maxTokens`.
 */
export function withinTokenBudget(
  reader: { read(line: string): void; tokensSoFar(): number },
  maxTokens: number,
): (line: string) => BudgetStop | undefined {
  return (line) => {
    reader.read(line);
    const spent = reader.tokensSoFar();
    if (spent <= maxTokens) return undefined;
    return { budget: "tokens", reason: `token budget spent: ${spent} of ${maxTokens} tokens used` };
  };
}

/** Why the process ended. */
export type AgentProcessEnd =
  | { kind: "exited"; exitCode: number }
  | { kind: "timed-out" }
  | { kind: "aborted" }
  | ({ kind: "stopped" } & BudgetStop)
  /** It could not start, or died from a signal nobody here sent. */
  | { kind: "crashed"; message: string };

export interface AgentProcessOutcome {
  end: AgentProcessEnd;
  /** The last few thousand characters of stderr, trimmed. */
  stderrTail: string;
  durationMs: number;
}

// Groups still running, killed if the harness exits first (one listener for all of them).
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const group of liveGroups) killProcessGroup(group, "SIGKILL");
    });
  }
}

export async function runAgentProcess(options: AgentProcessOptions): Promise<AgentProcessOutcome> {
  const started = Date.now();
  await mkdir(path.dirname(options.transcriptPath), { recursive: true });
  const transcript = createWriteStream(options.transcriptPath);
  const transcriptClosed = new Promise<void>((resolve, reject) => {
    transcript.on("close", resolve);
    transcript.on("error", reject);
  });
  if (options.signal?.aborted) {
    transcript.end();
    await transcriptClosed;
    return { end: { kind: "aborted" }, stderrTail: "", durationMs: 0 };
  }

  const subprocess = execa(options.binary, options.args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    input: options.stdin,
    detached: true,
    buffer: false,
    reject: false,
  });
  const pid = subprocess.pid;
  if (pid !== undefined) trackGroup(pid);

  let ending: AgentProcessEnd | undefined;
  let exited = false;
  let forceKill: NodeJS.Timeout | undefined;
  // Once the CLI has exited, its own output decides how the run ended.
  const stop = (end: AgentProcessEnd) => {
    if (ending || exited) return;
    ending = end;
    killProcessGroup(pid, "SIGTERM");
    forceKill = setTimeout(() => killProcessGroup(pid, "SIGKILL"), KILL_GRACE_MS);
  };
  const timer = setTimeout(() => stop({ kind: "timed-out" }), options.timeoutMs);
  const onAbort = () => stop({ kind: "aborted" });
  options.signal?.addEventListener("abort", onAbort, { once: true });
  // Whatever the CLI left running in its group dies with it. A process that left the group
  // (setsid, a daemon) may still hold stdout open: after a grace period the pipes are closed
  // so the run ends anyway.
  let releasePipes: NodeJS.Timeout | undefined;
  subprocess.once("exit", () => {
    exited = true;
    killProcessGroup(pid, "SIGKILL");
    releasePipes = setTimeout(() => {
      subprocess.stdout?.destroy();
      subprocess.stderr?.destroy();
    }, KILL_GRACE_MS);
  });

  let stderrTail = "";
  subprocess.stderr?.on("data", (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL_CHARS);
  });
  const linesDone = new Promise<void>((resolve) => {
    if (!subprocess.stdout) return resolve();
    const lines = createInterface({ input: subprocess.stdout, crlfDelay: Infinity });
    lines.on("line", (line) => {
      transcript.write(`${line}\n`);
      const budgetStop = options.onLine(line);
      if (budgetStop) stop({ kind: "stopped", ...budgetStop });
    });
    lines.on("close", resolve);
    // A destroyed pipe (see releasePipes) closes without "end", which readline waits for.
    subprocess.stdout.once("close", () => lines.close());
  });

  try {
    const result = await subprocess;
    await linesDone;
    const end: AgentProcessEnd =
      ending ??
      (typeof result.exitCode === "number"
        ? { kind: "exited", exitCode: result.exitCode }
        : {
            kind: "crashed",
            message: result.shortMessage ?? `ended by ${result.signal ?? "an unknown cause"}`,
          });
    return { end, stderrTail: stderrTail.trim(), durationMs: Date.now() - started };
  } finally {
    clearTimeout(timer);
    clearTimeout(forceKill);
    clearTimeout(releasePipes);
    options.signal?.removeEventListener("abort", onAbort);
    if (pid !== undefined) liveGroups.delete(pid);
    transcript.end();
    await transcriptClosed;
  }
}
