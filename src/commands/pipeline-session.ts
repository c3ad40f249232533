/**
 * What `harness plan`, `harness work`, `harness run` and `harness daemon` all open before a
 * stage runs: the config, the repository root, the tracker, the queue, the router (the
 * configured one, or one started in-process), a model client to it, and the run's budget. One
 * place, so every command reports the same warnings and closes things in the same order.
 */
import { requireConfig } from "../config/load-config.js";
import type { HarnessConfig } from "../config/schema.js";
import type { EventSink, HarnessEvent } from "../events.js";
import type { ModelClient, ModelStream } from "../models/model-client.js";
import type { Queue } from "../queue/types.js";
import type { TrackerChoice } from "../tracker/create-tracker.js";
import type { StageContext } from "../workflows/pipeline-contract.js";
import type { TriageStateStore } from "../workflows/triage-state.js";
import type { CommandContext } from "./context.js";

export interface PipelineSession {
  config: HarnessConfig;
  repoRoot: string;
  /** Everything a stage needs; its budget is this session's run budget. */
  stage: StageContext;
  tracker: TrackerChoice;
  queue: Queue;
  triageState: TriageStateStore;
  events: EventSink;
  /** Stops the in-process router (if one was started) and closes the queue. */
  close(): Promise<void>;
}

export interface OpenPipelineOptions {
  /** `--config` */
  config?: string | undefined;
  /** Extra receiver of every event (the status view, a JSON-lines log). */
  onEvent?: (event: HarnessEvent) => void;
  /** Where the "tracker: …" and "router started …" lines go; default a dim line on stdout. */
  log?: (message: string) => void;
}

export async function openPipelineSession(
  ctx: CommandContext,
  options: OpenPipelineOptions = {},
): Promise<PipelineSession> {
  const { output } = ctx;
  const loaded = await requireConfig({ cwd: ctx.cwd, env: ctx.env, file: options.config });
  const config = loaded.config;
  const [
    { findRepoRoot, openQueue },
    { createTracker },
    { connectRouter, configuredRouterUrl },
    { createModelClient },
    { createFileTriageStateStore },
    { createFileDaySpendStore, createPipelineBudget },
  ] = await Promise.all([
    import("../queue/open-queue.js"),
    import("../tracker/create-tracker.js"),
    import("../workflows/router-connection.js"),
    import("../models/create-model-client.js"),
    import("../workflows/triage-state.js"),
    import("../workflows/pipeline-budget.js"),
  ]);
  const repoRoot = findRepoRoot(ctx.cwd, loaded.path);
  const log = options.log ?? ((message: string) => output.line(output.style.dim(message)));
  const events: EventSink = {
    emit: (event) => {
      if (event.type === "warning-raised") output.warn(event.message);
      output.event(event);
      options.onEvent?.(event);
    },
  };
  const tracker = await createTracker({
    root: repoRoot,
    config,
    env: ctx.env,
    onNotice: (notice) => {
      if (notice.kind !== "retrying") output.warn(notice.message);
    },
  });
  if (tracker.warning) output.warn(tracker.warning);
  log(`tracker: ${tracker.tracker.description}`);
  const queue = await openQueue({ config, root: repoRoot, events });
  // The router (and with it, on embedded defaults, llama.cpp and its model) starts only when a
  // stage first calls a model: a cycle with nothing to do starts nothing.
  let router: Promise<Awaited<ReturnType<typeof connectRouter>>> | undefined;
  const ensureRouter = () =>
    (router ??= connectRouter({
      config,
      events,
      onProgress: ({ backend, downloadedBytes, totalBytes }) =>
        output.progress(`downloading model for ${backend}`, downloadedBytes, totalBytes),
    }).then((connection) => {
      if (connection.started) log(`router started in-process at ${connection.url}`);
      return connection;
    }));
  let client: Promise<ModelClient> | undefined;
  const ensureClient = () =>
    (client ??= ensureRouter().then((connection) =>
      createModelClient({
        protocol: "openai",
        baseURL: connection.url,
        ...(connection.token ? { apiKey: connection.token } : {}),
      }),
    ));
  const budget = createPipelineBudget({ config, store: createFileDaySpendStore(repoRoot) });
  return {
    config,
    repoRoot,
    tracker,
    queue,
    triageState: createFileTriageStateStore(repoRoot),
    events,
    stage: {
      repoRoot,
      config,
      tracker: tracker.tracker,
      queue,
      client: lazyModelClient(ensureClient),
      routerUrl: configuredRouterUrl(config),
      resolveRouterUrl: async () => (await ensureRouter()).url,
      budget,
      env: ctx.env,
      signal: ctx.signal,
      events,
    },
    async close() {
      try {
        if (router) await (await router.catch(() => undefined))?.close();
      } finally {
        await queue.close();
      }
    },
  };
}

/** A client that opens the real one on its first call. */
function lazyModelClient(open: () => Promise<ModelClient>): ModelClient {
  return {
    stream(request): ModelStream {
      const inner = open().then((client) => client.stream(request));
      inner.catch(() => undefined);
      return {
        async *[Symbol.asyncIterator]() {
          yield* await inner;
        },
        result: () => inner.then((stream) => stream.result()),
      };
    },
  };
}
