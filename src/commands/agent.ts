/**
 * `harness agent run <agent> "<task>"` and `harness command run <name> [args...]`: one agent run
 * on this repository (or `--workspace`), through the router, under the config's budgets. The
 * result is the same whichever runner ran: status, summary, files changed, tokens, cost, turns,
 * time and the transcript's path.
 */
import { requireConfig } from "../config/load-config.js";
import { ExitCode, InputError } from "../errors.js";
import type { HarnessEvent } from "../events.js";
import type { AgentDefinition, AgentRunResult, RunnerName } from "../agents/types.js";
import { findRepoRoot } from "../queue/open-queue.js";
import type { CommandContext, CommandResult } from "./context.js";

export interface AgentRunOptions {
  runner?: string;
  maxTurns?: number;
  model?: string;
  /** An explicit router URL; default: the configured one, else one started in-process. */
  router?: string;
  config?: string;
}

const runners: readonly RunnerName[] = ["builtin", "claude", "codex"];

export function parseRunner(value: string | undefined, fallback: RunnerName): RunnerName {
  if (value === undefined) return fallback;
  if ((runners as readonly string[]).includes(value)) return value as RunnerName;
  throw new InputError(`unknown runner "${value}"`, { hint: `use ${runners.join(", ")}` });
}

/** The exit code of a run: 0 done, 1 failed, 7 a budget (or the wall clock) ended it. */
export function exitCodeOf(result: AgentRunResult): number {
  if (result.status === "done") return ExitCode.ok;
  if (result.status === "failed") return ExitCode.failed;
  return ExitCode.budget;
}

export function formatRunResult(result: AgentRunResult): string[] {
  const seconds = (result.durationMs / 1000).toFixed(1);
  const { inputTokens, outputTokens, cachedTokens } = result.usage;
  const lines = [
    `${result.status}${result.budget ? ` (${result.budget} budget)` : ""}: ${result.agent} on ${result.runner}, ${result.turns} turn(s), ${seconds} s`,
    `tokens: ${inputTokens} in (${cachedTokens} cached), ${outputTokens} out${
      result.costUsd !== undefined ? `; cost $${result.costUsd.toFixed(4)}` : ""
    }`,
    `files changed: ${result.filesChanged.length > 0 ? result.filesChanged.join(", ") : "none"}`,
    `transcript: ${result.transcriptPath}`,
  ];
  if (result.error) lines.push(`error: ${result.error}`);
  if (result.summary.trim()) lines.push("", result.summary.trim());
  return lines;
}

async function runWith(
  ctx: CommandContext,
  options: AgentRunOptions,
  prepare: (repoRoot: string) => Promise<{ agent: AgentDefinition; task: string; model?: string }>,
): Promise<CommandResult> {
  const { output } = ctx;
  const loaded = await requireConfig({ cwd: ctx.cwd, env: ctx.env, file: options.config });
  const config = loaded.config;
  const runner = parseRunner(options.runner, config.agents.runner);
  const repoRoot = findRepoRoot(ctx.cwd, loaded.path);
  const { agent, task, model } = await prepare(repoRoot);
  const [{ connectRouter }, { runAgent }] = await Promise.all([
    import("../workflows/router-connection.js"),
    import("../workflows/run-agent.js"),
  ]);
  const events = {
    emit: (event: HarnessEvent) => {
      if (event.type === "warning-raised") output.warn(event.message);
      if (event.type === "agent-tool-finished") {
        const verdict = event.isError ? output.style.yellow("error") : "ok";
        output.line(
          output.style.dim(`  turn ${event.turn}: ${event.tool} ${verdict}, ${event.ms} ms`),
        );
      }
      output.event(event);
    },
  };
  const router = await connectRouter({
    config,
    events,
    ...(options.router ? { url: options.router } : {}),
    onProgress: ({ backend, downloadedBytes, totalBytes }) =>
      output.progress(`downloading model for ${backend}`, downloadedBytes, totalBytes),
  });
  if (router.started) output.line(output.style.dim(`router started in-process at ${router.url}`));
  try {
    output.line(output.style.dim(`running ${agent.name} with the ${runner} runner...`));
    const result = await runAgent({
      config,
      repoRoot,
      workspace: ctx.cwd,
      agent,
      task,
      runner,
      routerUrl: router.url,
      ...((options.model ?? model) ? { model: options.model ?? model } : {}),
      ...(options.maxTurns ? { maxTurns: options.maxTurns } : {}),
      env: ctx.env,
      signal: ctx.signal,
      events,
    });
    for (const line of formatRunResult(result)) output.line(line);
    output.record({ type: "result", command: "agent run", ...result });
    return { exitCode: exitCodeOf(result) };
  } finally {
    await router.close();
  }
}

export async function runAgentCommand(
  options: AgentRunOptions & { agent: string; task: string },
  ctx: CommandContext,
): Promise<CommandResult> {
  if (options.task.trim() === "") {
    throw new InputError("the task is empty", {
      hint: 'say what the agent should do: harness agent run implementer "fix the typo in README"',
    });
  }
  return runWith(ctx, options, async (repoRoot) => {
    const { loadAgentDefinition } = await import("../agents/definitions.js");
    return { agent: await loadAgentDefinition(repoRoot, options.agent), task: options.task };
  });
}

export async function runSlashCommand(
  options: AgentRunOptions & { name: string; args: string[]; print?: boolean },
  ctx: CommandContext,
): Promise<CommandResult> {
  if (options.print) {
    const loaded = await requireConfig({ cwd: ctx.cwd, env: ctx.env, file: options.config });
    const { renderCommand } = await import("../agents/definitions.js");
    const rendered = await renderCommand(
      findRepoRoot(ctx.cwd, loaded.path),
      options.name,
      options.args,
    );
    ctx.output.line(rendered.prompt);
    ctx.output.record({ type: "result", command: "command run", ...rendered });
    return { exitCode: ExitCode.ok };
  }
  return runWith(ctx, options, async (repoRoot) => {
    const { renderCommand } = await import("../agents/definitions.js");
    const { commandAgent } = await import("../workflows/run-agent.js");
    const rendered = await renderCommand(repoRoot, options.name, options.args);
    return {
      agent: commandAgent(rendered.name, rendered.description),
      task: rendered.prompt,
      ...(rendered.model && rendered.model !== "inherit" ? { model: rendered.model } : {}),
    };
  });
}
