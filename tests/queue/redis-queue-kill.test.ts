/**
 * Delivery under kill -9 with the built Redis driver: three worker processes with several claim
 * loops each work through 100 items while the test SIGKILLs them at random (seeded) moments and
 * starts replacements. Every item must end done exactly once, and no item may be held by two
 * workers at the same time: per item, holding intervals (claim → complete, or claim → kill)
 * never overlap.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createRedisQueue } from "../../src/queue/redis-queue.js";
import { ensureBuiltCli } from "../support/built-cli.js";
import { seededRandom } from "../support/seeded-random.mjs";
import { recordKillTally } from "./support/kill-tally.js";
import { skipRedisTests, startRedis, type RedisServer } from "../support/redis-server.js";
import { createTempDir, type TempDir } from "../support/temp-dir.js";

const workerScript = fileURLToPath(new URL("./support/redis-queue-worker.mjs", import.meta.url));
const ITEMS = 100;
const PROCESSES = 3;
const SLOTS = 4;
const KILLS = 5;
const LEASE_MS = 2_000;
const STALLED_INTERVAL_MS = 500;
const SEED = 20_261_122;

interface LogLine {
  event: "claim" | "complete" | "lost" | "renew-failed" | "error" | "exit";
  worker: string;
  t: number;
  owner?: string;
  id?: string;
  attempt?: number;
  message?: string;
}

interface Holding {
  worker: string;
  owner: string;
  attempt: number;
  start: number;
  end: number;
  how: "complete" | "lost" | "killed" | "open";
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** Per item, the holding intervals the log and the kill times describe. */
function holdings(lines: LogLine[], killedAt: Map<string, number>): Map<string, Holding[]> {
  const byItem = new Map<string, Holding[]>();
  const open = new Map<string, Holding>();
  for (const line of lines) {
    if (!line.id || !line.owner || line.attempt === undefined) continue;
    const key = `${line.owner}/${line.id}/${line.attempt}`;
    if (line.event === "claim") {
      const holding: Holding = {
        worker: line.worker,
        owner: line.owner,
        attempt: line.attempt,
        start: line.t,
        end: Number.POSITIVE_INFINITY,
        how: "open",
      };
      open.set(key, holding);
      byItem.set(line.id, [...(byItem.get(line.id) ?? []), holding]);
    } else if (line.event === "complete" || line.event === "lost") {
      const holding = open.get(key);
      if (holding) Object.assign(holding, { end: line.t, how: line.event });
      open.delete(key);
    }
  }
  for (const holding of open.values()) {
    const killed = killedAt.get(holding.worker);
    if (killed !== undefined) Object.assign(holding, { end: killed, how: "killed" });
  }
  return byItem;
}

describe.skipIf(skipRedisTests)("redis queue under kill -9", () => {
  let redis: RedisServer;
  let temp: TempDir;

  beforeAll(async () => {
    await ensureBuiltCli();
    redis = await startRedis();
    temp = await createTempDir("harness-redis-kill");
  }, 120_000);

  afterAll(async () => {
    await redis?.dispose();
    await temp?.remove();
  });

  it("finishes every item exactly once and never lets two workers hold one", async () => {
    const startedAt = Date.now();
    const name = "kill-test";
    const logFile = path.join(temp.path, "workers.jsonl");
    const queue = await createRedisQueue({ url: redis.url, name, settings: { leaseMs: LEASE_MS } });
    const ids = Array.from({ length: ITEMS }, (_, i) => `item-${String(i).padStart(3, "0")}`);
    for (const id of ids) await queue.enqueue({ id, title: id, maxAttempts: 50 });

    const random = seededRandom(SEED);
    const live = new Map<string, ChildProcess>();
    const stderr = new Map<string, string>();
    const killedAt = new Map<string, number>();
    let started = 0;
    const startWorker = () => {
      const worker = `p${++started}`;
      const config = {
        url: redis.url,
        name,
        worker,
        slots: SLOTS,
        logFile,
        leaseMs: LEASE_MS,
        stalledIntervalMs: STALLED_INTERVAL_MS,
        seed: SEED + started,
        workMs: [150, 600],
      };
      const child = spawn(process.execPath, [workerScript, JSON.stringify(config)], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      child.stderr?.on("data", (chunk: Buffer) =>
        stderr.set(worker, (stderr.get(worker) ?? "") + chunk.toString()),
      );
      live.set(worker, child);
    };

    try {
      for (let i = 0; i < PROCESSES; i++) startWorker();
      const deadline = Date.now() + 35_000;
      let nextKill = Date.now() + 1_000;
      while (Date.now() < deadline && (await queue.stats()).done < ITEMS) {
        await sleep(50);
        if (killedAt.size >= KILLS || Date.now() < nextKill) continue;
        // A random worker among those that have claimed something, so the kill hits work.
        const log = await readFile(logFile, "utf8").catch(() => "");
        const names = [...live.keys()].filter((worker) => log.includes(`"worker":"${worker}"`));
        const victim = names[Math.floor(random() * names.length)];
        if (!victim) continue;
        const child = live.get(victim)!;
        live.delete(victim);
        child.kill("SIGKILL");
        await exited(child);
        killedAt.set(victim, Date.now());
        startWorker();
        nextKill = Date.now() + 300 + random() * 900;
      }

      const stopping = [...live.entries()].map(async ([worker, child]) => {
        child.kill("SIGTERM");
        const code = await Promise.race([exited(child), sleep(10_000).then(() => "hung")]);
        return { worker, code, stderr: stderr.get(worker) ?? "" };
      });
      // Each survivor finishes its item, closes the queue and exits by itself.
      for (const stopped of await Promise.all(stopping)) {
        expect(stopped, stopped.stderr).toMatchObject({ code: 0 });
      }
      live.clear();

      expect(killedAt.size).toBe(KILLS);
      const doneIds = new Set((await queue.list({ state: "done" })).items.map((item) => item.id));
      const lost = ids.filter((id) => !doneIds.has(id)).length;
      expect(await queue.stats()).toMatchObject({ pending: 0, running: 0, done: ITEMS, failed: 0 });
      const items = (await queue.list({ state: "done" })).items;
      expect(items.map((item) => item.id).sort()).toEqual(ids);

      const lines = (await readFile(logFile, "utf8"))
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as LogLine);
      expect(lines.filter((line) => line.event === "lost" || line.event === "error")).toEqual([]);
      const byItem = holdings(lines, killedAt);
      let retried = 0;
      // Items completed twice or held by two workers at once (asserted below, counted for the bench).
      const doubled = new Set<string>();
      for (const item of items) {
        const held = (byItem.get(item.id) ?? []).sort((a, b) => a.start - b.start);
        if (held.filter((holding) => holding.how === "complete").length > 1) doubled.add(item.id);
        for (let i = 1; i < held.length; i++) {
          if (held[i]!.start < held[i - 1]!.end) doubled.add(item.id);
        }
        for (let i = 1; i < held.length; i++) {
          expect(
            held[i]!.start,
            `${item.id} held twice: ${JSON.stringify(held)}`,
          ).toBeGreaterThanOrEqual(held[i - 1]!.end);
        }
        expect(held.filter((holding) => holding.how === "open")).toEqual([]);
        const completes = held.filter((holding) => holding.how === "complete");
        expect(completes.length).toBeLessThanOrEqual(1);
        // The queue's result names the one holder whose complete it accepted.
        const result = item.result as { owner: string; attempt: number };
        expect(result.attempt).toBe(item.attempts);
        const last = held.at(-1)!;
        expect([last.owner, last.attempt]).toEqual([result.owner, result.attempt]);
        if (completes.length === 0) expect(last.how).toBe("killed"); // done, killed before logging
        expect(item.errors.every((error) => error.kind === "lease-expired")).toBe(true);
        expect(item.errors).toHaveLength(item.attempts - 1);
        if (item.attempts > 1) retried++;
      }
      recordKillTally({
        driver: "redis",
        items: ITEMS,
        processes: PROCESSES,
        kills: KILLS,
        reclaimed: retried,
        lost,
        doubled: doubled.size,
        seconds: (Date.now() - startedAt) / 1000,
      });
      // The kills did hit items in hand, and those were taken back and done again.
      expect(retried).toBeGreaterThan(0);
    } finally {
      for (const child of live.values()) child.kill("SIGKILL");
      await queue.close();
    }
  }, 60_000);
});
