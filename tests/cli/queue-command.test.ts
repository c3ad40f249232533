/**
 * `harness queue ...` through the built CLI on a real repository with a file queue, including
 * a hand-moved item and a corrupt one.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

import { formatAge, formatQueueTable, parseState } from "../../src/commands/queue.js";
import { InputError } from "../../src/errors.js";
import { createFileQueue } from "../../src/queue/file-queue.js";
import { queueDir } from "../../src/queue/open-queue.js";
import type { QueueItem } from "../../src/queue/types.js";
import { ensureBuiltCli } from "../support/built-cli.js";
import { runHarness } from "../support/run-cli.js";
import { createTempGitRepo, type TempGitRepo } from "../support/temp-git-repo.js";

let repo: TempGitRepo | undefined;
afterEach(() => repo?.cleanup());
beforeAll(async () => {
  await ensureBuiltCli();
}, 180_000);

async function repoWithQueue(): Promise<TempGitRepo> {
  repo = createTempGitRepo({ "README.md": "# app\n" });
  const queue = await createFileQueue({ dir: queueDir(repo.root) });
  await queue.enqueue({
    id: "42-empty-config",
    title: "Reject empty config files",
    body: "# Reject empty config files\n\n## Goal\n\nA clear error.\n",
    priority: 2,
  });
  await queue.enqueue({ id: "43-typo", title: "Fix a typo in the help" });
  await queue.enqueue({ id: "44-flaky", title: "Deflake the cache test", maxAttempts: 1 });
  const claim = await queue.claim({ worker: "w1" });
  expect(claim?.item.id).toBe("42-empty-config");
  await queue.complete(claim!, { pr: 101 });
  const failing = await queue.claim({ worker: "w1" });
  expect(failing?.item.id).toBe("43-typo");
  await queue.release(failing!);
  await queue.cancel("44-flaky", "not needed");
  await queue.close();
  return repo;
}

describe("harness queue", () => {
  it("lists items with their state, and as JSON lines", async () => {
    const { root } = await repoWithQueue();
    const text = await runHarness(["queue", "ls"], { cwd: root });
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/ID\s+STATE/);
    expect(text.stdout).toMatch(/42-empty-config\s+done/);
    expect(text.stdout).toMatch(/43-typo\s+pending/);
    expect(text.stdout).toMatch(/44-flaky\s+failed.*not needed/);

    const json = await runHarness(["queue", "ls", "--state", "failed", "--json"], { cwd: root });
    expect(json.exitCode).toBe(0);
    const items = json.records.filter((record) => record.type === "item");
    expect(items.map((item) => item.id)).toEqual(["44-flaky"]);
    expect(json.records.at(-1)).toMatchObject({
      type: "result",
      command: "queue ls",
      items: 1,
      problems: 0,
    });
  });

  it("shows one item with its plan and history, and counts", async () => {
    const { root } = await repoWithQueue();
    const show = await runHarness(["queue", "show", "42-empty-config"], { cwd: root });
    expect(show.exitCode).toBe(0);
    expect(show.stdout).toContain("state done");
    expect(show.stdout).toContain('result: {"pr":101}');
    expect(show.stdout).toContain("## Goal");

    const stats = await runHarness(["queue", "stats", "--json"], { cwd: root });
    expect(stats.records.find((record) => record.type === "stats")).toMatchObject({
      driver: "file",
      pending: 1,
      running: 0,
      done: 1,
      failed: 1,
    });
  });

  it("retries, cancels and drops, and says so when an id is unknown", async () => {
    const { root } = await repoWithQueue();
    const retry = await runHarness(["queue", "retry", "44-flaky"], { cwd: root });
    expect(retry.exitCode).toBe(0);
    expect(retry.stdout).toContain("44-flaky is pending again");
    const cancel = await runHarness(["queue", "cancel", "43-typo"], { cwd: root });
    expect(cancel.stdout).toContain("43-typo cancelled");
    const drop = await runHarness(["queue", "drop", "43-typo"], { cwd: root });
    expect(drop.exitCode).toBe(0);
    const stats = await runHarness(["queue", "stats", "--json"], { cwd: root });
    expect(stats.records.find((record) => record.type === "stats")).toMatchObject({
      pending: 1,
      failed: 0,
      done: 1,
    });
    const missing = await runHarness(["queue", "show", "99-nope"], { cwd: root });
    expect(missing.exitCode).toBe(5);
    expect(missing.stderr).toContain("No queue item 99-nope");
    const badState = await runHarness(["queue", "ls", "--state", "stuck"], { cwd: root });
    expect(badState.exitCode).toBe(5);
    expect(badState.stderr).toContain("pending, running, done, failed");
  });

  it("follows a file a person moved by hand and names a corrupt one", async () => {
    const { root } = await repoWithQueue();
    const dir = queueDir(root);
    renameSync(path.join(dir, "failed", "44-flaky.md"), path.join(dir, "pending", "44-flaky.md"));
    mkdirSync(path.join(dir, "pending"), { recursive: true });
    writeFileSync(path.join(dir, "pending", "45-broken.md"), "---\ntitle: [unclosed\n---\nbody\n");
    const listed = await runHarness(["queue", "ls", "--state", "pending"], { cwd: root });
    expect(listed.exitCode).toBe(0);
    expect(listed.stdout).toMatch(/44-flaky\s+pending/);
    expect(listed.stderr).toContain("45-broken.md");
  });

  it("says how to fix a redis queue without a URL", async () => {
    repo = createTempGitRepo({ "harness.config.yaml": "queue:\n  driver: redis\n" });
    const run = await runHarness(["queue", "ls"], { cwd: repo.root });
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toContain("queue.url");
  });
});

describe("queue formatting", () => {
  const now = Date.parse("2026-11-22T12:00:00Z");
  const item = (overrides: Partial<QueueItem>): QueueItem => ({
    id: "1-a",
    state: "pending",
    title: "Do a thing",
    body: "",
    data: {},
    priority: 0,
    attempts: 0,
    maxAttempts: 3,
    createdAt: "2026-11-22T11:00:00Z",
    updatedAt: "2026-11-22T11:58:00Z",
    errors: [],
    ...overrides,
  });

  it("writes ages a person reads at a glance", () => {
    expect(formatAge("2026-11-22T11:59:30Z", now)).toBe("30s");
    expect(formatAge("2026-11-22T09:00:00Z", now)).toBe("3h");
    expect(formatAge("2026-11-22T12:05:00Z", now)).toBe("in 5m");
    expect(formatAge(undefined, now)).toBe("-");
  });

  it("puts the holder, the wait or the last error next to the title", () => {
    const lines = formatQueueTable(
      [
        item({
          id: "1-run",
          state: "running",
          lease: {
            owner: "host:12",
            claimedAt: "2026-11-22T11:59:00Z",
            expiresAt: "2026-11-22T12:00:20Z",
          },
        }),
        item({ id: "2-wait", notBefore: "2026-11-22T12:10:00Z" }),
        item({
          id: "3-bad",
          state: "failed",
          errors: [{ attempt: 1, at: "x", message: "tests failed\nmore", kind: "failed" }],
        }),
      ],
      now,
    );
    expect(lines[1]).toContain("(host:12, lease in 20s)");
    expect(lines[2]).toContain("(ready in 10m)");
    expect(lines[3]).toContain("(tests failed)");
    expect(lines[3]).not.toContain("more");
  });

  it("rejects an unknown state with the list of known ones", () => {
    expect(() => parseState("stuck")).toThrow(InputError);
    expect(parseState(undefined)).toBeUndefined();
  });
});
