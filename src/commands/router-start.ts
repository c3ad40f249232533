/**
 * `harness router start`: runs the model router in the foreground until Ctrl-C / SIGTERM.
 * Reloads harness.config.yaml on SIGHUP or when the file changes; a config with errors is
 * reported and the running one kept.
 */
import { watch, type FSWatcher } from "node:fs";
import { requireConfig } from "../config/load-config.js";
import type { HarnessConfig } from "../config/schema.js";
import type { HarnessEvent } from "../events.js";
import type { Output } from "../output.js";
import { effectiveBackends, serveRouter } from "../workflows/serve-router.js";
import type { CommandContext, CommandResult } from "./context.js";

export interface RouterStartOptions {
  /** A config file other than the repo's harness.config.yaml. */
  config?: string;
  port?: number;
  host?: string;
}

export async function runRouterStart(
  options: RouterStartOptions,
  ctx: CommandContext,
): Promise<CommandResult> {
  const { output } = ctx;
  const load = async (): Promise<{ config: HarnessConfig; path?: string }> => {
    const loaded = await requireConfig({ cwd: ctx.cwd, env: ctx.env, file: options.config });
    const router = {
      ...loaded.config.router,
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.host !== undefined ? { host: options.host } : {}),
    };
    return { config: { ...loaded.config, router }, path: loaded.path };
  };

  const first = await load();
  const running = await serveRouter({
    config: first.config,
    events: { emit: (event) => renderEvent(event, output) },
    onProgress: ({ backend, downloadedBytes, totalBytes }) =>
      output.progress(`downloading model for ${backend}`, downloadedBytes, totalBytes),
  });
  describeStart(running.url, first, output);

  let reloading = Promise.resolve();
  const reload = (why: string) => {
    reloading = reloading.then(async () => {
      try {
        const next = await load();
        await running.reload(next.config);
        output.line(
          `reloaded the config (${why}): ${effectiveBackends(next.config).length} backend(s)`,
        );
        output.record({ type: "router-reloaded", reason: why });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        output.error(`config not reloaded, still running the previous one: ${message}`);
      }
    });
  };
  const onHangup = () => reload("SIGHUP");
  process.on("SIGHUP", onHangup);
  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  if (first.path) {
    watcher = watch(first.path, () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => reload("file changed"), 300);
    });
  }

  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    else ctx.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  process.removeListener("SIGHUP", onHangup);
  watcher?.close();
  clearTimeout(debounce);
  await reloading;
  await running.close();
  output.line("router stopped");
  return { exitCode: 0, signalIsNormalStop: true };
}

function describeStart(
  url: string,
  loaded: { config: HarnessConfig; path?: string },
  output: Output,
) {
  const backends = effectiveBackends(loaded.config);
  output.record({
    type: "router-started",
    url,
    strategy: loaded.config.router.strategy,
    backends: backends.map((backend) => ({ name: backend.name, kind: backend.kind })),
  });
  const { style } = output;
  output.line(`${style.bold("harness router")} listening on ${style.cyan(url)}`);
  output.line(
    `  ${backends.length} backend(s): ${backends.map((b) => `${b.name} (${b.kind})`).join(", ")}; strategy ${loaded.config.router.strategy}`,
  );
  output.line(`  config: ${loaded.path ?? "built-in defaults"}`);
  output.line("");
  output.line("Point clients at it:");
  output.line(`  ANTHROPIC_BASE_URL=${url} claude -p "..."`);
  output.line(`  OPENAI_BASE_URL=${url}/v1 (openai SDK, Codex)`);
  output.line(`  curl ${url}/status   ·   harness router status`);
}

function renderEvent(event: HarnessEvent, output: Output) {
  output.event(event);
  if (output.json) return;
  const record = event as { type: string; backend?: string; message?: string; detail?: string };
  if (record.type.startsWith("backend-") || record.type === "warning-raised") {
    const subject = record.backend ? `${record.backend}: ` : "";
    output.line(
      `${output.style.dim(new Date().toISOString().slice(11, 19))} ${record.type} ${subject}${record.message ?? record.detail ?? ""}`,
    );
  }
}
