/**
 * `harness queue ls|show|stats|retry|cancel|drop`: look at and steer the work queue. The queue is
 * the one source of truth for work state; these commands read and change it, nothing else.
 */
import { requireConfig } from "../config/load-config.js";
import { ExitCode, InputError } from "../errors.js";
import { QueueItemNotFoundError } from "../queue/errors.js";
import { describeQueueLocation, findRepoRoot, openQueue } from "../queue/open-queue.js";
import { queueStates, type Queue, type QueueItem, type QueueState } from "../queue/types.js";
import type { CommandContext, CommandResult } from "./context.js";

async function withQueue<T>(
  ctx: CommandContext,
  config: string | undefined,
  task: (queue: Queue, where: string) => Promise<T>,
): Promise<T> {
  const loaded = await requireConfig({ cwd: ctx.cwd, env: ctx.env, file: config });
  const root = findRepoRoot(ctx.cwd, loaded.path);
  const queue = await openQueue({ config: loaded.config, root, worker: "cli" });
  try {
    return await task(queue, describeQueueLocation(loaded.config, root));
  } finally {
    await queue.close();
  }
}

export function parseState(value: string | undefined): QueueState | undefined {
  if (value === undefined) return undefined;
  if ((queueStates as readonly string[]).includes(value)) return value as QueueState;
  throw new InputError(`unknown state "${value}"`, {
    hint: `use one of ${queueStates.join(", ")}`,
  });
}

/** "3m", "2h", "5d": how long ago (or, negative, how long until) an ISO timestamp is. */
export function formatAge(iso: string | undefined, now: number): string {
  if (!iso) return "-";
  const ms = now - Date.parse(iso);
  if (Number.isNaN(ms)) return "-";
  const sign = ms < 0 ? "in " : "";
  const abs = Math.abs(ms);
  const units: Array<[number, string]> = [
    [86_400_000, "d"],
    [3_600_000, "h"],
    [60_000, "m"],
    [1_000, "s"],
  ];
  for (const [size, unit] of units) {
    if (abs >= size) return `${sign}${Math.floor(abs / size)}${unit}`;
  }
  return ms < 0 ? "in <1s" : "now";
}

/** What a person needs in the STATUS column: who holds it, when it may run again, why it failed. */
export function itemNote(item: QueueItem, now: number): string {
  if (item.state === "running" && item.lease) {
    return `${item.lease.owner}, lease ${formatAge(item.lease.expiresAt, now)}`;
  }
  if (item.state === "pending" && item.notBefore && Date.parse(item.notBefore) > now) {
    return `ready ${formatAge(item.notBefore, now)}`;
  }
  if (item.state === "failed") return item.errors.at(-1)?.message.split("\n")[0] ?? "";
  return "";
}

export function formatQueueTable(items: readonly QueueItem[], now: number, width = 100): string[] {
  const idWidth = Math.min(40, Math.max(2, ...items.map((item) => item.id.length)));
  const header = `${"ID".padEnd(idWidth)}  STATE    PRI  TRY  AGE   TITLE`;
  const rows = items.map((item) => {
    const note = itemNote(item, now);
    const base = `${item.id.slice(0, idWidth).padEnd(idWidth)}  ${item.state.padEnd(7)}  ${String(
      item.priority,
    ).padStart(3)}  ${`${item.attempts}/${item.maxAttempts}`.padEnd(3)}  ${formatAge(
      item.updatedAt,
      now,
    ).padEnd(4)}  ${item.title}${note ? ` (${note})` : ""}`;
    return base.length > width ? `${base.slice(0, width - 1)}…` : base;
  });
  return [header, ...rows];
}

export function itemRecord(item: QueueItem, withBody = false): Record<string, unknown> {
  const { body, ...rest } = item;
  return { type: "item", ...rest, ...(withBody ? { body } : {}) };
}

export async function runQueueList(
  options: { state?: string; limit?: number; config?: string },
  ctx: CommandContext,
): Promise<CommandResult> {
  const state = parseState(options.state);
  return withQueue(ctx, options.config, async (queue, where) => {
    const listed = await queue.list({
      ...(state ? { state } : {}),
      ...(options.limit ? { limit: options.limit } : {}),
    });
    const { output } = ctx;
    for (const problem of listed.problems) {
      output.warn(`${problem.location}: ${problem.message}`);
      output.record({ type: "problem", ...problem });
    }
    if (output.json) {
      for (const item of listed.items) output.record(itemRecord(item));
      output.record({
        type: "result",
        command: "queue ls",
        items: listed.items.length,
        problems: listed.problems.length,
      });
      return { exitCode: ExitCode.ok };
    }
    if (listed.items.length === 0) {
      output.line(`no ${state ?? "queued"} items in ${where}`);
      return { exitCode: ExitCode.ok };
    }
    const width = Number(ctx.env.COLUMNS) || process.stdout.columns || 100;
    const [header, ...rows] = formatQueueTable(listed.items, Date.now(), width);
    output.line(output.style.bold(header ?? ""));
    for (const row of rows) output.line(row);
    return { exitCode: ExitCode.ok };
  });
}

async function requireItem(queue: Queue, id: string): Promise<QueueItem> {
  const item = await queue.get(id);
  if (!item) throw new QueueItemNotFoundError(id);
  return item;
}

export async function runQueueShow(
  options: { id: string; config?: string },
  ctx: CommandContext,
): Promise<CommandResult> {
  return withQueue(ctx, options.config, async (queue) => {
    const item = await requireItem(queue, options.id);
    const { output } = ctx;
    if (output.json) {
      output.record(itemRecord(item, true));
      output.record({ type: "result", command: "queue show", id: item.id, state: item.state });
      return { exitCode: ExitCode.ok };
    }
    const now = Date.now();
    output.line(output.style.bold(`${item.id}: ${item.title}`));
    output.line(
      `state ${item.state}, priority ${item.priority}, attempts ${item.attempts}/${item.maxAttempts}`,
    );
    output.line(`created ${item.createdAt} (${formatAge(item.createdAt, now)} ago)`);
    const note = itemNote(item, now);
    if (note) output.line(note);
    for (const error of item.errors) {
      output.line(
        output.style.yellow(
          `attempt ${error.attempt} ${error.kind} at ${error.at}: ${error.message}`,
        ),
      );
    }
    if (item.result !== undefined) output.line(`result: ${JSON.stringify(item.result)}`);
    if (Object.keys(item.data).length > 0) output.line(`data: ${JSON.stringify(item.data)}`);
    if (item.body.trim()) {
      output.line();
      output.line(item.body.trimEnd());
    }
    return { exitCode: ExitCode.ok };
  });
}

export async function runQueueStats(
  options: { config?: string },
  ctx: CommandContext,
): Promise<CommandResult> {
  return withQueue(ctx, options.config, async (queue, where) => {
    const stats = await queue.stats();
    const { output } = ctx;
    if (output.json) {
      output.record({ type: "stats", driver: queue.driver, ...stats });
      output.record({ type: "result", command: "queue stats", driver: queue.driver, ...stats });
      return { exitCode: ExitCode.ok };
    }
    output.line(`${queue.driver} queue at ${where}`);
    output.line(
      `pending ${stats.pending} (delayed ${stats.delayed})  running ${stats.running}  done ${stats.done}  failed ${stats.failed}`,
    );
    if (stats.corrupt > 0) {
      output.warn(`${stats.corrupt} item(s) cannot be read; \`harness queue ls\` names them`);
    }
    return { exitCode: ExitCode.ok };
  });
}

export async function runQueueRetry(
  options: { id: string; config?: string },
  ctx: CommandContext,
): Promise<CommandResult> {
  return withQueue(ctx, options.config, async (queue) => {
    await requireItem(queue, options.id);
    const item = await queue.retry(options.id);
    ctx.output.record(itemRecord(item));
    ctx.output.record({ type: "result", command: "queue retry", id: item.id, state: item.state });
    ctx.output.line(`${item.id} is pending again`);
    return { exitCode: ExitCode.ok };
  });
}

export async function runQueueCancel(
  options: { id: string; reason?: string; config?: string },
  ctx: CommandContext,
): Promise<CommandResult> {
  return withQueue(ctx, options.config, async (queue) => {
    const before = await requireItem(queue, options.id);
    if (before.state === "done" || before.state === "failed") {
      ctx.output.line(`${before.id} is already ${before.state}; nothing to cancel`);
      ctx.output.record(itemRecord(before));
      ctx.output.record({
        type: "result",
        command: "queue cancel",
        id: before.id,
        state: before.state,
      });
      return { exitCode: ExitCode.ok };
    }
    const item = await queue.cancel(
      options.id,
      options.reason ?? "cancelled from the command line",
    );
    if (!item) throw new QueueItemNotFoundError(options.id);
    ctx.output.record(itemRecord(item));
    ctx.output.record({ type: "result", command: "queue cancel", id: item.id, state: item.state });
    ctx.output.line(
      before.state === "running"
        ? `${item.id} cancelled; its worker stops at its next lease renewal`
        : `${item.id} cancelled`,
    );
    return { exitCode: ExitCode.ok };
  });
}

export async function runQueueDrop(
  options: { id: string; config?: string },
  ctx: CommandContext,
): Promise<CommandResult> {
  return withQueue(ctx, options.config, async (queue) => {
    const existed = await queue.drop(options.id);
    if (!existed) throw new QueueItemNotFoundError(options.id);
    ctx.output.record({ type: "result", command: "queue drop", id: options.id, dropped: true });
    ctx.output.line(`${options.id} dropped`);
    return { exitCode: ExitCode.ok };
  });
}
