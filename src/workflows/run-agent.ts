/**
 * Runs one agent on one task with the runner the config (or the caller) picks: the built-in
 * agent, Claude Code or Codex, all through the router and under the config's budgets. The
 * same call serves `harness agent run`, `harness command run` and, later, the work stage.
 */
import { mkdir } from "node:fs/promises";

import type { HarnessConfig } from "../config/schema.js";
import type { EventSink } from "../events.js";
import type { ModelClient } from "../models/model-client.js";
import { agentEnvironment } from "../agents/agent-env.js";
import { createRunId, resolveRunDir } from "../agents/run-log.js";
import type {
  AgentBudgets,
  AgentDefinition,
  AgentRunResult,
  AgentRunner,
  RunnerName,
} from "../agents/types.js";

/** How many times in a row the same failing tool call may repeat before the run is stuck. */
export const MAX_REPEATED_FAILURES = 3;

/** The config's budgets as a run's caps; `maxTurns` may be narrowed by the caller. */
export function budgetsFrom(
  config: HarnessConfig,
  overrides: { maxTurns?: number | undefined } = {},
): AgentBudgets {
  const budgets: AgentBudgets = {
    maxTurns: overrides.maxTurns ?? config.budgets.maxTurns,
    maxTokens: config.budgets.maxTokens,
    maxWallMs: config.budgets.maxWallMinutes * 60_000,
    maxCostUsd: config.budgets.maxCostUsd,
    maxRepeatedFailures: MAX_REPEATED_FAILURES,
    // A run started here is a worker: it never starts agents of its own.
    spawnDepth: 0,
  };
  return budgets;
}

/**
 * The generic role for a slash command run outside Claude Code: the command's prompt is the
 * task, and the agent has every built-in tool.
 */
export function commandAgent(name: string, description: string): AgentDefinition {
  return {
    name: `command:${name}`,
    description,
    prompt:
      "You carry out one slash command of this repository in its working tree. Follow the " +
      "command's instructions in the task; use the tools to read, change and check files; " +
      "stay inside the working tree; when you are done, call finish with a short summary.",
  };
}

export interface RunAgentOptions {
  config: HarnessConfig;
  /** The repository: `.harness/runs/<run-id>/` is written here. */
  repoRoot: string;
  /** Where the agent works (a worktree, or the repository itself). */
  workspace: string;
  agent: AgentDefinition;
  task: string;
  runner: RunnerName;
  routerUrl: string;
  /** Model or alias; default `models.default` of the config. */
  model?: string;
  maxTurns?: number;
  /** The parent's environment; the agent gets only its safe part. */
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  events?: EventSink;
  /** For the built-in runner: the client to the router (tests pass a fake). */
  client?: ModelClient;
}

async function createRunner(options: RunAgentOptions): Promise<AgentRunner> {
  switch (options.runner) {
    case "builtin": {
      const [{ createBuiltinRunner }, { createModelClient }] = await Promise.all([
        import("../agents/builtin-runner.js"),
        import("../models/create-model-client.js"),
      ]);
      const client =
        options.client ??
        createModelClient({
          protocol: "openai",
          baseURL: options.routerUrl,
          ...(options.config.router.token ? { apiKey: options.config.router.token } : {}),
        });
      return createBuiltinRunner({ client });
    }
    case "claude": {
      const { createClaudeRunner } = await import("../agents/runners/claude-runner.js");
      return createClaudeRunner();
    }
    case "codex": {
      const { createCodexRunner } = await import("../agents/runners/codex-runner.js");
      return createCodexRunner();
    }
  }
}

export async function runAgent(options: RunAgentOptions): Promise<AgentRunResult> {
  const runId = createRunId();
  const runDir = resolveRunDir(options.repoRoot, runId);
  await mkdir(runDir, { recursive: true });
  const runner = await createRunner(options);
  return runner.run({
    agent: options.agent,
    task: options.task,
    workspace: options.workspace,
    budgets: budgetsFrom(options.config, { maxTurns: options.maxTurns }),
    model: options.model ?? options.config.models.default,
    routerUrl: options.routerUrl,
    runDir,
    runId,
    env: agentEnvironment(options.env),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.events ? { events: options.events } : {}),
  });
}
