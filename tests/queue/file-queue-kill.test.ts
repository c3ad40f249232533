/**
 * The file queue under SIGKILL: worker processes (support/file-queue-worker.mjs, on the built
 * driver in dist/) claim, renew and complete with short leases while this test kills them at
 * moments a seeded generator picks and starts replacements, until every item is done. Then the
 * folders and the workers' logs must show: each item done exactly once, nothing left behind,
 * every completion made by the worker that held the claim, and no two holders of one item at
 * the same time.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeAll, expect, it } from "vitest";

import { createFileQueue } from "../../src/queue/file-queue.js";
import { ensureBuiltCli } from "../support/built-cli.js";
import { seededRandom } from "../support/seeded-random.mjs";
import { recordKillTally } from "./support/kill-tally.js";
import { createTempDir, type TempDir } from "../support/temp-dir.js";

const workerScript = fileURLToPath(new URL("./support/file-queue-worker.mjs", import.meta.url));

const SEED = 20_261_122;
const ITEMS = 200;
const PROCESSES = 4;
const LOOPS = 4;
const LEASE_MS = 1_000;
const RENEW_MS = 300;
const KILLS = 8;
const DEADLINE_MS = 25_000;

interface LogLine {
  ev: "start" | "claim" | "renew" | "lost" | "complete" | "error";
  w: string;
  t: number;
  id?: string;
  attempt?: number;
  exp?: number;
  message?: string;
}

interface Worker {
  name: string;
  child: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  startedAt: number;
  killedAt?: number;
  stderr: string;
}

let temp: TempDir | undefined;
const workers: Worker[] = [];

beforeAll(async () => {
  await ensureBuiltCli();
}, 180_000);

afterEach(async () => {
  for (const worker of workers) worker.child.kill("SIGKILL");
  await Promise.all(workers.map((worker) => worker.exit));
  workers.length = 0;
  await temp?.remove();
});

it("loses no item and never lets two workers hold one when workers are SIGKILLed", async () => {
  const startedAt = Date.now();
  temp = await createTempDir("file-queue-kill");
  const dir = path.join(temp.path, "queue");
  const logs = path.join(temp.path, "logs");
  mkdirSync(logs);
  const queue = await createFileQueue({ dir, settings: { leaseMs: LEASE_MS } });
  const ids = Array.from({ length: ITEMS }, (_, i) => `item-${String(i).padStart(3, "0")}`);
  // Every kill costs the items its worker held an attempt: room for as many as it takes.
  for (const id of ids) await queue.enqueue({ id, title: id, maxAttempts: 1_000 });
  await queue.close();

  const random = seededRandom(SEED);
  const start = () => {
    const name = `w${workers.length + 1}`;
    const child = spawn(
      process.execPath,
      [
        workerScript,
        ...["--dir", dir, "--log", path.join(logs, `${name}.jsonl`), "--worker", name],
        ...["--seed", String(Math.floor(random() * 2 ** 32)), "--loops", String(LOOPS)],
        ...["--lease-ms", String(LEASE_MS), "--renew-ms", String(RENEW_MS)],
        ...["--work-min-ms", "50", "--work-max-ms", "600"],
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    const worker: Worker = {
      name,
      child,
      startedAt: Date.now(),
      stderr: "",
      exit: new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal }))),
    };
    child.stderr?.on("data", (chunk: Buffer) => (worker.stderr += chunk.toString()));
    workers.push(worker);
  };
  for (let i = 0; i < PROCESSES; i++) start();

  for (let kill = 0; kill < KILLS; kill++) {
    await sleep(200 + random() * 700);
    // Mostly workers past their start-up, so that kills land while they hold items.
    const alive = workers.filter((worker) => worker.killedAt === undefined);
    const settled = alive.filter((worker) => Date.now() - worker.startedAt > 500);
    const pool = settled.length > 0 ? settled : alive;
    const victim = pool[Math.floor(random() * pool.length)]!;
    victim.child.kill("SIGKILL");
    victim.killedAt = Date.now();
    start();
  }

  const folder = (name: string) => readdirSync(path.join(dir, name));
  const leftovers = () =>
    ["pending", "running", "failed", ".claims", ".tmp"].flatMap((name) =>
      folder(name).map((file) => `${name}/${file}`),
    );
  const deadline = Date.now() + DEADLINE_MS;
  while (folder("done").length < ITEMS || leftovers().length > 0) {
    const crashed = workers.find((worker) => worker.child.exitCode !== null && !worker.killedAt);
    if (crashed) throw new Error(`worker ${crashed.name} exited by itself:\n${crashed.stderr}`);
    if (Date.now() > deadline) {
      throw new Error(`not finished: ${folder("done").length} done; left: ${leftovers()}`);
    }
    await sleep(100);
  }
  for (const worker of workers.filter((w) => w.killedAt === undefined)) {
    worker.child.kill("SIGKILL");
    worker.killedAt = Date.now();
  }
  await Promise.all(workers.map((worker) => worker.exit));

  // The folders: every item done exactly once, nothing anywhere else.
  const doneFiles = new Set(folder("done"));
  const lost = ids.filter((id) => !doneFiles.has(`${id}.md`));
  expect(folder("done").sort()).toEqual(ids.map((id) => `${id}.md`).sort());
  expect(leftovers()).toEqual([]);
  const check = await createFileQueue({ dir, settings: { leaseMs: LEASE_MS } });
  const listed = await check.list();
  expect(listed.problems).toEqual([]);
  const results = new Map(
    listed.items.map((item) => [item.id, item.result as { worker: string; attempt: number }]),
  );

  // The logs (a SIGKILL may cut a last line in half).
  const lines: LogLine[] = readdirSync(logs).flatMap((file) =>
    readFileSync(path.join(logs, file), "utf8")
      .split("\n")
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as LogLine];
        } catch {
          return [];
        }
      }),
  );
  expect(lines.filter((line) => line.ev === "error")).toEqual([]);
  const killedAt = new Map(workers.map((worker) => [worker.name, worker.killedAt!]));
  const sameClaim = (a: LogLine, b: LogLine) =>
    a.w === b.w && a.id === b.id && a.attempt === b.attempt;

  let reclaimed = 0;
  // Items completed twice or held by two workers at once (asserted below, counted for the bench).
  const doubled = new Set<string>();
  for (const id of ids) {
    const events = lines.filter((line) => line.id === id).sort((a, b) => a.t - b.t);
    const claims = events.filter((line) => line.ev === "claim");
    const completes = events.filter((line) => line.ev === "complete");
    if (completes.length > 1) doubled.add(id);
    expect(completes.length, `${id} completed more than once`).toBeLessThanOrEqual(1);
    const result = results.get(id)!;
    // The done file names a claim; a worker killed right after completing has no log line.
    const completer = claims.find((c) => c.w === result.worker && c.attempt === result.attempt);
    expect(completer, `${id} completed by ${JSON.stringify(result)} without a claim`).toBeDefined();
    if (completes[0]) expect(sameClaim(completes[0], completer!)).toBe(true);
    else expect(killedAt.get(result.worker)).toBeDefined();

    for (const [index, claim] of claims.entries()) {
      const next = claims[index + 1];
      if (!next) continue;
      reclaimed++;
      expect(next.attempt!, `${id}: attempts go up`).toBeGreaterThan(claim.attempt!);
      expect(claim, `${id}: claimed again after it was completed`).not.toBe(completer);
      // The holder's interval ends when it was killed or learnt it lost the lease; it may also
      // have stalled past its lease, which is when another worker may take the item.
      const own = events.filter((line) => sameClaim(line, claim));
      const lostAt = own.find((line) => line.ev === "lost")?.t ?? Infinity;
      const end = Math.min(lostAt, killedAt.get(claim.w) ?? Infinity);
      const leaseEnd = Math.max(...own.map((line) => line.exp ?? -Infinity));
      if (next.t < Math.min(end, leaseEnd)) doubled.add(id);
      expect(next.t, `${id}: ${next.w} claimed it while ${claim.w} held it`).toBeGreaterThanOrEqual(
        Math.min(end, leaseEnd),
      );
    }
    if (completes[0]) {
      const claim = claims.find((c) => sameClaim(c, completes[0]!))!;
      const between = claims.filter((c) => c.t > claim.t && c.t < completes[0]!.t);
      expect(between, `${id}: completed by ${claim.w} after another claim`).toEqual([]);
    }
  }
  recordKillTally({
    driver: "file",
    items: ITEMS,
    processes: PROCESSES,
    kills: KILLS,
    reclaimed,
    lost: lost.length,
    doubled: doubled.size,
    seconds: (Date.now() - startedAt) / 1000,
  });
  // The run did exercise recovery: items were claimed again after their worker was killed.
  expect(reclaimed).toBeGreaterThan(0);
  await check.close();
}, 60_000);
