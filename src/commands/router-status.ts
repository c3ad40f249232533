/**
 * `harness router status`: reads the router's /status. On a terminal it is a live ink table
 * (refreshed every second, q to quit); otherwise, or with --once, a plain table; --json prints
 * the status object for scripts.
 */
import { requireConfig } from "../config/load-config.js";
import { NetworkError } from "../errors.js";
import type { Output } from "../output.js";
import {
  formatStatusCells,
  formatStatusHeader,
  statusColumnWidths,
  type BackendStatusRow,
} from "../ui/router-status-format.js";
import type { CommandContext, CommandResult } from "./context.js";

export interface RouterStatusOptions {
  url?: string;
  once?: boolean;
}

export async function runRouterStatus(
  options: RouterStatusOptions,
  ctx: CommandContext,
): Promise<CommandResult> {
  const { url, token } = await resolveRouter(options, ctx);
  const fetchStatus = () => readStatus(url, token, ctx.signal);
  const { output } = ctx;

  if (output.json || options.once || !output.interactive) {
    const status = await fetchStatus();
    output.record({ type: "result", command: "router status", url, ...status });
    if (!output.json) renderPlain(url, toStatusRows(status), output);
    return { exitCode: 0 };
  }

  const [{ render }, { createElement }, { RouterStatusView }] = await Promise.all([
    import("ink"),
    import("react"),
    import("../ui/router-status-view.js"),
  ]);
  let rows: BackendStatusRow[] = toStatusRows(await fetchStatus());
  let problem: string | undefined;
  const view = () =>
    createElement(RouterStatusView, {
      url,
      rows,
      problem,
      updatedAt: new Date().toISOString().slice(11, 19),
    });
  const app = render(view(), { exitOnCtrlC: false });
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
  while (!stop.signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, 1_000).unref());
    if (stop.signal.aborted) break;
    try {
      rows = toStatusRows(await fetchStatus());
      problem = undefined;
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
    app.rerender(view());
  }
  if (input.isTTY) {
    input.off("data", onKey);
    input.setRawMode(false);
    input.pause();
  }
  app.unmount();
  return { exitCode: 0 };
}

async function resolveRouter(options: RouterStatusOptions, ctx: CommandContext) {
  const { config } = await requireConfig({ cwd: ctx.cwd, env: ctx.env });
  const host = config.router.host.includes(":") ? `[${config.router.host}]` : config.router.host;
  return {
    url: (options.url ?? `http://${host}:${config.router.port}`).replace(/\/+$/, ""),
    token: config.router.token,
  };
}

async function readStatus(url: string, token: string, signal: AbortSignal) {
  let response: Response;
  try {
    response = await fetch(`${url}/status`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.any([signal, AbortSignal.timeout(5_000)]),
    });
  } catch (error) {
    throw new NetworkError(`cannot reach the router at ${url} (${(error as Error).message})`, {
      hint: "start it with `harness router start`, or pass --url",
    });
  }
  if (!response.ok) {
    throw new NetworkError(`the router at ${url} answered ${response.status} for /status`, {
      hint: response.status === 401 ? "set router.token to the router's token" : undefined,
    });
  }
  return (await response.json()) as Record<string, unknown>;
}

/** Maps the router's /status JSON to table rows. */
export function toStatusRows(status: Record<string, unknown>): BackendStatusRow[] {
  const backends = Array.isArray(status.backends) ? status.backends : [];
  return backends.map((entry: Record<string, unknown>) => {
    const stats = (entry.stats ?? {}) as Record<string, unknown>;
    const ttft = (stats.ttftMs ?? {}) as { p50?: number; p95?: number };
    return {
      name: String(entry.name ?? "?"),
      kind: String(entry.kind ?? "?"),
      breaker: String(entry.breaker ?? "?"),
      readiness: String(entry.readiness ?? "?"),
      inFlight: Number(entry.inFlight ?? 0),
      slots: typeof entry.slots === "number" ? entry.slots : undefined,
      p50Ms: ttft.p50,
      p95Ms: ttft.p95,
      tokensPerSecond:
        typeof stats.tokensPerSecond === "number" ? stats.tokensPerSecond : undefined,
      cacheHitRatio: typeof stats.cacheHitRatio === "number" ? stats.cacheHitRatio : undefined,
      requests: Number(stats.requests ?? 0),
      errors: Number(stats.failures ?? 0),
    };
  });
}

function renderPlain(url: string, rows: BackendStatusRow[], output: Output) {
  const widths = statusColumnWidths();
  const line = (cells: string[]) =>
    cells
      .map((cell, index) => cell.slice(0, widths[index]! - 1).padEnd(widths[index]!))
      .join("")
      .trimEnd();
  output.line(`router ${url}`);
  output.line(line(formatStatusHeader()));
  for (const row of rows) output.line(line(formatStatusCells(row)));
  if (rows.length === 0) output.line("no backends configured");
}
