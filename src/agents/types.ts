/**
 * The agent runtime's contracts: the tools of the built-in agent, the budgets every run obeys,
 * and the one result every runner (builtin, Claude Code, Codex) returns. Workflows depend on
 * this file; the loop, the tools and the runners implement it.
 */
import type { ToolDefinition } from "../models/model-client.js";
import type { EventSink } from "../events.js";

/** Token counts of a whole run, summed over its model calls. */
export interface RunUsage {
  inputTokens: number;
  outputTokens: number;
  /** The part of `inputTokens` served from a prompt cache. */
  cachedTokens: number;
}

export type RunnerName = "builtin" | "claude" | "codex";

/** Why a run ended. `budget-exhausted` says which budget in `AgentRunResult.budget`. */
export type AgentRunStatus = "done" | "failed" | "budget-exhausted" | "timed-out";

export type BudgetName = "turns" | "tokens" | "cost" | "stuck" | "wall-time";

/** Caps on one run; from config `budgets`, narrowed per call. */
export interface AgentBudgets {
  maxTurns: number;
  /** Input + output tokens over the run. */
  maxTokens: number;
  /** Wall-clock time; the run ends `timed-out` when it passes. */
  maxWallMs: number;
  /** Spend in USD (0 for local models); the run ends when the next call would pass it. */
  maxCostUsd: number;
  /** The same failing tool call (name + input) this many times in a row ends the run (stuck). */
  maxRepeatedFailures: number;
  /** 0: this agent may not start agents. Workers always run at 0 (see DESIGN.md safety). */
  spawnDepth: number;
}

/** The one result type, whichever runner ran. */
export interface AgentRunResult {
  runId: string;
  runner: RunnerName;
  agent: string;
  status: AgentRunStatus;
  /** Set when `status` is `budget-exhausted` (or `timed-out`: `wall-time`). */
  budget?: BudgetName;
  /** The agent's own summary (from `finish`, or the final message), or why it failed. */
  summary: string;
  /** What the agent's `finish` call returned beyond the summary (structured result), if any. */
  output?: unknown;
  /** Paths relative to the workspace, sorted, from git status when it is a repository. */
  filesChanged: string[];
  usage: RunUsage;
  /** USD; 0 for local models; undefined when the runner could not tell. */
  costUsd?: number;
  turns: number;
  durationMs: number;
  /** `.harness/runs/<run-id>/transcript.jsonl` (the built-in agent also writes events.jsonl). */
  transcriptPath: string;
  /** The error that ended a `failed` run, for a person. */
  error?: string;
}

/** What a runner is given. */
export interface AgentRunInput {
  /** The agent definition's name (`.claude/agents/<name>.md`) or a bare role. */
  agent: AgentDefinition;
  task: string;
  /** The worktree: every tool is confined to it, every command runs in it. */
  workspace: string;
  budgets: AgentBudgets;
  /** Model id or router alias; the agent's `model` frontmatter wins unless it is `inherit`. */
  model: string;
  /** The router every model call goes through (http://127.0.0.1:8788). */
  routerUrl: string;
  /** Where the run's transcript and events go (`.harness/runs/<run-id>/`). */
  runDir: string;
  runId: string;
  signal?: AbortSignal;
  events?: EventSink;
  /**
   * The environment the agent's process and commands get. Runners build it with
   * `agentEnvironment()`, which drops tokens and keys; never pass `process.env` straight on.
   */
  env: NodeJS.ProcessEnv;
}

export interface AgentRunner {
  readonly name: RunnerName;
  run(input: AgentRunInput): Promise<AgentRunResult>;
}

/** An agent as `.claude/agents/<name>.md` defines it (the same file Claude Code reads). */
export interface AgentDefinition {
  name: string;
  description: string;
  /** The body: the agent's system prompt. */
  prompt: string;
  /** Claude Code tool names (`Read`, `Edit`, `Bash`, ...); undefined: all the runner offers. */
  tools?: string[];
  disallowedTools?: string[];
  /** A model id or alias; `inherit` or undefined: the caller's. */
  model?: string;
  maxTurns?: number;
  /** The file it came from, relative to the repository. */
  path?: string;
}

/** What a tool of the built-in agent receives besides its input. */
export interface ToolContext {
  /** The workspace root, a real path (symlinks resolved). */
  root: string;
  signal: AbortSignal;
  /** The environment for `run_command` (already scrubbed of secrets). */
  env: NodeJS.ProcessEnv;
  /** `run_command`'s allow/deny lists and timeout. */
  commandPolicy: CommandPolicy;
  /** Skills the `skill` tool can load, by name. */
  skills: ReadonlyMap<string, { description: string; body: string }>;
  /** Every tool result is cut to this many characters in one place (the loop), not per tool. */
  maxOutputChars: number;
}

export interface CommandPolicy {
  /** Command prefixes allowed (`npm test`, `git status`); empty means any not denied. */
  allow: string[];
  /** Command prefixes or patterns always refused (`rm -rf`, `git push --force`, `sudo`). */
  deny: string[];
  timeoutMs: number;
}

/** What a tool call produced; `content` goes back to the model as the tool result. */
export interface ToolOutcome {
  content: string;
  isError?: boolean;
  /** Paths (workspace-relative) the call wrote, for the run's files-changed list. */
  wrote?: string[];
  /** Set only by `finish`: the run ends with this. */
  finish?: { status: "done" | "failed"; summary: string; output?: unknown };
}

/** A tool of the built-in agent: one self-contained file under `src/agents/tools/`. */
export interface AgentTool {
  /** Sent to the model: name, description, JSON schema of the input. */
  readonly definition: ToolDefinition;
  /** The Claude Code tool name it stands for (`Read`, `Edit`, ...), to honour `tools:` lists. */
  readonly claudeName: string;
  /** Validates `input` and runs; throws `ToolError` for a refusal the model should read. */
  run(input: unknown, context: ToolContext): Promise<ToolOutcome>;
}
