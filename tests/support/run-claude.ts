/**
 * Runs the Claude Code binary installed as a devDependency, isolated from the machine it runs on:
 * a throwaway HOME, no keys or tokens from the caller's environment, retries and non-essential
 * traffic off, and a timeout. Prompt runs talk to a FakeAnthropicServer and return the parsed
 * result together with the requests Claude Code made during that run.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { z } from "zod";
import { repoRoot } from "./run-cli.js";
import type { FakeAnthropicServer, RecordedRequest } from "./fake-anthropic-server.js";
import { createTempDir } from "./temp-dir.js";

export const claudeBinary = path.join(repoRoot, "node_modules", ".bin", "claude");

export function isClaudeInstalled(): boolean {
  return existsSync(claudeBinary);
}

/** The fields of Claude Code's `--output-format json` result that tests read; others are kept. */
export const claudeResultSchema = z.looseObject({
  type: z.literal("result"),
  subtype: z.string(),
  is_error: z.boolean(),
  result: z.string().optional(),
  num_turns: z.number(),
  session_id: z.string(),
  total_cost_usd: z.number().optional(),
});

export type ClaudeResult = z.infer<typeof claudeResultSchema>;

/** How one run of the binary ended. */
export interface ClaudeCommandResult {
  /** Undefined when the process was killed (timeout). */
  exitCode: number | undefined;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** A headless prompt run: the process outcome, the parsed result and what was sent. */
export interface ClaudePromptRun extends ClaudeCommandResult {
  /** Undefined when stdout was not a result object; then stdout and stderr tell why. */
  result: ClaudeResult | undefined;
  /** Requests the fake server received during this run, in order. */
  requests: RecordedRequest[];
}

/** Where to run Claude Code and how long to wait for it. */
export interface RunClaudeOptions {
  cwd: string;
  /** Where Claude Code sends model calls. Omitted, it gets an address nothing listens on. */
  baseUrl?: string;
  /** Default 45 s: the binary starts in under a second, but CI machines can be slow. */
  timeoutMs?: number;
  /** Extra environment, e.g. CLAUDE_CODE_MAX_OUTPUT_TOKENS. */
  env?: Record<string, string>;
}

const DEFAULT_TIMEOUT_MS = 45_000;

/**
 * The whole environment Claude Code sees; nothing else is inherited except PATH (it runs git).
 * HOME is where it keeps settings, sessions and memory, so a fresh one per run isolates it.
 */
export function createClaudeTestEnv(home: string, baseUrl: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, ".config"),
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_API_KEY: "test",
    CLAUDE_CODE_MAX_RETRIES: "0",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_ERROR_REPORTING: "1",
    NO_COLOR: "1",
  };
}

/** Runs `claude <args>` (e.g. `plugin validate DIR`) with the isolated environment. */
export async function runClaudeCommand(
  args: readonly string[],
  options: RunClaudeOptions,
): Promise<ClaudeCommandResult> {
  const home = await createTempDir("harness-claude-home");
  try {
    // Port 9 (discard) on localhost: a call that escapes the fake server fails fast.
    const env = {
      ...createClaudeTestEnv(home.path, options.baseUrl ?? "http://127.0.0.1:9"),
      ...options.env,
    };
    const run = await execa(claudeBinary, args, {
      cwd: options.cwd,
      env,
      extendEnv: false,
      stdin: "ignore",
      reject: false,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    return {
      exitCode: run.exitCode,
      timedOut: run.timedOut,
      stdout: typeof run.stdout === "string" ? run.stdout : "",
      stderr: typeof run.stderr === "string" ? run.stderr : "",
    };
  } finally {
    await home.remove();
  }
}

/** Runs `claude -p <prompt> --output-format json` against the fake server. */
export async function runClaude(
  prompt: string,
  options: RunClaudeOptions & { server: FakeAnthropicServer; extraArgs?: readonly string[] },
): Promise<ClaudePromptRun> {
  const firstRequest = options.server.requests.length;
  const run = await runClaudeCommand(
    ["-p", prompt, "--output-format", "json", ...(options.extraArgs ?? [])],
    { ...options, baseUrl: options.server.url },
  );
  return {
    ...run,
    result: parseResult(run.stdout),
    requests: options.server.requests.slice(firstRequest),
  };
}

function parseResult(stdout: string): ClaudeResult | undefined {
  try {
    const parsed = claudeResultSchema.safeParse(JSON.parse(stdout));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
