/**
 * Usage as harness measured it: a model client wrapper that reports every call (tokens in, out
 * and cached, its time, whether it ended well), and the sums the reports show per stage.
 *
 * Where each figure comes from, so none is counted twice:
 * - every model call is one `model-call-finished` event from one meter: run-cycle meters the
 *   triage and plan stages' clients; the work stage meters each item's client itself (the
 *   built-in agent's turns, the reviewer, the reporter), so an item's report and the run's
 *   events hold the very same measurements;
 * - agent runs on an external runner (Claude Code, Codex) talk to the router themselves, so
 *   their usage is their `agent-run-finished` event (runner other than `builtin`);
 * - a stage's wall time is its `stage-finished` event (the cycle's, the longest of a run's).
 */
import type { HarnessEvent, PipelineStage } from "../events.js";
import type { ModelClient, ModelEvent, ModelRequest, ModelStream } from "../models/model-client.js";

/** Token counts and calls; `inputTokens` includes the cached part. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  modelCalls: number;
}

/** One metered model call. */
export interface MeteredCall {
  sessionId?: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  ms: number;
  ok: boolean;
}

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cachedTokens: 0, modelCalls: 0 };
}

export function addUsage(into: Usage, more: Partial<Usage>): Usage {
  into.inputTokens += more.inputTokens ?? 0;
  into.outputTokens += more.outputTokens ?? 0;
  into.cachedTokens += more.cachedTokens ?? 0;
  into.modelCalls += more.modelCalls ?? 0;
  return into;
}

export function sumUsage(list: readonly Partial<Usage>[]): Usage {
  return list.reduce<Usage>((sum, usage) => addUsage(sum, usage), emptyUsage());
}

/** The usage of metered calls, one model call each. */
export function usageOfCalls(calls: readonly MeteredCall[]): Usage {
  return sumUsage(calls.map((call) => ({ ...call, modelCalls: 1 })));
}

/** The usage of metered calls with their summed time. */
export function usageWithTime(calls: readonly MeteredCall[]): Usage & { ms: number } {
  return { ...usageOfCalls(calls), ms: calls.reduce((sum, call) => sum + call.ms, 0) };
}

/** A metered client and a way to wait until every call it started has been reported. */
export interface MeteredClient {
  client: ModelClient;
  /** Resolves once `onCall` has run for every call started so far. */
  settled(): Promise<void>;
}

/**
 * `client`, with `onCall` told about every call once it ended (done or error). The caller's
 * stream is the inner one's events, read alongside by the meter; its `result()` settles only
 * after `onCall` ran, so a caller that awaited the result finds the call counted. A caller that
 * only iterates may finish a moment earlier: `settled()` waits for the rest.
 */
export function meterModelClient(
  client: ModelClient,
  onCall: (call: MeteredCall) => void,
): MeteredClient {
  const pending = new Set<Promise<void>>();
  return {
    client: {
      stream(request: ModelRequest): ModelStream {
        const started = performance.now();
        const inner = client.stream(request);
        const metering = meterStream(inner, request, started)
          .then(onCall)
          .catch(() => undefined);
        pending.add(metering);
        void metering.finally(() => pending.delete(metering));
        return {
          [Symbol.asyncIterator]: () => inner[Symbol.asyncIterator](),
          result: () => metering.then(() => inner.result()),
        };
      },
    },
    async settled() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

async function meterStream(
  stream: AsyncIterable<ModelEvent>,
  request: ModelRequest,
  started: number,
): Promise<MeteredCall> {
  let inputTokens = 0;
  let outputTokens = 0;
  let cachedTokens = 0;
  let ok = false;
  try {
    for await (const event of stream) {
      if (event.type === "usage") {
        inputTokens += event.inputTokens;
        outputTokens += event.outputTokens;
        cachedTokens += event.cachedTokens;
      } else if (event.type === "done") {
        ok = true;
      } else if (event.type === "error") {
        ok = false;
      }
    }
  } catch {
    ok = false;
  }
  return {
    ...(request.sessionId !== undefined ? { sessionId: request.sessionId } : {}),
    model: request.model,
    inputTokens,
    outputTokens,
    cachedTokens,
    ms: Math.round(performance.now() - started),
    ok,
  };
}

/** What one stage of a run used. `ms` is the stage's wall time (0 when it did not run). */
export interface StageUsage extends Usage {
  ms: number;
  /** Agent runs of the stage (work), on any runner. */
  agentRuns: number;
  /** Model calls that ended in an error. */
  failedCalls: number;
}

export type UsageByStage = Record<PipelineStage, StageUsage>;

export const pipelineStages: readonly PipelineStage[] = ["triage", "plan", "work", "report"];

export function emptyStageUsage(): StageUsage {
  return { ...emptyUsage(), ms: 0, agentRuns: 0, failedCalls: 0 };
}

/** Sums one run's events per stage (see the file comment for what counts where). */
export function usageByStage(events: Iterable<HarnessEvent>): UsageByStage {
  const usage = Object.fromEntries(
    pipelineStages.map((stage) => [stage, emptyStageUsage()]),
  ) as UsageByStage;
  for (const event of events) {
    if (event.type === "model-call-finished") {
      addUsage(usage[event.stage], { ...event, modelCalls: 1 });
      if (!event.ok) usage[event.stage].failedCalls++;
    } else if (event.type === "agent-run-finished") {
      usage.work.agentRuns++;
      if (event.runner !== "builtin") addUsage(usage.work, { ...event, modelCalls: event.turns });
    } else if (event.type === "stage-finished") {
      // A stage may announce itself inside the cycle's own announcement (plan does): the
      // outer, longer one is the stage's time.
      usage[event.stage].ms = Math.max(usage[event.stage].ms, event.ms);
    }
  }
  return usage;
}

/** Adds several runs' usage per stage. */
export function addUsageByStage(list: readonly UsageByStage[]): UsageByStage {
  const total = usageByStage([]);
  for (const usage of list) {
    for (const stage of pipelineStages) {
      const from = usage[stage];
      if (!from) continue;
      addUsage(total[stage], from);
      total[stage].ms += from.ms;
      total[stage].agentRuns += from.agentRuns;
      total[stage].failedCalls += from.failedCalls;
    }
  }
  return total;
}

/** Collects events in memory while passing them on (the cycle sums its usage from them). */
export function createUsageCollector(): {
  emit(event: HarnessEvent): void;
  usage(): UsageByStage;
} {
  const kept: HarnessEvent[] = [];
  const counted = new Set<HarnessEvent["type"]>([
    "model-call-finished",
    "agent-run-finished",
    "stage-finished",
  ]);
  return {
    emit(event) {
      if (counted.has(event.type)) kept.push(event);
    },
    usage: () => usageByStage(kept),
  };
}
