#!/usr/bin/env node
// One worker process of the kill test (tests/queue/file-queue-kill.test.ts). Runs `--loops`
// concurrent claim loops on the BUILT file queue (dist/); each claim "works" for a random time
// while renewing its lease every `--renew-ms`, then completes with {worker, attempt} as result.
// Every step is appended to `--log` as one JSON line: start, claim, renew, lost, complete, error.
// The parent SIGKILLs these processes at random moments; the log is how it checks them.
//   --dir DIR --log FILE --worker NAME --seed N --loops N --lease-ms N --renew-ms N
//   --work-min-ms N --work-max-ms N
import { appendFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { seededRandom } from "../../support/seeded-random.mjs";

const argv = process.argv.slice(2);
const option = (name) => {
  const index = argv.indexOf(`--${name}`);
  if (index < 0) throw new Error(`missing --${name}`);
  return argv[index + 1];
};
const name = option("worker");
const logFile = option("log");
const loops = Number(option("loops"));
const leaseMs = Number(option("lease-ms"));
const renewMs = Number(option("renew-ms"));
const workMinMs = Number(option("work-min-ms"));
const workMaxMs = Number(option("work-max-ms"));

// The same seeded generator as the parent, so a run can be replayed.
const random = seededRandom(Number(option("seed")));

const log = (event) => {
  appendFileSync(logFile, `${JSON.stringify({ ...event, w: name, t: Date.now() })}\n`);
};

const dist = new URL("../../../dist/queue/", import.meta.url);
const { createFileQueue } = await import(new URL("file-queue.js", dist).href);
const { LeaseLostError } = await import(new URL("errors.js", dist).href);

const queue = await createFileQueue({
  dir: option("dir"),
  settings: { leaseMs, backoffMs: 10, maxBackoffMs: 10 },
  worker: `${name}:${process.pid}`,
});
log({ ev: "start", pid: process.pid });

async function work(claim) {
  const { id } = claim.item;
  const attempt = claim.attempt;
  let current = claim;
  let lost = false;
  let renewing = Promise.resolve();
  const timer = setInterval(() => {
    renewing = renewing.then(async () => {
      if (lost) return;
      try {
        current = await queue.renew(current);
        log({ ev: "renew", id, attempt, exp: current.expiresAt });
      } catch (error) {
        if (!(error instanceof LeaseLostError)) throw error;
        lost = true;
        log({ ev: "lost", id, attempt, during: "renew", message: error.message });
      }
    });
  }, renewMs);
  await sleep(workMinMs + random() * (workMaxMs - workMinMs));
  clearInterval(timer);
  await renewing;
  if (lost) return;
  try {
    await queue.complete(current, { worker: name, attempt });
    log({ ev: "complete", id, attempt });
  } catch (error) {
    if (!(error instanceof LeaseLostError)) throw error;
    log({ ev: "lost", id, attempt, during: "complete", message: error.message });
  }
}

async function loop(n) {
  for (;;) {
    const claim = await queue.claim({ worker: `${name}/${n}` });
    if (!claim) {
      await sleep(20);
      continue;
    }
    log({ ev: "claim", id: claim.item.id, attempt: claim.attempt, exp: claim.expiresAt });
    await work(claim);
  }
}

try {
  await Promise.all(Array.from({ length: loops }, (_, n) => loop(n)));
} catch (error) {
  log({ ev: "error", message: String(error?.stack ?? error) });
  process.exit(1);
}
