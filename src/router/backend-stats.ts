/**
 * What the router measured about one backend: request and failure counts, time to first token
 * (as an EWMA for the latency strategy, and recent samples for percentiles), total latency and
 * tokens. Recording is O(1); percentiles are computed only when someone asks for the status.
 */
import type { TokenUsage } from "./backend.js";

/** Percentiles over the most recent samples; undefined until there is one. */
export interface LatencySummary {
  p50?: number;
  p95?: number;
}

/** A copy of the counters, for /status. */
export interface BackendStatsSnapshot {
  requests: number;
  failures: number;
  ttftMs: LatencySummary;
  latencyMs: LatencySummary;
  tokens: TokenUsage;
  /** cached / input prompt tokens; undefined before any usage was seen. */
  cacheHitRatio?: number;
  /** Output tokens per second of generation (after the first token). */
  tokensPerSecond?: number;
}

/** How one request to the backend ended. */
export interface FinishedRequest {
  ok: boolean;
  latencyMs: number;
  /** From the first token to the end, when the answer was streamed or timed. */
  generationMs?: number;
  usage?: TokenUsage;
}

/** Mutable statistics of one backend; the router is its only writer. */
export interface BackendStats {
  /** EWMA of time to first token in ms; undefined until the first sample. */
  readonly ttftEwmaMs: number | undefined;
  recordTtft(ms: number): void;
  recordFinished(outcome: FinishedRequest): void;
  snapshot(): BackendStatsSnapshot;
}

const sampleCapacity = 512;
// Recent samples weigh this much; 0.3 follows a change within a handful of requests.
const ewmaWeight = 0.3;

interface SampleRing {
  push(value: number): void;
  summary(): LatencySummary;
}

function createSampleRing(): SampleRing {
  const values = new Float64Array(sampleCapacity);
  let count = 0;
  let next = 0;
  return {
    push(value) {
      values[next] = value;
      next = (next + 1) % sampleCapacity;
      if (count < sampleCapacity) count++;
    },
    summary() {
      if (count === 0) return {};
      const sorted = values.slice(0, count).sort();
      const at = (share: number) => sorted[Math.min(count - 1, Math.floor(share * count))];
      return { p50: at(0.5), p95: at(0.95) };
    },
  };
}

export function createBackendStats(): BackendStats {
  const ttft = createSampleRing();
  const latency = createSampleRing();
  const tokens: TokenUsage = { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };
  let ttftEwmaMs: number | undefined;
  let requests = 0;
  let failures = 0;
  let generationMs = 0;
  let generatedTokens = 0;

  return {
    get ttftEwmaMs() {
      return ttftEwmaMs;
    },
    recordTtft(ms) {
      ttft.push(ms);
      ttftEwmaMs = ttftEwmaMs === undefined ? ms : ttftEwmaMs + ewmaWeight * (ms - ttftEwmaMs);
    },
    recordFinished({ ok, latencyMs, generationMs: spent, usage }) {
      requests++;
      if (!ok) failures++;
      latency.push(latencyMs);
      if (!usage) return;
      tokens.inputTokens += usage.inputTokens;
      tokens.outputTokens += usage.outputTokens;
      tokens.cachedTokens += usage.cachedTokens;
      // Throughput only counts requests whose generation time is known.
      if (spent !== undefined && spent > 0 && usage.outputTokens > 0) {
        generationMs += spent;
        generatedTokens += usage.outputTokens;
      }
    },
    snapshot() {
      return {
        requests,
        failures,
        ttftMs: ttft.summary(),
        latencyMs: latency.summary(),
        tokens: { ...tokens },
        ...(tokens.inputTokens > 0
          ? { cacheHitRatio: tokens.cachedTokens / tokens.inputTokens }
          : {}),
        ...(generationMs > 0 ? { tokensPerSecond: (generatedTokens * 1000) / generationMs } : {}),
      };
    },
  };
}
