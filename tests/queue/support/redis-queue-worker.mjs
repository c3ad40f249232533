/**
 * One worker process for redis-queue-kill.test.ts: several claim loops on the BUILT Redis driver
 * (dist/), each renewing its lease while it "works" and appending claim / complete lines to a
 * shared log. The test SIGKILLs these processes at random moments; on SIGTERM they finish the
 * item in hand, close the queue and exit on their own (which shows close() let go of Redis).
 *
 * Usage: node redis-queue-worker.mjs '<json config>' (see the test for the fields).
 */
import { appendFileSync } from "node:fs";

import { createRedisQueue } from "../../../dist/queue/redis-queue.js";
import { seededRandom } from "../../support/seeded-random.mjs";

const config = JSON.parse(process.argv[2] ?? "{}");
const { url, name, worker, slots, logFile, leaseMs, stalledIntervalMs, seed, workMs } = config;

const random = seededRandom(seed);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (event, fields) =>
  appendFileSync(logFile, `${JSON.stringify({ event, worker, t: Date.now(), ...fields })}\n`);

let stopping = false;
process.on("SIGTERM", () => {
  stopping = true;
});

const queue = await createRedisQueue({
  url,
  name,
  worker,
  settings: { leaseMs, maxAttempts: 50, backoffMs: 50, maxBackoffMs: 200 },
  stalledIntervalMs,
});

async function claimLoop(slot) {
  const owner = `${worker}:${slot}`;
  while (!stopping) {
    let claim;
    try {
      claim = await queue.claim({ worker: owner });
    } catch (error) {
      log("error", { owner, message: String(error) });
      await sleep(100);
      continue;
    }
    if (!claim) {
      await sleep(30);
      continue;
    }
    const { id } = claim.item;
    const attempt = claim.attempt;
    log("claim", { owner, id, attempt });
    let renewal = Promise.resolve();
    const renewer = setInterval(() => {
      renewal = renewal.then(() =>
        queue.renew(claim).then(
          (renewed) => {
            claim = renewed;
          },
          (error) => log("renew-failed", { owner, id, attempt, message: String(error) }),
        ),
      );
    }, leaseMs / 3);
    await sleep(workMs[0] + random() * (workMs[1] - workMs[0]));
    clearInterval(renewer);
    await renewal;
    try {
      await queue.complete(claim, { owner, attempt });
      log("complete", { owner, id, attempt });
    } catch (error) {
      log("lost", { owner, id, attempt, message: String(error) });
    }
  }
}

await Promise.all(Array.from({ length: slots }, (_, slot) => claimLoop(slot)));
await queue.close();
log("exit", {});
