/**
 * The built-in runner: harness's own tool-using agent, behind the same `AgentRunner` contract
 * as the Claude Code and Codex runners. It turns an `AgentRunInput` into one loop run:
 *
 * - tools: the given pool as it is, or else the built-in tools the agent definition's `tools` /
 *   `disallowedTools` allow (`finish` always);
 * - model: the definition's `model` unless it is unset or `inherit`, else the input's;
 * - turns: the smaller of the budget and the definition's `maxTurns`;
 * - prompt: the definition's prompt, the tools, the workspace's soul documents and its skill
 *   index (see agent-prompt.ts); the task is the first user message;
 * - environment: `agentEnvironment(input.env)` again, so a caller that passed too much still
 *   cannot hand a token to the agent's commands.
 *
 * A prompt that cannot be built (an agent prompt holding a date, say) ends the run `failed`
 * with a transcript that says why, like every other way a run can end.
 */
import type { ModelClient, ThinkingLevel } from "../models/model-client.js";
import { agentEnvironment } from "./agent-env.js";
import { runAgentLoop, systemAgentClock, type AgentClock } from "./agent-loop.js";
import { buildAgentSystemPrompt, buildTaskMessage, readSoulDocuments } from "./agent-prompt.js";
import type { PriceTable } from "./budget-tracker.js";
import { loadSkillIndex } from "./definitions.js";
import { openRunLog, type RunEvent } from "./run-log.js";
import { toolsFor } from "./tools/index.js";
import type {
  AgentRunInput,
  AgentRunner,
  AgentRunResult,
  AgentTool,
  CommandPolicy,
} from "./types.js";

/** Characters of one tool result the model sees; the rest is cut in the middle. */
export const DEFAULT_MAX_OUTPUT_CHARS = 30_000;

/**
 * What `run_command` may run when the caller does not say: anything but the obviously
 * destructive or privileged, for at most two minutes a command.
 */
export const DEFAULT_COMMAND_POLICY: CommandPolicy = {
  allow: [],
  deny: [
    "sudo",
    "su",
    "doas",
    "rm -rf /",
    "rm -rf ~",
    "git push",
    "git reset --hard",
    "git clean -fdx",
    "shutdown",
    "reboot",
    "mkfs",
  ],
  timeoutMs: 120_000,
};

export interface BuiltinRunnerOptions {
  /** Every model call goes through it (a router client, or the fake in tests). */
  client: ModelClient;
  /** The tools offered, as they are; default: the built-in tools the agent definition allows. */
  tools?: AgentTool[];
  commandPolicy?: CommandPolicy;
  /** USD per million tokens by model; models not listed cost 0 (local). */
  prices?: PriceTable;
  clock?: AgentClock;
  maxOutputChars?: number;
  /** The answer length cap of every call (`maxTokens`); unset leaves the client's default. */
  maxTokensPerTurn?: number;
  temperature?: number;
  /** `required` makes every answer a tool call (small local models need it); default auto. */
  toolChoice?: "auto" | "required";
  thinking?: ThinkingLevel;
  onEvent?: (event: RunEvent) => void;
}

export function createBuiltinRunner(options: BuiltinRunnerOptions): AgentRunner {
  return {
    name: "builtin",
    run: (input) => runBuiltinAgent(options, input),
  };
}

/** The model a run uses: the definition's, unless it defers to the caller. */
export function resolveAgentModel(definitionModel: string | undefined, fallback: string): string {
  return definitionModel === undefined || definitionModel === "inherit"
    ? fallback
    : definitionModel;
}

async function runBuiltinAgent(
  options: BuiltinRunnerOptions,
  input: AgentRunInput,
): Promise<AgentRunResult> {
  const { agent } = input;
  const tools = options.tools ?? toolsFor(agent.tools, agent.disallowedTools ?? []);
  const model = resolveAgentModel(agent.model, input.model);
  const budgets = {
    ...input.budgets,
    maxTurns: Math.min(input.budgets.maxTurns, agent.maxTurns ?? Number.POSITIVE_INFINITY),
  };
  let system: string;
  let skills: Map<string, { description: string; body: string }>;
  try {
    skills = await loadSkillIndex(input.workspace);
    const documents = await readSoulDocuments(input.workspace);
    system = buildAgentSystemPrompt({ agent, tools, documents, skills });
  } catch (error) {
    return recordFailedStart(options, input, error);
  }
  return runAgentLoop({
    client: options.client,
    model,
    system,
    task: buildTaskMessage(input.task),
    tools,
    budgets,
    workspace: input.workspace,
    runId: input.runId,
    runDir: input.runDir,
    agent: agent.name,
    runner: "builtin",
    env: agentEnvironment(input.env),
    commandPolicy: options.commandPolicy ?? DEFAULT_COMMAND_POLICY,
    skills,
    maxOutputChars: options.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS,
    ...(input.signal ? { signal: input.signal } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.prices ? { prices: options.prices } : {}),
    ...(options.maxTokensPerTurn !== undefined
      ? { maxTokensPerTurn: options.maxTokensPerTurn }
      : {}),
    ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
    ...(options.toolChoice ? { toolChoice: options.toolChoice } : {}),
    ...(options.thinking !== undefined ? { thinking: options.thinking } : {}),
    onEvent: (event) => {
      options.onEvent?.(event);
      forwardProgress(event, input);
    },
  });
}

/** Turns and tool calls, for a person watching the run (`input.events`). */
function forwardProgress(event: RunEvent, input: AgentRunInput): void {
  if (!input.events) return;
  if (event.type === "turn-started") {
    input.events.emit({ type: "agent-turn-started", runId: input.runId, turn: event.turn });
  } else if (event.type === "tool-finished") {
    input.events.emit({
      type: "agent-tool-finished",
      runId: input.runId,
      turn: event.turn,
      tool: event.name,
      isError: event.isError,
      ms: event.ms,
    });
  }
}

/** A run that ended before its first model call: the log still says why. */
async function recordFailedStart(
  options: BuiltinRunnerOptions,
  input: AgentRunInput,
  error: unknown,
): Promise<AgentRunResult> {
  const clock = options.clock ?? systemAgentClock;
  const log = await openRunLog(input.runDir, () => clock.now());
  const message = error instanceof Error ? error.message : String(error);
  const result: AgentRunResult = {
    runId: input.runId,
    runner: "builtin",
    agent: input.agent.name,
    status: "failed",
    summary: `The run could not start: ${message}`,
    filesChanged: [],
    usage: { inputTokens: 0, outputTokens: 0, cachedTokens: 0 },
    costUsd: 0,
    turns: 0,
    durationMs: 0,
    transcriptPath: log.transcriptPath,
    error: message,
  };
  const finished: RunEvent = {
    type: "run-finished",
    status: "failed",
    turns: 0,
    usage: result.usage,
    costUsd: 0,
    durationMs: 0,
    filesChanged: [],
  };
  log.event(finished);
  options.onEvent?.(finished);
  log.transcript({
    type: "run-ended",
    at: new Date(clock.now()).toISOString(),
    messages: [],
    result,
  });
  await log.close();
  return result;
}
