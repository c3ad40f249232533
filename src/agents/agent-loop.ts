/**
 * The built-in agent's loop: call the model, run the tools it asks for, send the results back,
 * until it calls `finish`, answers without a tool call, or a budget ends the run.
 *
 * What it guarantees:
 *
 * - Append-only prompts. The system prompt and the tool definitions are fixed for the run and
 *   every message, once added, is never changed or removed, so each request is the previous one
 *   plus new messages and the backend's prompt cache covers everything before them. Every call
 *   of a run carries the same `sessionId`, which keeps it on the backend that holds that cache.
 * - One place truncates tool output (`truncateToolOutput`), when the result is first added.
 * - Tool calls run one after another, in the order the model gave them. An unknown tool, a
 *   `ToolError` or a zod failure becomes an error result the model reads and can act on; any
 *   other exception is a bug or an environment failure and ends the run `failed`.
 * - A model answer with no tool call gets one nudge ("call finish") when a `finish` tool is
 *   offered, because a run's result should come from `finish`; a second one ends the run `done`
 *   with its text as the summary (`failed` when it is empty). Without a `finish` tool the first
 *   such answer ends the run.
 * - Every way a run ends (finish, text, budget, wall time, cancellation, failure) gives a
 *   complete `AgentRunResult`: status, budget, summed usage, cost, turns, files changed and the
 *   transcript path. Only a failure to write the run's own log files is thrown.
 */
import { realpath } from "node:fs/promises";
import { ZodError, z } from "zod";
import { isHarnessError } from "../errors.js";
import type {
  AssistantMessage,
  ModelClient,
  ModelMessage,
  ModelResult,
  ModelToolCall,
  ThinkingLevel,
  ToolResultMessage,
} from "../models/model-client.js";
import { runGit } from "../project/run-git.js";
import { AGENT_SPAWNING_TOOLS } from "../skills/claude-tools.js";
import { FINISH_TOOL_NAME, type SkillIndex } from "./agent-prompt.js";
import { BudgetTracker, type BudgetHit, type PriceTable } from "./budget-tracker.js";
import { openRunLog, type RunEvent, type RunLog } from "./run-log.js";
import { ToolError } from "./tool-error.js";
import type {
  AgentBudgets,
  AgentRunResult,
  AgentRunStatus,
  AgentTool,
  BudgetName,
  CommandPolicy,
  RunnerName,
  ToolContext,
  ToolOutcome,
} from "./types.js";

/** Wall-clock time in epoch milliseconds; tests pass one they move by hand. */
export interface AgentClock {
  now(): number;
}

export const systemAgentClock: AgentClock = { now: () => Date.now() };

/** What the loop sends when the model answers without calling a tool, once per run. */
export const FINISH_NUDGE =
  "You answered without calling a tool. If the task is done (or cannot be done), call finish with your summary now; otherwise continue with the tools.";

export interface AgentLoopOptions {
  client: ModelClient;
  /** Model id or router alias, the same for every call. */
  model: string;
  /** The byte-stable system prompt (see agent-prompt.ts). */
  system: string;
  /** The first user message: the task. */
  task: string;
  tools: readonly AgentTool[];
  budgets: AgentBudgets;
  /** The workspace root every tool is confined to. */
  workspace: string;
  runId: string;
  runDir: string;
  /** The agent's name, for the result. */
  agent: string;
  runner?: RunnerName;
  /** The (scrubbed) environment `run_command` gets. */
  env: NodeJS.ProcessEnv;
  commandPolicy: CommandPolicy;
  skills?: SkillIndex;
  /** Every tool result is cut to this many characters (including the marker). */
  maxOutputChars: number;
  /** Sent with every call; default: the run id. */
  sessionId?: string;
  signal?: AbortSignal;
  clock?: AgentClock;
  /** Prices by model; the run's model missing means it costs nothing (a local model). */
  prices?: PriceTable;
  /** `maxTokens` of every request (the answer's length cap); unset leaves the client's default. */
  maxTokensPerTurn?: number;
  temperature?: number;
  /** `required` makes every answer a tool call (small local models need it); default auto. */
  toolChoice?: "auto" | "required";
  thinking?: ThinkingLevel;
  /** Sees every event as it is written to events.jsonl (for live views). */
  onEvent?: (event: RunEvent) => void;
}

/** How the run ended, before files and usage are added. */
interface Ending {
  status: AgentRunStatus;
  budget?: BudgetName;
  summary: string;
  output?: unknown;
  error?: string;
}

/** What running one tool call gave. */
interface ToolStep {
  message: ToolResultMessage;
  isError: boolean;
  finish?: ToolOutcome["finish"];
  /** Set when the call ended the run (an unexpected exception, an abort). */
  ending?: Ending;
}

/** The same shape of marker in every truncated result, so models learn to read it. */
function truncationMarker(cut: number, total: number): string {
  return `\n[... ${cut} of ${total} characters cut here; ask for less (a line range, a narrower pattern, a quieter command) to see them ...]\n`;
}

/**
 * Cuts `content` to at most `maxChars` characters (the marker included, unless `maxChars` is
 * smaller than the marker itself), keeping the start and the end (where commands print their
 * summary) and saying how much was cut in the middle.
 */
export function truncateToolOutput(
  content: string,
  maxChars: number,
): { text: string; cutChars: number } {
  const total = content.length;
  if (total <= maxChars) return { text: content, cutChars: 0 };
  let keep = maxChars;
  // The marker's length depends on the numbers it holds; two or three rounds settle it.
  for (let round = 0; round < 5; round++) {
    const next = Math.max(0, maxChars - truncationMarker(total - keep, total).length);
    if (next === keep) break;
    keep = next;
  }
  let headEnd = Math.ceil(keep * 0.6);
  let tailStart = total - (keep - headEnd);
  // Never split a surrogate pair: move the cut points outward into the removed part.
  if (headEnd > 0 && isHighSurrogate(content.charCodeAt(headEnd - 1))) headEnd--;
  if (tailStart < total && isLowSurrogate(content.charCodeAt(tailStart))) tailStart++;
  const cut = tailStart - headEnd;
  return {
    text: content.slice(0, headEnd) + truncationMarker(cut, total) + content.slice(tailStart),
    cutChars: cut,
  };
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

const spawningNames = new Set(AGENT_SPAWNING_TOOLS.map((name) => name.toLowerCase()));

/** True for names of tools that start agents: Task, Agent, spawn_agent, run_subagent, ... */
export function isAgentSpawningTool(name: string): boolean {
  return (
    spawningNames.has(name.toLowerCase()) ||
    /^(?:spawn|start|launch|run|dispatch|delegate)[_-]?(?:sub[_-]?)?agents?$/i.test(name) ||
    /^sub[_-]?agents?$/i.test(name)
  );
}

/** The tools the model is offered: at spawn depth 0 none that starts agents. */
function offeredTools(tools: readonly AgentTool[], spawnDepth: number): AgentTool[] {
  return tools
    .filter(
      (tool) =>
        spawnDepth > 0 ||
        !(isAgentSpawningTool(tool.definition.name) || isAgentSpawningTool(tool.claudeName)),
    )
    .sort((a, b) => (a.definition.name < b.definition.name ? -1 : 1));
}

/** Paths git reports as changed under `root`, relative to it; undefined outside a repository. */
async function readGitChanges(root: string): Promise<Set<string> | undefined> {
  const prefix = await runGit(root, ["rev-parse", "--show-prefix"]);
  if (!prefix.ok) return undefined;
  const status = await runGit(root, [
    "status",
    "--porcelain=v1",
    "-z",
    "--untracked-files=all",
    "--",
    ".",
  ]);
  if (!status.ok) return undefined;
  const inside = prefix.stdout.trim();
  const changed = new Set<string>();
  const fields = status.stdout.split("\0");
  for (let index = 0; index < fields.length; index++) {
    const field = fields[index] ?? "";
    if (field.length < 4) continue;
    const code = field.slice(0, 2);
    // Porcelain paths are relative to the repository; a rename is followed by its old path.
    const file = field.slice(3);
    if (code.includes("R") || code.includes("C")) index++;
    if (file.startsWith(inside)) changed.add(file.slice(inside.length));
  }
  return changed;
}

/**
 * The union of what tools wrote and what git reports changed since the start. A file that was
 * already changed before the run is listed only when a tool wrote it. `.harness/` is left out.
 */
async function collectFilesChanged(
  root: string,
  wrote: ReadonlySet<string>,
  before: ReadonlySet<string> | undefined,
): Promise<string[]> {
  const files = new Set(wrote);
  if (before) {
    for (const file of (await readGitChanges(root)) ?? []) {
      if (!before.has(file)) files.add(file);
    }
  }
  return [...files]
    .map((file) => file.replace(/\\/g, "/").replace(/^\.\//, ""))
    .filter((file) => file !== "" && !file.startsWith(".harness/"))
    .sort();
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function assistantMessage(response: ModelResult): AssistantMessage | undefined {
  const text = response.text;
  if (text === "" && response.toolCalls.length === 0) return undefined;
  return {
    role: "assistant",
    ...(text !== "" ? { text } : {}),
    ...(response.toolCalls.length > 0 ? { toolCalls: response.toolCalls } : {}),
    ...(response.reasoning.length > 0 ? { reasoning: response.reasoning } : {}),
  };
}

/** Runs the loop to its end and returns the run's result (see the file comment). */
export async function runAgentLoop(options: AgentLoopOptions): Promise<AgentRunResult> {
  const clock = options.clock ?? systemAgentClock;
  const startedAt = clock.now();
  const log = await openRunLog(options.runDir, () => clock.now());
  const run = new AgentLoopRun(options, clock, startedAt, log);
  let ending: Ending;
  try {
    ending = await run.execute();
  } finally {
    run.dispose();
  }
  const result = await run.finishRun(ending);
  await log.close();
  return result;
}

/** The state of one run; `runAgentLoop` is its only user. */
class AgentLoopRun {
  private readonly tracker: BudgetTracker;
  private readonly controller = new AbortController();
  private readonly tools: AgentTool[];
  private readonly toolsByName: Map<string, AgentTool>;
  private readonly messages: ModelMessage[];
  private readonly wrote = new Set<string>();
  private readonly sessionId: string;
  /** Messages already sent in a request (the rest go into the next request's transcript line). */
  private sentCount = 0;
  private deadlinePassed = false;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private readonly onOuterAbort = () => this.controller.abort(this.options.signal?.reason);
  private root = "";
  private gitBefore: Set<string> | undefined;

  constructor(
    private readonly options: AgentLoopOptions,
    private readonly clock: AgentClock,
    private readonly startedAt: number,
    private readonly log: RunLog,
  ) {
    this.tracker = new BudgetTracker(options.budgets, {
      now: () => clock.now(),
      startedAt,
      ...(options.prices?.[options.model] ? { price: options.prices[options.model] } : {}),
    });
    this.tools = offeredTools(options.tools, options.budgets.spawnDepth);
    this.toolsByName = new Map(this.tools.map((tool) => [tool.definition.name, tool]));
    this.messages = [{ role: "user", content: options.task }];
    this.sessionId = options.sessionId ?? options.runId;
  }

  private emit(event: RunEvent): void {
    this.log.event(event);
    this.options.onEvent?.(event);
  }

  private at(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /** Sets up the abort wiring, then runs turns until something ends the run. */
  async execute(): Promise<Ending> {
    const outer = this.options.signal;
    if (outer?.aborted) this.controller.abort(outer.reason);
    else outer?.addEventListener("abort", this.onOuterAbort, { once: true });
    const remaining = this.tracker.remainingWallMs();
    // setTimeout cannot wait longer than 2^31-1 ms; such a budget is only checked between steps.
    if (remaining <= 2_147_483_647) {
      this.deadlineTimer = setTimeout(() => {
        this.deadlinePassed = true;
        this.controller.abort(new Error("the wall-time budget has passed"));
      }, remaining);
      this.deadlineTimer.unref();
    }
    this.emit({
      type: "run-started",
      runId: this.options.runId,
      agent: this.options.agent,
      model: this.options.model,
      tools: this.tools.map((tool) => tool.definition.name),
    });
    try {
      this.root = await realpath(this.options.workspace);
      this.gitBefore = await readGitChanges(this.root);
      return await this.turns();
    } catch (error) {
      if (this.controller.signal.aborted) return this.abortedEnding();
      return {
        status: "failed",
        summary: `The run failed: ${errorMessage(error)}`,
        error: errorMessage(error),
      };
    }
  }

  dispose(): void {
    clearTimeout(this.deadlineTimer);
    this.options.signal?.removeEventListener("abort", this.onOuterAbort);
  }

  private async turns(): Promise<Ending> {
    const definitions = this.tools.map((tool) => tool.definition);
    const firstPromptChars =
      this.options.system.length + this.options.task.length + JSON.stringify(definitions).length;
    let nudged = false;
    for (;;) {
      const hit = this.tracker.checkBeforeCall(firstPromptChars);
      if (hit) return this.budgetEnding(hit);
      if (this.controller.signal.aborted) return this.abortedEnding();

      this.tracker.startCall();
      const turn = this.tracker.turns;
      this.emit({ type: "turn-started", turn });
      this.log.transcript({
        type: "request",
        turn,
        at: this.at(),
        model: this.options.model,
        sessionId: this.sessionId,
        ...(turn === 1 ? { system: this.options.system, tools: definitions } : {}),
        messages: this.messages.slice(this.sentCount),
      });
      this.sentCount = this.messages.length;

      const started = performance.now();
      let response: ModelResult;
      try {
        response = await this.options.client
          .stream({
            model: this.options.model,
            system: this.options.system,
            // A copy: the request must not change when later messages are appended.
            messages: this.messages.slice(),
            ...(definitions.length > 0 ? { tools: definitions } : {}),
            sessionId: this.sessionId,
            signal: this.controller.signal,
            ...(this.options.maxTokensPerTurn !== undefined
              ? { maxTokens: this.options.maxTokensPerTurn }
              : {}),
            ...(this.options.toolChoice ? { toolChoice: this.options.toolChoice } : {}),
            ...(this.options.temperature !== undefined
              ? { temperature: this.options.temperature }
              : {}),
            ...(this.options.thinking !== undefined ? { thinking: this.options.thinking } : {}),
          })
          .result();
      } catch (error) {
        if (this.controller.signal.aborted) return this.abortedEnding();
        const kind = isHarnessError(error) ? ` (${error.name})` : "";
        return {
          status: "failed",
          summary: `The run failed: the model call of turn ${turn} failed${kind}: ${errorMessage(error)}`,
          error: errorMessage(error),
        };
      }
      this.tracker.addUsage(response.usage);
      this.log.transcript({
        type: "response",
        turn,
        at: this.at(),
        text: response.text,
        toolCalls: response.toolCalls,
        ...(response.reasoning.length > 0 ? { reasoning: response.reasoning } : {}),
        usage: response.usage,
        stopReason: response.stopReason,
        ms: Math.round(performance.now() - started),
      });
      const assistant = assistantMessage(response);
      if (assistant) this.messages.push(assistant);

      if (response.toolCalls.length === 0) {
        if (!nudged && this.toolsByName.has(FINISH_TOOL_NAME)) {
          nudged = true;
          this.messages.push({ role: "user", content: FINISH_NUDGE });
          continue;
        }
        const text = response.text.trim();
        return text !== ""
          ? { status: "done", summary: text }
          : {
              status: "failed",
              summary: "The model ended the run without an answer or a finish call.",
              error: "the model answered with neither text nor a tool call",
            };
      }

      for (const call of response.toolCalls) {
        const step = await this.runToolCall(call, turn);
        this.messages.push(step.message);
        if (step.ending) return step.ending;
        if (step.finish) {
          return {
            status: step.finish.status,
            summary: step.finish.summary,
            ...(step.finish.output !== undefined ? { output: step.finish.output } : {}),
          };
        }
        const stuck = this.tracker.recordToolCall(call.name, call.input, step.isError);
        if (stuck) return this.budgetEnding(stuck);
        const late = this.tracker.checkWallTime();
        if (late) return this.budgetEnding(late);
      }
    }
  }

  private async runToolCall(call: ModelToolCall, turn: number): Promise<ToolStep> {
    this.emit({ type: "tool-called", turn, id: call.id, name: call.name, input: call.input });
    const started = performance.now();
    let outcome: ToolOutcome;
    let ending: Ending | undefined;
    const tool = this.toolsByName.get(call.name);
    if (!tool) {
      outcome = { content: this.describeMissingTool(call.name), isError: true };
    } else {
      try {
        outcome = await tool.run(call.input, this.toolContext());
      } catch (error) {
        if (error instanceof ToolError) {
          outcome = { content: `Error: ${error.message}`, isError: true };
        } else if (error instanceof ZodError) {
          outcome = {
            content: `Error: invalid input for ${call.name}: ${z.prettifyError(error)}`,
            isError: true,
          };
        } else if (this.controller.signal.aborted) {
          ending = this.abortedEnding();
          outcome = { content: `Error: ${ending.summary}`, isError: true };
        } else {
          const message = `the ${call.name} tool failed unexpectedly: ${errorMessage(error)}`;
          ending = { status: "failed", summary: `The run failed: ${message}`, error: message };
          outcome = { content: `Error: ${message}`, isError: true };
        }
      }
    }
    const isError = outcome.isError === true;
    const { text, cutChars } = truncateToolOutput(outcome.content, this.options.maxOutputChars);
    for (const file of outcome.wrote ?? []) this.wrote.add(file);
    this.emit({
      type: "tool-finished",
      turn,
      id: call.id,
      name: call.name,
      isError,
      ms: Math.round((performance.now() - started) * 1000) / 1000,
      chars: outcome.content.length,
      cutChars,
    });
    return {
      message: {
        role: "tool",
        toolCallId: call.id,
        content: text,
        ...(isError ? { isError: true } : {}),
      },
      isError,
      ...(outcome.finish ? { finish: outcome.finish } : {}),
      ...(ending ? { ending } : {}),
    };
  }

  private describeMissingTool(name: string): string {
    if (isAgentSpawningTool(name) && this.options.budgets.spawnDepth === 0) {
      return `Error: ${name} is refused: this agent may not start other agents (spawn depth 0). Do the work yourself with the tools you have.`;
    }
    const known = this.tools.map((tool) => tool.definition.name).join(", ");
    return `Error: there is no tool named "${name}". The tools are: ${known || "none"}.`;
  }

  private toolContext(): ToolContext {
    return {
      root: this.root,
      signal: this.controller.signal,
      env: this.options.env,
      commandPolicy: this.options.commandPolicy,
      skills: this.options.skills ?? new Map(),
      maxOutputChars: this.options.maxOutputChars,
    };
  }

  private budgetEnding(hit: BudgetHit): Ending {
    this.emit({ type: "budget-hit", budget: hit.budget, detail: hit.reason });
    return {
      status: hit.status,
      budget: hit.budget,
      summary: `Stopped after ${this.tracker.turns} turn(s): ${hit.reason}.`,
    };
  }

  /** The wall-time deadline or the caller's signal aborted the run. */
  private abortedEnding(): Ending {
    if (this.deadlinePassed || this.tracker.checkWallTime()) {
      return this.budgetEnding({
        budget: "wall-time",
        status: "timed-out",
        reason: "the wall-time budget has passed",
      });
    }
    return {
      status: "failed",
      summary: "The run was cancelled.",
      error: `cancelled: ${errorMessage(this.options.signal?.reason ?? "aborted")}`,
    };
  }

  /** Adds files, usage and timing to `ending`, and writes the closing log lines. */
  async finishRun(ending: Ending): Promise<AgentRunResult> {
    const filesChanged = this.root
      ? await collectFilesChanged(this.root, this.wrote, this.gitBefore)
      : [...this.wrote].sort();
    const result: AgentRunResult = {
      runId: this.options.runId,
      runner: this.options.runner ?? "builtin",
      agent: this.options.agent,
      status: ending.status,
      ...(ending.budget ? { budget: ending.budget } : {}),
      summary: ending.summary,
      ...(ending.output !== undefined ? { output: ending.output } : {}),
      filesChanged,
      usage: { ...this.tracker.usage },
      costUsd: this.tracker.costUsd,
      turns: this.tracker.turns,
      durationMs: this.clock.now() - this.startedAt,
      transcriptPath: this.log.transcriptPath,
      ...(ending.error !== undefined ? { error: ending.error } : {}),
    };
    this.emit({
      type: "run-finished",
      status: result.status,
      ...(result.budget ? { budget: result.budget } : {}),
      turns: result.turns,
      usage: result.usage,
      costUsd: result.costUsd ?? 0,
      durationMs: result.durationMs,
      filesChanged,
    });
    this.log.transcript({
      type: "run-ended",
      at: this.at(),
      messages: this.messages.slice(this.sentCount),
      result,
    });
    return result;
  }
}
