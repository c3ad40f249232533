/**
 * Keeps the score of one run against its `AgentBudgets`: turns, tokens, cost, wall time and
 * repeated failures. The loop asks it before every model call ("may another call start?") and
 * after every tool call ("is the agent stuck?"); it never throws, it answers with a `BudgetHit`
 * that says which budget ended the run and why, so the run ends with a clean result.
 *
 * Tokens and cost are checked ahead: a call is not started when it would pass the cap. The next
 * prompt holds at least the previous prompt and answer (messages are only appended), so that is
 * the forecast; before the first call, the prompt's characters / 4.
 */
import type { ModelUsage } from "../models/model-client.js";
import type { AgentBudgets, AgentRunStatus, BudgetName, RunUsage } from "./types.js";

/** USD per million tokens. `cachedInputPerMillion` defaults to the input price. */
export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
  cachedInputPerMillion?: number;
}

/** Prices by the model id or alias a request names; a model not listed costs 0 (local). */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** What a call with this usage cost; 0 without a price. */
export function costOfUsage(usage: ModelUsage, price: ModelPrice | undefined): number {
  if (!price) return 0;
  const cached = Math.min(usage.cachedTokens, usage.inputTokens);
  const cachedPrice = price.cachedInputPerMillion ?? price.inputPerMillion;
  return (
    ((usage.inputTokens - cached) * price.inputPerMillion +
      cached * cachedPrice +
      usage.outputTokens * price.outputPerMillion) /
    1_000_000
  );
}

/** Why the run must end now. */
export interface BudgetHit {
  budget: BudgetName;
  status: Extract<AgentRunStatus, "budget-exhausted" | "timed-out">;
  /** For a person: which cap, and the figures. */
  reason: string;
}

/** A JSON string of `value` with object keys sorted, so `{a,b}` and `{b,a}` are the same call. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item === null || typeof item !== "object" || Array.isArray(item)) return item;
    const record = item as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((key) => [key, record[key]]),
    );
  });
}

export class BudgetTracker {
  /** Model calls started. */
  turns = 0;
  readonly usage: RunUsage = { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };
  costUsd = 0;
  private lastCall: ModelUsage | undefined;
  private lastCallCost = 0;
  private failingCall: string | undefined;
  private failingCount = 0;

  constructor(
    private readonly budgets: AgentBudgets,
    private readonly options: {
      /** Epoch milliseconds (an injectable clock). */
      now: () => number;
      startedAt: number;
      price?: ModelPrice;
    },
  ) {}

  get elapsedMs(): number {
    return this.options.now() - this.options.startedAt;
  }

  /** Milliseconds until the wall-time budget runs out (0 when it has). */
  remainingWallMs(): number {
    return Math.max(0, this.budgets.maxWallMs - this.elapsedMs);
  }

  /** Whether another model call may start; `promptChars` sizes the first call's forecast. */
  checkBeforeCall(promptChars: number): BudgetHit | undefined {
    const wall = this.checkWallTime();
    if (wall) return wall;
    const { maxTurns, maxTokens, maxCostUsd } = this.budgets;
    if (this.turns >= maxTurns) {
      return exhausted("turns", `the turn budget of ${maxTurns} model calls is used up`);
    }
    const used = this.usage.inputTokens + this.usage.outputTokens;
    const nextInput = this.lastCall
      ? this.lastCall.inputTokens + this.lastCall.outputTokens
      : Math.ceil(promptChars / 4);
    if (used >= maxTokens || used + nextInput > maxTokens) {
      return exhausted(
        "tokens",
        `${used} of ${maxTokens} tokens used; the next call needs about ${nextInput} more`,
      );
    }
    const nextCost = this.lastCall
      ? this.lastCallCost
      : costOfUsage(
          { inputTokens: nextInput, outputTokens: 0, cachedTokens: 0 },
          this.options.price,
        );
    if (nextCost > 0 && this.costUsd + nextCost > maxCostUsd) {
      return exhausted(
        "cost",
        `$${this.costUsd.toFixed(4)} of $${maxCostUsd} spent; the next call would cost about $${nextCost.toFixed(4)}`,
      );
    }
    return undefined;
  }

  /** Counts a model call as started. */
  startCall(): void {
    this.turns++;
  }

  /** Adds what a call used. */
  addUsage(usage: ModelUsage): void {
    this.usage.inputTokens += usage.inputTokens;
    this.usage.outputTokens += usage.outputTokens;
    this.usage.cachedTokens += usage.cachedTokens;
    this.lastCall = usage;
    this.lastCallCost = costOfUsage(usage, this.options.price);
    this.costUsd += this.lastCallCost;
  }

  checkWallTime(): BudgetHit | undefined {
    if (this.elapsedMs < this.budgets.maxWallMs) return undefined;
    return {
      budget: "wall-time",
      status: "timed-out",
      reason: `the wall-time budget of ${formatMs(this.budgets.maxWallMs)} has passed`,
    };
  }

  /**
   * Records a tool call's outcome. The same failing call (name + input) `maxRepeatedFailures`
   * times in a row means the agent is stuck; any other call in between resets the count.
   */
  recordToolCall(name: string, input: unknown, failed: boolean): BudgetHit | undefined {
    if (!failed) {
      this.failingCall = undefined;
      this.failingCount = 0;
      return undefined;
    }
    const key = `${name}\u0000${stableJson(input ?? null)}`;
    this.failingCount = key === this.failingCall ? this.failingCount + 1 : 1;
    this.failingCall = key;
    const limit = this.budgets.maxRepeatedFailures;
    if (limit > 0 && this.failingCount >= limit) {
      return exhausted(
        "stuck",
        `the same failing call to ${name} was made ${this.failingCount} times in a row`,
      );
    }
    return undefined;
  }
}

function exhausted(budget: BudgetName, reason: string): BudgetHit {
  return { budget, status: "budget-exhausted", reason };
}

function formatMs(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}
