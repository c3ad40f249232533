/**
 * The `codex` runner: OpenAI Codex CLI headless (`codex exec --json`) in the workspace, its
 * model calls sent to the harness router as a custom provider, its JSONL events parsed into the
 * one `AgentRunResult`.
 *
 * Tested with a fake `codex` that prints the documented events (`codex-runner.test.ts`), and
 * end to end with the real Codex CLI 0.169.0 through the router's `/v1/responses` when a binary
 * is given (`HARNESS_CODEX_BIN`, or `codex` on PATH: `codex-runner.e2e.test.ts`; the package
 * is ~400 MB, so it is not a dev dependency). Facts used, with sources (read 2026-11):
 * - `codex exec` flags `--json` (alias --experimental-json: JSONL events on stdout),
 *   `--sandbox workspace-write`, `--cd DIR`, `-m MODEL`, `-c key=value`, `--ephemeral` (no
 *   session files), `--ignore-user-config` (skip $CODEX_HOME/config.toml; auth still uses
 *   CODEX_HOME), and PROMPT `-` = read the prompt from stdin: openai/codex
 *   `codex-rs/exec/src/cli.rs`, `codex-rs/utils/cli/src/shared_options.rs`.
 * - `-c` takes dotted keys with TOML values (`-c model_providers.x.wire_api="responses"`);
 *   overrides go after `exec` to reach the exec session: openai/codex docs/config.md;
 *   docs.rs/orch-cli (engine::runner::agents::codex).
 * - A custom provider: `model_provider = "<id>"` and `[model_providers.<id>]` with `name`,
 *   `base_url` (ending in /v1; Codex appends /responses), `env_key` (the variable holding the
 *   key, sent as Bearer), `wire_api`, `request_max_retries` (default 4), `stream_max_retries`
 *   (default 5): openai/codex `codex-rs/model-provider-info/src/lib.rs`.
 * - `wire_api = "chat"` is rejected at startup ("no longer supported"); only "responses"
 *   remains: same file, and openai/codex discussion #7782. So Codex needs `POST /v1/responses`
 *   (the OpenAI Responses API), which the router serves (`src/router/responses-endpoint.ts`).
 * - `developer_instructions` (string) adds instructions to the session; `approval_policy`
 *   `never`; `web_search` `disabled`; `sandbox_workspace_write.network_access`:
 *   developers.openai.com/codex/config-reference. `features.multi_agent=false` turns off
 *   Codex's sub-agent tools: seen in several projects' exec invocations, not in the reference.
 * - Events: see `codex-jsonl.ts`.
 * Codex has no turn limit: a Codex run is bounded by wall time and, after each turn, tokens.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { agentEnvironment } from "../agent-env.js";
import type { AgentRunInput, AgentRunResult, AgentRunner } from "../types.js";
import { runAgentProcess, withinTokenBudget, type AgentProcessOutcome } from "./agent-process.js";
import { CodexEventReader } from "./codex-jsonl.js";
import { listChangedFiles } from "./files-changed.js";
import { resolveAgentBinary } from "./resolve-binary.js";
import { resolveRunModel } from "./run-input.js";
import {
  failed,
  stderrNote,
  verdictOfInterruption,
  withoutRunDir,
  type RunVerdict,
} from "./run-verdict.js";

export interface CodexRunnerOptions {
  /** A path, or a name looked up on PATH; default `codex` on PATH, then node_modules/.bin. */
  binary?: string;
  /** Sent to the router as the Bearer key; the router checks it only off loopback. */
  routerToken?: string;
  /** request_max_retries and stream_max_retries of the router provider; default 2. */
  maxRetries?: number;
}

/** The provider id the router is registered under, and the variable holding its key. */
const PROVIDER_ID = "harness";
const ROUTER_TOKEN_ENV = "HARNESS_ROUTER_TOKEN";
const DEFAULT_ROUTER_TOKEN = "harness-router";

export function createCodexRunner(options: CodexRunnerOptions = {}): AgentRunner {
  return {
    name: "codex",
    run: (input) => runCodex(input, options),
  };
}

/** A TOML basic string: JSON's escapes (\", \\, \n, \uXXXX) are all valid TOML. */
function tomlString(value: string): string {
  return JSON.stringify(value);
}

/** Everything after `codex` (the task itself goes to stdin). */
export function codexArguments(input: AgentRunInput, options: CodexRunnerOptions = {}): string[] {
  const provider = `model_providers.${PROVIDER_ID}`;
  const retries = String(options.maxRetries ?? 2);
  const overrides = [
    `approval_policy=${tomlString("never")}`,
    `model_provider=${tomlString(PROVIDER_ID)}`,
    `${provider}.name=${tomlString("harness router")}`,
    `${provider}.base_url=${tomlString(`${input.routerUrl.replace(/\/+$/, "")}/v1`)}`,
    `${provider}.env_key=${tomlString(ROUTER_TOKEN_ENV)}`,
    `${provider}.wire_api=${tomlString("responses")}`,
    `${provider}.request_max_retries=${retries}`,
    `${provider}.stream_max_retries=${retries}`,
    `sandbox_workspace_write.network_access=false`,
    `web_search=${tomlString("disabled")}`,
  ];
  if (input.budgets.spawnDepth === 0) overrides.push("features.multi_agent=false");
  if (input.agent.prompt.trim() !== "") {
    overrides.push(`developer_instructions=${tomlString(input.agent.prompt)}`);
  }
  return [
    "exec",
    "--json",
    "--sandbox",
    "workspace-write",
    "--cd",
    input.workspace,
    "--ephemeral",
    "--ignore-user-config",
    "--model",
    resolveRunModel(input),
    ...overrides.flatMap((override) => ["-c", override]),
    "-",
  ];
}

/**
 * The environment Codex runs with: scrubbed, the router key under its own name, and a
 * CODEX_HOME inside the run folder so the user's ~/.codex (auth, sessions) is never read.
 */
export function codexEnvironment(
  input: AgentRunInput,
  options: CodexRunnerOptions = {},
): NodeJS.ProcessEnv {
  return agentEnvironment(input.env, {
    [ROUTER_TOKEN_ENV]: options.routerToken ?? DEFAULT_ROUTER_TOKEN,
    CODEX_HOME: path.join(input.runDir, "codex-home"),
  });
}

async function runCodex(
  input: AgentRunInput,
  options: CodexRunnerOptions,
): Promise<AgentRunResult> {
  const env = codexEnvironment(input, options);
  const binary = await resolveAgentBinary({
    name: "codex",
    explicit: options.binary,
    searchPath: env.PATH,
    workspace: input.workspace,
    installWith: "@openai/codex",
  });
  await mkdir(env.CODEX_HOME!, { recursive: true });
  const transcriptPath = path.join(input.runDir, "transcript.jsonl");
  const reader = new CodexEventReader();
  const outcome = await runAgentProcess({
    binary,
    args: codexArguments(input, options),
    cwd: input.workspace,
    env,
    stdin: input.task,
    timeoutMs: input.budgets.maxWallMs,
    signal: input.signal,
    transcriptPath,
    onLine: withinTokenBudget(reader, input.budgets.maxTokens),
  });
  const verdict =
    verdictOfInterruption(outcome.end, {
      cli: "codex",
      timeoutMs: input.budgets.maxWallMs,
      stderrTail: outcome.stderrTail,
    }) ?? verdictOfEvents(reader, outcome);
  const files = await listChangedFiles(input.workspace);
  return {
    runId: input.runId,
    runner: "codex",
    agent: input.agent.name,
    ...verdict,
    filesChanged: withoutRunDir(files, input.workspace, input.runDir),
    usage: { ...reader.usage },
    // Codex reports no cost; through the router it could be anything.
    turns: reader.actions,
    durationMs: outcome.durationMs,
    transcriptPath,
  };
}

function verdictOfEvents(reader: CodexEventReader, outcome: AgentProcessOutcome): RunVerdict {
  const exitCode = outcome.end.kind === "exited" ? outcome.end.exitCode : undefined;
  if (reader.turnFailure !== undefined) return failed(reader.turnFailure);
  if (reader.turnsCompleted === 0) {
    const why = reader.errors.at(-1) ?? `codex exited with code ${exitCode} before the turn ended`;
    return failed(`${why}${stderrNote(outcome.stderrTail)}`);
  }
  if (exitCode !== 0) {
    const why = reader.errors.at(-1) ?? `codex exited with code ${exitCode}`;
    return failed(`${why}${stderrNote(outcome.stderrTail)}`);
  }
  return { status: "done", summary: reader.lastMessage ?? "" };
}
