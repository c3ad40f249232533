#!/usr/bin/env node
// One process of the queue throughput benchmark. Waits for "go" on stdin, then runs
// `--loops` concurrent claim+complete loops until the queue is empty and prints one JSON line:
// {"completed": n, "firstMs": epoch, "lastMs": epoch}.
//   --driver file --dir DIR | --driver redis --url URL --name NAME | --driver bullmq --url --name
// "bullmq" is BullMQ's own Worker with `concurrency: loops` and a no-op processor: the peer.
import { createInterface } from "node:readline";

const argv = process.argv.slice(2);
const option = (name) => {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 ? argv[index + 1] : undefined;
};
const driver = option("driver");
const loops = Number(option("loops") ?? 12);
const total = Number(option("total") ?? 0);
const dist = new URL("../../dist/", import.meta.url);

let completed = 0;
let firstMs;
let lastMs;
const report = () => {
  console.log(JSON.stringify({ completed, firstMs, lastMs }));
};

async function runQueue(queue) {
  const loop = async (n) => {
    for (;;) {
      const claim = await queue.claim({ worker: `bench-${process.pid}-${n}` });
      if (!claim) return;
      firstMs ??= Date.now();
      await queue.complete(claim, { n });
      completed++;
      lastMs = Date.now();
    }
  };
  await Promise.all(Array.from({ length: loops }, (_, n) => loop(n)));
  await queue.close();
  report();
}

async function runBullmq() {
  const { Worker, Queue } = await import("bullmq");
  const connection = { url: option("url"), maxRetriesPerRequest: null };
  const queue = new Queue(option("name"), { connection });
  const worker = new Worker(
    option("name"),
    async () => {
      firstMs ??= Date.now();
      return { ok: true };
    },
    { connection, concurrency: loops, autorun: false },
  );
  worker.on("completed", () => {
    completed++;
    lastMs = Date.now();
  });
  void worker.run();
  // The parent cannot tell a worker when the queue is drained; poll the counts.
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const counts = await queue.getJobCounts("completed");
    if (counts.completed >= total) break;
  }
  await worker.close();
  await queue.close();
  report();
}

const settings = { leaseMs: 30_000, maxAttempts: 3, backoffMs: 1_000, maxBackoffMs: 10_000 };
// Connections are opened before "ready" so the timed part is claim + complete only.
let queue;
if (driver === "file") {
  const { createFileQueue } = await import(new URL("queue/file-queue.js", dist).href);
  queue = await createFileQueue({ dir: option("dir"), settings });
} else if (driver === "redis") {
  const { createRedisQueue } = await import(new URL("queue/redis-queue.js", dist).href);
  queue = await createRedisQueue({ url: option("url"), name: option("name"), settings });
}
const lines = createInterface({ input: process.stdin });
console.log("ready");
for await (const line of lines) {
  if (line.trim() !== "go") continue;
  lines.close();
  if (driver === "bullmq") await runBullmq();
  else await runQueue(queue);
  break;
}
