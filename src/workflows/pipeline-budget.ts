/**
 * The caps of one pipeline run and of one (UTC) day: work items started, tokens, cloud spend,
 * and the run's wall time. Stages ask `blocked()` before they take a new item; when it names a
 * reason they take nothing more, finish or release what they hold, and report the reason.
 *
 * The day's figures live in `.harness/state/budget-day.json` so separate `harness run --once`
 * processes (cron) add up; the daemon's lock keeps two cycles from writing it at once, and a
 * write is atomic (temp file, rename), so a crash loses at most the last item's figures.
 */
import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

import { z } from "zod";

import type { HarnessConfig } from "../config/schema.js";

export const DAY_BUDGET_FILE = path.join(".harness", "state", "budget-day.json");

const daySchema = z.object({
  day: z.string(),
  items: z.number().int().nonnegative(),
  tokens: z.number().nonnegative(),
  costUsd: z.number().nonnegative(),
});

export type DaySpend = z.infer<typeof daySchema>;

export interface SpendFigures {
  items: number;
  tokens: number;
  costUsd: number;
}

export interface BudgetSnapshot {
  run: SpendFigures & { elapsedMs: number };
  day: DaySpend;
  limits: {
    run: SpendFigures & { wallMs: number };
    day: SpendFigures;
  };
  /** Why new work is refused, when it is. */
  blockedBy?: string;
}

export interface PipelineBudget {
  /** Why no new item may start now, or undefined when one may. */
  blocked(): Promise<string | undefined>;
  /** Counts one started work item against the run and the day. */
  startItem(): Promise<void>;
  /** Adds the tokens and cost of finished model or agent calls. */
  spend(usage: { tokens: number; costUsd: number }): Promise<void>;
  snapshot(): Promise<BudgetSnapshot>;
}

/** Where the day's figures are kept; tests pass an in-memory one. */
export interface DaySpendStore {
  load(day: string): Promise<DaySpend>;
  save(spend: DaySpend): Promise<void>;
}

function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** One store per file in a process, so budgets sharing it also share its update chain. */
const fileStores = new Map<string, DaySpendStore>();

export function createFileDaySpendStore(repoRoot: string): DaySpendStore {
  const file = path.resolve(repoRoot, DAY_BUDGET_FILE);
  const known = fileStores.get(file);
  if (known) return known;
  const store: DaySpendStore = {
    async load(day) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(file, "utf8"));
      } catch {
        // Missing or unreadable: a fresh day. A corrupt file must not stop the loop forever.
        return { day, items: 0, tokens: 0, costUsd: 0 };
      }
      const checked = daySchema.safeParse(parsed);
      if (!checked.success || checked.data.day !== day)
        return { day, items: 0, tokens: 0, costUsd: 0 };
      return checked.data;
    },
    async save(spend) {
      await mkdir(path.dirname(file), { recursive: true });
      const temporary = `${file}.${randomUUID()}.tmp`;
      await writeFile(temporary, `${JSON.stringify(spend, null, 2)}\n`);
      await rename(temporary, file);
    },
  };
  fileStores.set(file, store);
  return store;
}

export function createMemoryDaySpendStore(
  initial?: DaySpend,
): DaySpendStore & { current?: DaySpend } {
  const store: DaySpendStore & { current?: DaySpend } = {
    ...(initial ? { current: initial } : {}),
    async load(day) {
      return store.current && store.current.day === day
        ? { ...store.current }
        : { day, items: 0, tokens: 0, costUsd: 0 };
    },
    async save(spend) {
      store.current = { ...spend };
    },
  };
  return store;
}

const storeChains = new WeakMap<DaySpendStore, Promise<unknown>>();

export function createPipelineBudget(options: {
  config: HarnessConfig;
  store: DaySpendStore;
  now?: () => Date;
}): PipelineBudget {
  const now = options.now ?? (() => new Date());
  const budgets = options.config.budgets;
  const startedAt = now().getTime();
  const run: SpendFigures = { items: 0, tokens: 0, costUsd: 0 };
  const limits: BudgetSnapshot["limits"] = {
    run: {
      items: budgets.maxItemsPerRun,
      tokens: budgets.maxTokensPerRun,
      costUsd: budgets.maxCostUsd,
      wallMs: budgets.maxRunMinutes * 60_000,
    },
    day: {
      items: budgets.maxItemsPerDay,
      tokens: budgets.maxTokensPerDay,
      costUsd: budgets.maxCostUsdPerDay,
    },
  };
  // One update at a time per store inside this process (the daemon's cycle and its work loop
  // hold separate budgets on one day file): the file is read, changed and written back.
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const next = (storeChains.get(options.store) ?? Promise.resolve()).then(task, task);
    storeChains.set(
      options.store,
      next.catch(() => undefined),
    );
    return next;
  };

  async function reason(): Promise<string | undefined> {
    const day = await options.store.load(utcDay(now()));
    const elapsed = now().getTime() - startedAt;
    if (elapsed >= limits.run.wallMs) return `run wall time reached (${budgets.maxRunMinutes} min)`;
    if (run.items >= limits.run.items) return `run item budget reached (${limits.run.items} items)`;
    if (run.tokens >= limits.run.tokens)
      return `run token budget reached (${limits.run.tokens} tokens)`;
    if (run.costUsd > 0 && run.costUsd >= limits.run.costUsd) {
      return `run cost budget reached ($${limits.run.costUsd})`;
    }
    if (day.items >= limits.day.items)
      return `daily item budget reached (${limits.day.items} items)`;
    if (day.tokens >= limits.day.tokens) {
      return `daily token budget reached (${limits.day.tokens} tokens)`;
    }
    if (day.costUsd > 0 && day.costUsd >= limits.day.costUsd) {
      return `daily cost budget reached ($${limits.day.costUsd})`;
    }
    return undefined;
  }

  async function add(figures: SpendFigures): Promise<void> {
    await serial(async () => {
      run.items += figures.items;
      run.tokens += figures.tokens;
      run.costUsd += figures.costUsd;
      const day = await options.store.load(utcDay(now()));
      await options.store.save({
        day: day.day,
        items: day.items + figures.items,
        tokens: day.tokens + figures.tokens,
        costUsd: day.costUsd + figures.costUsd,
      });
    });
  }

  return {
    blocked: () => serial(reason),
    startItem: () => add({ items: 1, tokens: 0, costUsd: 0 }),
    spend: (usage) => add({ items: 0, tokens: usage.tokens, costUsd: usage.costUsd }),
    snapshot: () =>
      serial(async () => {
        const blockedBy = await reason();
        return {
          run: { ...run, elapsedMs: now().getTime() - startedAt },
          day: await options.store.load(utcDay(now())),
          limits,
          ...(blockedBy ? { blockedBy } : {}),
        };
      }),
  };
}
