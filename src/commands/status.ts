/**
 * `harness status [--json] [--watch]`: where the issue pipeline stands. The queue by state and
 * its latest items, the workers (running items, their lease holder and age), today's budget
 * against its limits, the router's backends (if a router answers at the configured address;
 * status never starts one), the last five runs and the open harness pull requests.
 *
 * It needs no router and no model: config, queue and tracker are opened here directly, not
 * through the pipeline session. A tracker that fails (no network, bad token) leaves a note in
 * the report instead of failing the command. `--json` prints the report as one object; no
 * terminal: plain text; a terminal: the ink dashboard, refreshed every 2 s with `--watch`.
 */
import { requireConfig } from "../config/load-config.js";
import type { HarnessConfig } from "../config/schema.js";
import { ExitCode } from "../errors.js";
import { describeQueueLocation, findRepoRoot, openQueue } from "../queue/open-queue.js";
import type { Queue, QueueItem } from "../queue/types.js";
import type { Tracker } from "../tracker/types.js";
import { formatStatusPlain, type StatusReport } from "../ui/status-format.js";
import { HARNESS_PR_LABEL } from "../workflows/pipeline-contract.js";
import type { CommandContext, CommandResult } from "./context.js";
import { toStatusRows } from "./router-status.js";

export interface StatusCommandOptions {
  watch?: boolean;
  config?: string;
}

export interface StatusSources {
  repoRoot: string;
  config: HarnessConfig;
  queue?: Queue;
  /** Why the queue could not be opened. */
  queueProblem?: string;
  tracker?: Tracker;
  /** Why there is no tracker. */
  trackerProblem?: string;
  signal?: AbortSignal;
  now?: () => Date;
  /** Router and tracker calls give up after this long. Default 3000 and 10000 ms. */
  routerTimeoutMs?: number;
  trackerTimeoutMs?: number;
}

const LATEST_ITEMS = 10;
const RECENT_RUNS = 5;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function withTimeout<T>(task: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer in ${ms / 1_000} s`)), ms);
  });
  try {
    return await Promise.race([task, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function readQueue(
  queue: Queue,
  at: number,
): Promise<Pick<StatusReport, "queue" | "workers">> {
  const [stats, running, pending, done, failed] = await Promise.all([
    queue.stats(),
    queue.list({ state: "running" }),
    queue.list({ state: "pending", limit: LATEST_ITEMS }),
    queue.list({ state: "done", limit: LATEST_ITEMS }),
    queue.list({ state: "failed", limit: LATEST_ITEMS }),
  ]);
  const all: QueueItem[] = [running, pending, done, failed].flatMap((listed) => listed.items);
  const latest = all
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
    .slice(0, LATEST_ITEMS)
    .map((item) => ({
      id: item.id,
      state: item.state,
      title: item.title,
      updatedAt: item.updatedAt,
    }));
  const workers = running.items.map((item) => ({
    id: item.id,
    title: item.title,
    owner: item.lease?.owner ?? "?",
    claimedAt: item.lease?.claimedAt ?? item.updatedAt,
    expiresAt: item.lease?.expiresAt ?? item.updatedAt,
    ageMs: Math.max(0, at - Date.parse(item.lease?.claimedAt ?? item.updatedAt)),
  }));
  return { queue: { location: "", stats, latest }, workers };
}

async function readRouter(
  config: HarnessConfig,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<StatusReport["router"]> {
  const { configuredRouterUrl } = await import("../workflows/router-connection.js");
  const url = configuredRouterUrl(config);
  const token = config.router.token;
  let response: Response;
  try {
    response = await fetch(`${url}/status`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: signal
        ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
        : AbortSignal.timeout(timeoutMs),
    });
  } catch {
    return { url, running: false, backends: [] };
  }
  if (!response.ok) {
    await response.body?.cancel();
    return {
      url,
      running: true,
      backends: [],
      problem: `the router answered ${response.status} for /status${
        response.status === 401 ? " (set router.token to its token)" : ""
      }`,
    };
  }
  try {
    return { url, running: true, backends: toStatusRows((await response.json()) as never) };
  } catch (error) {
    return { url, running: true, backends: [], problem: `unreadable /status: ${errorText(error)}` };
  }
}

async function readPullRequests(sources: StatusSources): Promise<StatusReport["pullRequests"]> {
  if (!sources.tracker) {
    return { items: [], note: `skipped: ${sources.trackerProblem ?? "no tracker"}` };
  }
  try {
    const pulls = await withTimeout(
      sources.tracker.listOpenPullRequests({ label: HARNESS_PR_LABEL }),
      sources.trackerTimeoutMs ?? 10_000,
      "the tracker",
    );
    return {
      items: pulls.map((pull) => ({
        number: pull.number,
        title: pull.title,
        url: pull.url,
        head: pull.head,
      })),
    };
  } catch (error) {
    return { items: [], note: `skipped: the tracker failed: ${errorText(error)}` };
  }
}

/** Reads everything the report shows; parts that fail are noted in it, never thrown. */
export async function gatherStatusReport(sources: StatusSources): Promise<StatusReport> {
  const [{ listRunSummaries }, { createFileDaySpendStore }, { readCycleLock }] = await Promise.all([
    import("../workflows/run-digest.js"),
    import("../workflows/pipeline-budget.js"),
    import("../workflows/cycle-lock.js"),
  ]);
  const now = (sources.now ?? (() => new Date()))();
  const at = now.getTime();
  const day = now.toISOString().slice(0, 10);
  const { config, repoRoot } = sources;
  const location = describeQueueLocation(config, repoRoot);
  const queuePart: Promise<Pick<StatusReport, "queue" | "workers">> = sources.queue
    ? readQueue(sources.queue, at).then(
        (read) => ({ ...read, queue: { ...read.queue, location } }),
        (error: unknown) => ({
          queue: { location, latest: [], problem: errorText(error) },
          workers: [],
        }),
      )
    : Promise.resolve({
        queue: { location, latest: [], problem: sources.queueProblem ?? "not opened" },
        workers: [],
      });
  const [queued, spent, router, runs, pullRequests, holder] = await Promise.all([
    queuePart,
    createFileDaySpendStore(repoRoot).load(day),
    readRouter(config, sources.routerTimeoutMs ?? 3_000, sources.signal),
    listRunSummaries(repoRoot, { limit: RECENT_RUNS }),
    readPullRequests(sources),
    readCycleLock(repoRoot),
  ]);
  const budgets = config.budgets;
  return {
    repoRoot,
    at: now.toISOString(),
    ...(holder ? { cycle: { pid: holder.pid, host: holder.host, since: holder.startedAt } } : {}),
    ...queued,
    budget: {
      day,
      spent: { items: spent.items, tokens: spent.tokens, costUsd: spent.costUsd },
      limits: {
        items: budgets.maxItemsPerDay,
        tokens: budgets.maxTokensPerDay,
        costUsd: budgets.maxCostUsdPerDay,
      },
    },
    router,
    runs: runs.map((run) => ({
      runId: run.runId,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      failed: run.failed,
      ...(run.stoppedBy ? { stoppedBy: run.stoppedBy } : {}),
      stages: {
        triage: { status: run.stages.triage.status, line: run.stages.triage.line },
        plan: { status: run.stages.plan.status, line: run.stages.plan.line },
        work: { status: run.stages.work.status, line: run.stages.work.line },
      },
      digestPath: run.digestPath,
    })),
    pullRequests,
  };
}

async function openSources(
  options: StatusCommandOptions,
  ctx: CommandContext,
): Promise<StatusSources & { close(): Promise<void> }> {
  const loaded = await requireConfig({ cwd: ctx.cwd, env: ctx.env, file: options.config });
  const config = loaded.config;
  const repoRoot = findRepoRoot(ctx.cwd, loaded.path);
  const sources: StatusSources & { close(): Promise<void> } = {
    repoRoot,
    config,
    signal: ctx.signal,
    close: async () => {
      await sources.queue?.close();
    },
  };
  try {
    sources.queue = await openQueue({ config, root: repoRoot, worker: "status" });
  } catch (error) {
    sources.queueProblem = errorText(error);
  }
  try {
    const { createTracker } = await import("../tracker/create-tracker.js");
    const choice = await createTracker({ root: repoRoot, config, env: ctx.env });
    sources.tracker = choice.tracker;
    if (choice.warning) sources.trackerProblem = choice.warning;
  } catch (error) {
    sources.trackerProblem = `the tracker could not be opened: ${errorText(error)}`;
  }
  return sources;
}

export async function runStatusCommand(
  options: StatusCommandOptions,
  ctx: CommandContext,
): Promise<CommandResult> {
  const { output } = ctx;
  const sources = await openSources(options, ctx);
  try {
    const report = await gatherStatusReport(sources);
    if (output.json || !output.interactive) {
      output.record({ type: "result", command: "status", ...report });
      for (const text of formatStatusPlain(report)) output.line(text);
      return { exitCode: ExitCode.ok };
    }
    await renderDashboard(report, sources, options.watch === true, ctx);
    return { exitCode: ExitCode.ok, signalIsNormalStop: options.watch === true };
  } finally {
    await sources.close();
  }
}

async function renderDashboard(
  first: StatusReport,
  sources: StatusSources,
  watch: boolean,
  ctx: CommandContext,
): Promise<void> {
  const [{ render }, { createElement }, { StatusView }] = await Promise.all([
    import("ink"),
    import("react"),
    import("../ui/status-view.js"),
  ]);
  let report = first;
  let problem: string | undefined;
  const view = () =>
    createElement(StatusView, { report, watching: watch, ...(problem ? { problem } : {}) });
  const app = render(view(), { exitOnCtrlC: false, patchConsole: false });
  if (!watch) {
    app.unmount();
    await app.waitUntilExit();
    return;
  }
  const stop = new AbortController();
  ctx.signal.addEventListener("abort", () => stop.abort(), { once: true });
  const onKey = (data: Buffer) => {
    const key = data.toString();
    if (key === "q" || key === "\u0003") stop.abort();
  };
  const input = ctx.stdin as NodeJS.ReadStream;
  if (input.isTTY) {
    input.setRawMode(true);
    input.on("data", onKey);
  }
  try {
    while (!stop.signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2_000);
        stop.signal.addEventListener(
          "abort",
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
      if (stop.signal.aborted) break;
      try {
        report = await gatherStatusReport(sources);
        problem = undefined;
      } catch (error) {
        problem = errorText(error);
      }
      app.rerender(view());
    }
  } finally {
    if (input.isTTY) {
      input.off("data", onKey);
      input.setRawMode(false);
      input.pause();
    }
    app.unmount();
  }
}
