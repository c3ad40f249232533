/**
 * The `claude` runner: Claude Code headless (`claude -p`) in the workspace, every model call
 * through the harness router, its stream-json output parsed into the one `AgentRunResult`.
 *
 * Flags, checked against Claude Code 2.1.197 (`claude --help` and runs in
 * tests/agents/runners/claude-runner.e2e.test.ts):
 * - the task goes in on stdin, not argv: no length limit, a task starting with "-" is not
 *   read as a flag, and issue text does not show in `ps`;
 * - `--output-format stream-json --verbose` (stream-json requires --verbose);
 * - `--permission-mode dontAsk` with explicit `--allowedTools`: nothing is approved unless it
 *   is on the list, and the file tools are listed as `Edit(./**)` etc., confined to the
 *   workspace. Measured: with `acceptEdits` or a bare `Edit` rule, Claude Code edits a file
 *   outside the working directory; with `Edit(./**)` under dontAsk it is refused.
 *   `--tools` limits what the model even sees to the agent's tools, and a worker (spawn
 *   depth 0) also gets `--disallowedTools Task Agent`, so it cannot start sub-agents;
 * - `--setting-sources project`: the repository's committed `.claude/settings.json` (its deny
 *   rules) applies, the user's own settings (broader allow rules, hooks, an `env` that could
 *   point elsewhere than the router) do not; `--strict-mcp-config` without `--mcp-config`: no
 *   MCP servers (they carry their own credentials); `--no-session-persistence`: the
 *   transcript is ours;
 * - `--max-turns` (hidden from --help in 2.1.197, accepted), `--max-budget-usd` when a cost
 *   budget is set, `--model`, and the agent's prompt via `--append-system-prompt` (default:
 *   Claude Code keeps its own tool instructions) or `--system-prompt`.
 * Environment: the allow-listed parent environment plus ANTHROPIC_BASE_URL (the router),
 * ANTHROPIC_API_KEY (the router token: an API key also wins over any OAuth login the user has,
 * so that is never sent), CLAUDE_CODE_MAX_RETRIES=2 (the default 10 retries would outlast
 * most budgets) and the switches that stop telemetry, error reports and update checks.
 */
import path from "node:path";
import { agentEnvironment } from "../agent-env.js";
import type { AgentRunInput, AgentRunResult, AgentRunner } from "../types.js";
import { runAgentProcess, withinTokenBudget, type AgentProcessOutcome } from "./agent-process.js";
import { ClaudeStreamReader, usageOfResult, type ClaudeResultLine } from "./claude-stream-json.js";
import { listChangedFiles } from "./files-changed.js";
import { resolveAgentBinary } from "./resolve-binary.js";
import { resolveMaxTurns, resolveRunModel } from "./run-input.js";
import {
  failed,
  stderrNote,
  verdictOfInterruption,
  withoutRunDir,
  type RunVerdict,
} from "./run-verdict.js";

export interface ClaudeRunnerOptions {
  /** A path, or a name looked up on PATH; default `claude` on PATH, then node_modules/.bin. */
  binary?: string;
  /**
   * How the agent definition's prompt reaches Claude Code: appended to its own system prompt
   * (default; it keeps Claude Code's tool instructions) or replacing it.
   */
  systemPrompt?: "append" | "replace";
  /** Adds `--bare` (no hooks, plugins, CLAUDE.md discovery, memory): small, fixed prompts. */
  bare?: boolean;
  /** Sent to the router as the API key; the router checks it only off loopback. */
  routerToken?: string;
  /** CLAUDE_CODE_MAX_RETRIES; default 2. */
  maxRetries?: number;
}

/** Tools a worker gets when its definition lists none: read, edit and run commands. */
export const CLAUDE_DEFAULT_TOOLS: readonly string[] = [
  "Read",
  "Edit",
  "Write",
  "Glob",
  "Grep",
  "Bash",
];

/** Tools that take a file path; their allow rules are confined to the workspace. */
const FILE_TOOLS = new Set(["Read", "Edit", "Write", "MultiEdit", "NotebookEdit"]);
/** Claude Code's sub-agent tool (named Task before, Agent in newer versions). */
const SPAWN_TOOLS = ["Task", "Agent"];
const DEFAULT_ROUTER_TOKEN = "harness-router";

export function createClaudeRunner(options: ClaudeRunnerOptions = {}): AgentRunner {
  return {
    name: "claude",
    run: (input) => runClaude(input, options),
  };
}

/** Everything after `claude` (the task itself goes to stdin). */
export function claudeArguments(input: AgentRunInput, options: ClaudeRunnerOptions = {}): string[] {
  const { agent, budgets } = input;
  const mayNotSpawn = budgets.spawnDepth === 0;
  const tools = (agent.tools ?? CLAUDE_DEFAULT_TOOLS).filter(
    (tool) => !(mayNotSpawn && SPAWN_TOOLS.includes(toolName(tool))),
  );
  const args = [
    "-p",
    "--output-format",
    "stream-json",
    "--verbose",
    "--model",
    resolveRunModel(input),
    "--max-turns",
    String(resolveMaxTurns(input)),
    "--permission-mode",
    "dontAsk",
    "--setting-sources",
    "project",
    "--strict-mcp-config",
    "--no-session-persistence",
  ];
  if (options.bare) args.push("--bare");
  if (agent.prompt.trim() !== "") {
    args.push(
      options.systemPrompt === "replace" ? "--system-prompt" : "--append-system-prompt",
      agent.prompt,
    );
  }
  args.push("--tools", [...new Set(tools.map(toolName))].join(","));
  if (tools.length > 0) args.push("--allowedTools", ...tools.map(allowRule));
  const denied = [...(agent.disallowedTools ?? []), ...(mayNotSpawn ? SPAWN_TOOLS : [])];
  if (denied.length > 0) args.push("--disallowedTools", ...new Set(denied));
  if (budgets.maxCostUsd > 0) args.push("--max-budget-usd", String(budgets.maxCostUsd));
  return args;
}

/** The environment Claude Code runs with: scrubbed, pointed at the router. */
export function claudeEnvironment(
  input: AgentRunInput,
  options: ClaudeRunnerOptions = {},
): NodeJS.ProcessEnv {
  return agentEnvironment(input.env, {
    ANTHROPIC_BASE_URL: input.routerUrl.replace(/\/+$/, ""),
    ANTHROPIC_API_KEY: options.routerToken ?? DEFAULT_ROUTER_TOKEN,
    CLAUDE_CODE_MAX_RETRIES: String(options.maxRetries ?? 2),
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_ERROR_REPORTING: "1",
    DISABLE_AUTOUPDATER: "1",
  });
}

async function runClaude(
  input: AgentRunInput,
  options: ClaudeRunnerOptions,
): Promise<AgentRunResult> {
  const env = claudeEnvironment(input, options);
  const binary = await resolveAgentBinary({
    name: "claude",
    explicit: options.binary,
    searchPath: env.PATH,
    workspace: input.workspace,
    installWith: "@anthropic-ai/claude-code",
  });
  const transcriptPath = path.join(input.runDir, "transcript.jsonl");
  const reader = new ClaudeStreamReader();
  const outcome = await runAgentProcess({
    binary,
    args: claudeArguments(input, options),
    cwd: input.workspace,
    env,
    stdin: input.task,
    timeoutMs: input.budgets.maxWallMs,
    signal: input.signal,
    transcriptPath,
    onLine: withinTokenBudget(reader, input.budgets.maxTokens),
  });
  const result = reader.result;
  const verdict =
    verdictOfInterruption(outcome.end, {
      cli: "claude",
      timeoutMs: input.budgets.maxWallMs,
      stderrTail: outcome.stderrTail,
    }) ?? verdictOfResult(result, outcome, reader);
  const files = await listChangedFiles(input.workspace);
  return {
    runId: input.runId,
    runner: "claude",
    agent: input.agent.name,
    ...verdict,
    filesChanged: withoutRunDir(files, input.workspace, input.runDir),
    usage: result ? usageOfResult(result) : reader.usageSoFar(),
    ...(result?.total_cost_usd !== undefined ? { costUsd: result.total_cost_usd } : {}),
    turns: result?.num_turns ?? reader.messagesSeen(),
    durationMs: outcome.durationMs,
    transcriptPath,
  };
}

/** The verdict of a process that exited by itself, from its result line and exit code. */
function verdictOfResult(
  result: ClaudeResultLine | undefined,
  outcome: AgentProcessOutcome,
  reader: ClaudeStreamReader,
): RunVerdict {
  const exitCode = outcome.end.kind === "exited" ? outcome.end.exitCode : undefined;
  if (!result) {
    const said = [
      reader.lastApiError ? `; last API error: ${reader.lastApiError}` : "",
      reader.lastText ? `; its last message: ${reader.lastText}` : "",
    ].join("");
    return failed(
      `claude exited with code ${exitCode} without a result line${said}${stderrNote(outcome.stderrTail)}`,
    );
  }
  const text = result.result ?? result.errors?.join("; ") ?? "";
  if (result.subtype === "error_max_turns") {
    return {
      status: "budget-exhausted",
      budget: "turns",
      summary: withDefault(text, "turn budget spent"),
    };
  }
  if (result.subtype === "error_max_budget_usd") {
    return {
      status: "budget-exhausted",
      budget: "cost",
      summary: withDefault(text, "cost budget spent"),
    };
  }
  if (result.is_error || result.subtype !== "success") {
    return failed(withDefault(text, `Claude Code reported ${result.subtype} with no message`));
  }
  if (result.num_turns === 0) {
    // A slash command whose !`command` line fails ends like this: no model call, no error.
    return failed(
      "Claude Code made no model call (did a !`command` line in a slash command fail?)",
    );
  }
  if (exitCode !== 0) {
    return failed(`claude exited with code ${exitCode}${stderrNote(outcome.stderrTail)}`);
  }
  return { status: "done", summary: text };
}

function withDefault(text: string, fallback: string): string {
  return text.trim() === "" ? fallback : text;
}

/** "Bash(npm test *)" → "Bash". */
function toolName(tool: string): string {
  const open = tool.indexOf("(");
  return (open === -1 ? tool : tool.slice(0, open)).trim();
}

/** File tools without a pattern are confined to the workspace; others pass as written. */
function allowRule(tool: string): string {
  return FILE_TOOLS.has(tool) ? `${tool}(./**)` : tool;
}
