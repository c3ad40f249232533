/**
 * The pipeline's run and day budgets: each run limit (items, tokens, cost, wall time) blocks
 * new work once reached; the day's figures add up across budget objects (separate `harness run
 * --once` processes) through the shared day file, start fresh on a new UTC day and after a
 * corrupt file; and a cost limit of 0 allows nothing once anything was spent.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { configSchema, type HarnessConfig } from "../../src/config/schema.js";
import {
  DAY_BUDGET_FILE,
  createFileDaySpendStore,
  createMemoryDaySpendStore,
  createPipelineBudget,
} from "../../src/workflows/pipeline-budget.js";

let root: string;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), "harness-budget-"));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function config(budgets: Record<string, unknown>): HarnessConfig {
  return configSchema.parse({ budgets });
}

/** A clock tests move by hand. */
function clock(start: string): { now: () => Date; advance(ms: number): void } {
  let time = Date.parse(start);
  return { now: () => new Date(time), advance: (ms) => void (time += ms) };
}

const noon = "2026-11-22T12:00:00Z";

describe("createPipelineBudget: run limits", () => {
  it("blocks new items once the run's item count is reached", async () => {
    const budget = createPipelineBudget({
      config: config({ maxItemsPerRun: 2 }),
      store: createMemoryDaySpendStore(),
      now: clock(noon).now,
    });
    await budget.startItem();
    expect(await budget.blocked()).toBeUndefined();
    await budget.startItem();
    expect(await budget.blocked()).toBe("run item budget reached (2 items)");
  });

  it("blocks once the run's tokens reach the limit", async () => {
    const budget = createPipelineBudget({
      config: config({ maxTokensPerRun: 1000 }),
      store: createMemoryDaySpendStore(),
      now: clock(noon).now,
    });
    await budget.spend({ tokens: 999, costUsd: 0 });
    expect(await budget.blocked()).toBeUndefined();
    await budget.spend({ tokens: 1, costUsd: 0 });
    expect(await budget.blocked()).toBe("run token budget reached (1000 tokens)");
  });

  it("blocks once the run's cost reaches the limit", async () => {
    const budget = createPipelineBudget({
      config: config({ maxCostUsd: 1 }),
      store: createMemoryDaySpendStore(),
      now: clock(noon).now,
    });
    await budget.spend({ tokens: 10, costUsd: 0.5 });
    expect(await budget.blocked()).toBeUndefined();
    await budget.spend({ tokens: 10, costUsd: 0.6 });
    expect(await budget.blocked()).toBe("run cost budget reached ($1)");
  });

  it("blocks once the run's wall time is up", async () => {
    const time = clock(noon);
    const budget = createPipelineBudget({
      config: config({ maxRunMinutes: 10 }),
      store: createMemoryDaySpendStore(),
      now: time.now,
    });
    time.advance(10 * 60_000 - 1);
    expect(await budget.blocked()).toBeUndefined();
    time.advance(1);
    expect(await budget.blocked()).toBe("run wall time reached (10 min)");
    expect((await budget.snapshot()).run.elapsedMs).toBe(10 * 60_000);
  });

  it("with a cost limit of 0 allows work until anything is spent, then nothing", async () => {
    const budget = createPipelineBudget({
      config: config({ maxCostUsd: 0, maxCostUsdPerDay: 0 }),
      store: createMemoryDaySpendStore(),
      now: clock(noon).now,
    });
    await budget.spend({ tokens: 500, costUsd: 0 });
    expect(await budget.blocked()).toBeUndefined();
    await budget.spend({ tokens: 1, costUsd: 0.0001 });
    expect(await budget.blocked()).toBe("run cost budget reached ($0)");

    // A day cost limit of 0 blocks the next run too, once the day has any spend.
    const store = createMemoryDaySpendStore({
      day: "2026-11-22",
      items: 0,
      tokens: 0,
      costUsd: 0.01,
    });
    const next = createPipelineBudget({
      config: config({ maxCostUsdPerDay: 0 }),
      store,
      now: clock(noon).now,
    });
    expect(await next.blocked()).toBe("daily cost budget reached ($0)");
  });
});

describe("createPipelineBudget: day limits", () => {
  it("adds up the day across two budgets sharing the day file", async () => {
    const settings = config({ maxItemsPerRun: 10, maxItemsPerDay: 3, maxTokensPerDay: 5000 });
    const time = clock(noon);
    const first = createPipelineBudget({
      config: settings,
      store: createFileDaySpendStore(root),
      now: time.now,
    });
    await first.startItem();
    await first.startItem();
    await first.spend({ tokens: 4000, costUsd: 0.25 });
    expect(await first.blocked()).toBeUndefined();

    const second = createPipelineBudget({
      config: settings,
      store: createFileDaySpendStore(root),
      now: time.now,
    });
    expect(await second.blocked()).toBeUndefined();
    await second.startItem();
    expect(await second.blocked()).toBe("daily item budget reached (3 items)");
    expect(await first.blocked()).toBe("daily item budget reached (3 items)");
    const snapshot = await second.snapshot();
    expect(snapshot.run).toMatchObject({ items: 1, tokens: 0, costUsd: 0 });
    expect(snapshot.day).toEqual({ day: "2026-11-22", items: 3, tokens: 4000, costUsd: 0.25 });
    expect(snapshot.blockedBy).toBe("daily item budget reached (3 items)");
    expect(JSON.parse(readFileSync(path.join(root, DAY_BUDGET_FILE), "utf8"))).toEqual(
      snapshot.day,
    );

    const third = createPipelineBudget({
      config: settings,
      store: createFileDaySpendStore(root),
      now: time.now,
    });
    await third.spend({ tokens: 1000, costUsd: 0 });
    expect((await third.snapshot()).day.tokens).toBe(5000);
  });

  it("blocks on the day's tokens, and starts a new UTC day fresh", async () => {
    const settings = config({ maxTokensPerRun: 100_000, maxTokensPerDay: 1000 });
    const time = clock("2026-11-22T23:58:00Z");
    const store = createFileDaySpendStore(root);
    const yesterday = createPipelineBudget({ config: settings, store, now: time.now });
    await yesterday.spend({ tokens: 1000, costUsd: 0 });
    expect(await yesterday.blocked()).toBe("daily token budget reached (1000 tokens)");

    time.advance(3 * 60_000);
    const today = createPipelineBudget({ config: settings, store, now: time.now });
    expect(await today.blocked()).toBeUndefined();
    expect((await today.snapshot()).day).toEqual({
      day: "2026-11-23",
      items: 0,
      tokens: 0,
      costUsd: 0,
    });
    await today.spend({ tokens: 10, costUsd: 0 });
    expect(JSON.parse(readFileSync(path.join(root, DAY_BUDGET_FILE), "utf8"))).toMatchObject({
      day: "2026-11-23",
      tokens: 10,
    });
  });

  it("loses no figure when two budgets on one day file spend at the same instant", async () => {
    // The daemon's cycle and its work loop hold separate budgets on the same day file.
    const settings = config({ maxTokensPerRun: 1_000_000, maxTokensPerDay: 1_000_000 });
    const time = clock(noon);
    const cycle = createPipelineBudget({
      config: settings,
      store: createFileDaySpendStore(root),
      now: time.now,
    });
    const work = createPipelineBudget({
      config: settings,
      store: createFileDaySpendStore(root),
      now: time.now,
    });
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        (index % 2 === 0 ? cycle : work).spend({ tokens: 10, costUsd: 0 }),
      ),
    );
    expect(JSON.parse(readFileSync(path.join(root, DAY_BUDGET_FILE), "utf8"))).toMatchObject({
      tokens: 200,
    });
  });

  it("treats a corrupt or malformed day file as a fresh day and writes it anew", async () => {
    const file = path.join(root, DAY_BUDGET_FILE);
    mkdirSync(path.dirname(file), { recursive: true });
    const settings = config({ maxItemsPerDay: 2 });
    for (const content of ["{ not json", JSON.stringify({ day: "2026-11-22", items: "many" })]) {
      writeFileSync(file, content);
      const budget = createPipelineBudget({
        config: settings,
        store: createFileDaySpendStore(root),
        now: clock(noon).now,
      });
      expect(await budget.blocked()).toBeUndefined();
      await budget.startItem();
      expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({
        day: "2026-11-22",
        items: 1,
        tokens: 0,
        costUsd: 0,
      });
    }
  });
});
