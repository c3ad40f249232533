/**
 * `harness triage [--issue N] [--dry-run]`: stage 1 of the issue pipeline on this repository's
 * tracker (GitHub, or the local `.harness/issues/`), one model call per new or edited issue
 * through the router. Prints one line per issue triaged; `--json` adds the whole summary.
 * `--dry-run` computes the verdicts and writes nothing (no label, comment or state file).
 */
import { requireConfig } from "../config/load-config.js";
import { ExitCode, InputError } from "../errors.js";
import type { HarnessEvent } from "../events.js";
import { findRepoRoot } from "../queue/open-queue.js";
import type { TriageItem, TriageSummary } from "../workflows/triage.js";
import type { CommandContext, CommandResult } from "./context.js";

export interface TriageCommandOptions {
  issue?: number;
  config?: string;
  dryRun?: boolean;
}

export function formatTriageItem(item: TriageItem): string {
  const verdict =
    item.verdict === "duplicate" && item.duplicateOf !== undefined
      ? `duplicate of #${item.duplicateOf}`
      : item.verdict;
  return `#${item.issue} ${verdict}, confidence ${item.confidence.toFixed(2)}, ${
    item.trusted ? "trusted" : "untrusted"
  }`;
}

export function formatTriageSummary(summary: TriageSummary, dryRun: boolean): string {
  const parts = [
    `${summary.triaged} triaged`,
    `${summary.skippedUnchanged} unchanged`,
    ...(summary.deferred > 0 ? [`${summary.deferred} left for the next run`] : []),
    ...(summary.failures.length > 0 ? [`${summary.failures.length} failed`] : []),
  ];
  return `${summary.seen} issue(s) seen: ${parts.join(", ")}${dryRun ? " (dry run: nothing written)" : ""}`;
}

export async function runTriageCommand(
  options: TriageCommandOptions,
  ctx: CommandContext,
): Promise<CommandResult> {
  if (options.issue !== undefined && !(Number.isInteger(options.issue) && options.issue > 0)) {
    throw new InputError(`--issue must be a positive issue number, not ${options.issue}`);
  }
  const { output } = ctx;
  const loaded = await requireConfig({ cwd: ctx.cwd, env: ctx.env, file: options.config });
  const config = loaded.config;
  const repoRoot = findRepoRoot(ctx.cwd, loaded.path);
  const [{ createTracker }, { connectRouter }, { createModelClient }, triage, stateModule] =
    await Promise.all([
      import("../tracker/create-tracker.js"),
      import("../workflows/router-connection.js"),
      import("../models/create-model-client.js"),
      import("../workflows/triage.js"),
      import("../workflows/triage-state.js"),
    ]);
  const events = {
    emit: (event: HarnessEvent) => {
      if (event.type === "warning-raised") output.warn(event.message);
      output.event(event);
    },
  };
  const choice = await createTracker({
    root: repoRoot,
    config,
    env: ctx.env,
    onNotice: (notice) => {
      if (notice.kind !== "retrying") output.warn(notice.message);
    },
  });
  if (choice.warning) output.warn(choice.warning);
  output.line(output.style.dim(`tracker: ${choice.tracker.description}`));
  const fileStore = stateModule.createFileTriageStateStore(repoRoot);
  const cursorStore = options.dryRun
    ? { load: () => fileStore.load(), save: async () => {} }
    : fileStore;
  const router = await connectRouter({
    config,
    events,
    onProgress: ({ backend, downloadedBytes, totalBytes }) =>
      output.progress(`downloading model for ${backend}`, downloadedBytes, totalBytes),
  });
  if (router.started) output.line(output.style.dim(`router started in-process at ${router.url}`));
  try {
    const client = createModelClient({
      protocol: "openai",
      baseURL: router.url,
      ...(router.token ? { apiKey: router.token } : {}),
    });
    const summary = await triage.triageIssues({
      tracker: choice.tracker,
      client,
      repoRoot,
      config,
      cursorStore,
      ...(options.issue !== undefined ? { issue: options.issue } : {}),
      ...(options.dryRun ? { dryRun: true } : {}),
      signal: ctx.signal,
      events,
    });
    for (const item of summary.items) output.line(formatTriageItem(item));
    output.line(formatTriageSummary(summary, options.dryRun === true));
    output.record({
      type: "result",
      command: "triage",
      dryRun: options.dryRun === true,
      ...summary,
    });
    return { exitCode: summary.failures.length > 0 ? ExitCode.failed : ExitCode.ok };
  } finally {
    await router.close();
  }
}
