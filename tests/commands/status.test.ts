/**
 * `harness status` on a real repository with no router running: the JSON report (queue counts
 * and latest items, the worker holding a lease, today's budget, recent runs, open harness pull
 * requests on the local tracker), the plain text, a router's /status when one answers, and a
 * tracker that fails leaving a note instead of failing the command.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { gatherStatusReport, runStatusCommand } from "../../src/commands/status.js";
import { configSchema } from "../../src/config/schema.js";
import { AuthError } from "../../src/errors.js";
import { FakeModelClient } from "../../src/models/fake-model-client.js";
import { openQueue } from "../../src/queue/open-queue.js";
import { createLocalTracker } from "../../src/tracker/local-tracker.js";
import type { Tracker } from "../../src/tracker/types.js";
import {
  DAY_BUDGET_FILE,
  createMemoryDaySpendStore,
  createPipelineBudget,
} from "../../src/workflows/pipeline-budget.js";
import { runCycle } from "../../src/workflows/run-cycle.js";
import { createMemoryTriageStateStore } from "../../src/workflows/triage-state.js";
import { captureCommand } from "../support/command-context.js";
import { createTempGitRepo, type TempGitRepo } from "../support/temp-git-repo.js";

let repo: TempGitRepo;
let closedPort: number;

/** A port nothing listens on: bound, then released. */
async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeEach(async () => {
  closedPort = await freePort();
  repo = createTempGitRepo({
    "harness.config.yaml": `router:\n  port: ${closedPort}\nbudgets:\n  maxItemsPerDay: 8\n`,
  });
  const config = configSchema.parse({ router: { port: closedPort } });
  const queue = await openQueue({ config, root: repo.root });
  await queue.enqueue({ id: "issue-1", title: "Fix the cart total" });
  await queue.enqueue({ id: "issue-2", title: "Add a coupon field" });
  await queue.enqueue({ id: "issue-3", title: "Translate the footer" });
  const claim = await queue.claim({ worker: "build-1:4242:1" });
  expect(claim?.item.id).toBe("issue-1");
  await runCycle({
    repoRoot: repo.root,
    config,
    tracker: createLocalTracker(repo.root),
    queue,
    client: new FakeModelClient([]),
    routerUrl: "http://127.0.0.1:9",
    env: {},
    budget: createPipelineBudget({ config, store: createMemoryDaySpendStore() }),
    triageState: createMemoryTriageStateStore(),
    runId: "20261122-100000-abcdef",
    skip: { triage: true, plan: true },
    stages: { work: async () => ({ items: [], stoppedBy: "daily item budget reached (8 items)" }) },
  });
  await queue.close();
  const day = new Date().toISOString().slice(0, 10);
  mkdirSync(path.join(repo.root, path.dirname(DAY_BUDGET_FILE)), { recursive: true });
  writeFileSync(
    path.join(repo.root, DAY_BUDGET_FILE),
    JSON.stringify({ day, items: 3, tokens: 45_000, costUsd: 0.5 }),
  );
  const tracker = createLocalTracker(repo.root);
  await tracker.upsertPullRequest({
    head: "harness/1-fix-the-cart-total",
    base: "main",
    title: "Fix the cart total",
    body: "Fixes #1",
    labels: ["harness"],
  });
  await tracker.upsertPullRequest({
    head: "someone/else",
    base: "main",
    title: "A person's PR",
    body: "",
  });
});

afterEach(() => {
  repo.cleanup();
});

async function status(json: boolean): Promise<{ exitCode: number; stdout: string }> {
  const { ctx, output } = captureCommand({ cwd: repo.root, json });
  const { exitCode } = await runStatusCommand({}, ctx);
  return { exitCode, stdout: output() };
}

describe("harness status", () => {
  it("prints one JSON object with the queue, workers, budget, router, runs and pull requests", async () => {
    const { exitCode, stdout } = await status(true);
    expect(exitCode).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(report).toMatchObject({
      type: "result",
      command: "status",
      repoRoot: repo.root,
      queue: { stats: { pending: 2, running: 1, done: 0, failed: 0 } },
      workers: [{ id: "issue-1", title: "Fix the cart total", owner: "build-1:4242:1" }],
      budget: {
        spent: { items: 3, tokens: 45_000, costUsd: 0.5 },
        limits: { items: 8 },
      },
      router: { url: `http://127.0.0.1:${closedPort}`, running: false, backends: [] },
      runs: [
        {
          runId: "20261122-100000-abcdef",
          failed: false,
          stoppedBy: "daily item budget reached (8 items)",
          stages: { triage: { status: "skipped" }, work: { status: "done" } },
        },
      ],
      pullRequests: {
        items: [{ title: "Fix the cart total", head: "harness/1-fix-the-cart-total" }],
      },
    });
    const latest = (report.queue as { latest: Array<{ id: string; title: string }> }).latest;
    expect(latest.map((item) => item.id).sort()).toEqual(["issue-1", "issue-2", "issue-3"]);
    expect(latest.find((item) => item.id === "issue-2")?.title).toBe("Add a coupon field");
    expect((report.pullRequests as { note?: string }).note).toBeUndefined();
  });

  it("prints plain text without a terminal, saying the router is not running", async () => {
    const { exitCode, stdout } = await status(false);
    expect(exitCode).toBe(0);
    expect(stdout).toContain(`router not running at http://127.0.0.1:${closedPort}`);
    expect(stdout).toContain("pending 2 · running 1 · done 0 · failed 0");
    expect(stdout).toMatch(/issue-1 +build-1:4242:1 +for /);
    expect(stdout).toContain("items started 3 / 8");
    expect(stdout).toContain("20261122-100000-abcdef");
    expect(stdout).toContain("stopped: daily item budget reached (8 items)");
    expect(stdout).toContain("Fix the cart total");
    expect(stdout).not.toContain("A person's PR");
  });

  it("shows a router's backends when one answers, and a note when the tracker fails", async () => {
    const router = http.createServer((request, response) => {
      response.setHeader("content-type", "application/json");
      response.end(
        JSON.stringify({
          backends: [
            {
              name: "gpu-1",
              kind: "llama-server",
              breaker: "closed",
              readiness: "ready",
              inFlight: 1,
              slots: 4,
              stats: { requests: 10, failures: 0 },
            },
          ],
        }),
      );
    });
    await new Promise<void>((resolve) => router.listen(0, "127.0.0.1", resolve));
    try {
      const port = (router.address() as AddressInfo).port;
      const failing: Tracker = createLocalTracker(repo.root);
      failing.listOpenPullRequests = async () => {
        throw new AuthError("the GitHub token was refused (401)");
      };
      const report = await gatherStatusReport({
        repoRoot: repo.root,
        config: configSchema.parse({ router: { port } }),
        tracker: failing,
        queueProblem: "redis is down",
      });
      expect(report.router).toMatchObject({
        running: true,
        backends: [{ name: "gpu-1", kind: "llama-server", inFlight: 1, slots: 4, requests: 10 }],
      });
      expect(report.pullRequests).toEqual({
        items: [],
        note: "skipped: the tracker failed: the GitHub token was refused (401)",
      });
      expect(report.queue).toMatchObject({ problem: "redis is down", latest: [] });
      expect(report.workers).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => router.close(() => resolve()));
    }
  });
});
