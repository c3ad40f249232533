/**
 * The status dashboard through ink-testing-library, and the plain lines it shares with the
 * non-terminal output. Plain `.ts` with `createElement` (vitest includes `*.test.ts` only).
 */
import { render } from "ink-testing-library";
import { createElement } from "react";
import { describe, expect, it } from "vitest";

import { formatStatusPlain, type StatusReport } from "../../src/ui/status-format.js";
import { StatusView } from "../../src/ui/status-view.js";

const report: StatusReport = {
  repoRoot: "/repos/shop",
  at: "2026-11-22T10:00:00.000Z",
  cycle: { pid: 4242, host: "build-1", since: "2026-11-22T09:58:00.000Z" },
  queue: {
    location: "/repos/shop/.harness/queue",
    stats: { pending: 1, running: 1, done: 2, failed: 1, delayed: 0, corrupt: 0 },
    latest: [
      {
        id: "issue-7",
        state: "running",
        title: "Fix the cart",
        updatedAt: "2026-11-22T09:55:00.000Z",
      },
      { id: "issue-5", state: "failed", title: "Old idea", updatedAt: "2026-11-21T10:00:00.000Z" },
    ],
  },
  workers: [
    {
      id: "issue-7",
      title: "Fix the cart",
      owner: "build-1:4242:1",
      claimedAt: "2026-11-22T09:55:00.000Z",
      expiresAt: "2026-11-22T10:00:20.000Z",
      ageMs: 300_000,
    },
  ],
  budget: {
    day: "2026-11-22",
    spent: { items: 20, tokens: 1_000, costUsd: 0 },
    limits: { items: 20, tokens: 10_000_000, costUsd: 20 },
  },
  router: { url: "http://127.0.0.1:8788", running: false, backends: [] },
  runs: [
    {
      runId: "20261122-093000-abcdef",
      startedAt: "2026-11-22T09:30:00.000Z",
      finishedAt: "2026-11-22T09:31:00.000Z",
      failed: true,
      stages: {
        triage: { status: "failed", line: "failed: boom" },
        plan: { status: "done", line: "1 planned (1 item(s))" },
        work: { status: "skipped", line: "skipped" },
      },
      digestPath: ".harness/runs/20261122-093000-abcdef/digest.md",
    },
  ],
  pullRequests: { items: [], note: "skipped: the tracker failed: offline" },
};

describe("StatusView", () => {
  it("shows every section of the report", () => {
    const view = render(createElement(StatusView, { report, watching: true }));
    const frame = view.lastFrame() ?? "";
    expect(frame).toContain("harness status");
    expect(frame).toContain("a triage/plan cycle is running (pid 4242 on build-1, for 2m 00s)");
    expect(frame).toContain("pending 1 · running 1 · done 2 · failed 1");
    expect(frame).toMatch(/issue-7 +build-1:4242:1 +for 5m 00s +lease 20\.0s left/);
    expect(frame).toContain("items started 20 / 20");
    expect(frame).toContain("router not running at http://127.0.0.1:8788");
    expect(frame).toContain("20261122-093000-abcdef  30m 00s ago  (a stage failed)");
    expect(frame).toContain("triage: failed: boom | plan: 1 planned (1 item(s))");
    expect(frame).not.toContain("work: skipped");
    expect(frame).toContain("skipped: the tracker failed: offline");
    expect(frame).toContain("q or Ctrl-C to quit");
    view.unmount();
  });

  it("has the same content as the plain output", () => {
    const plain = formatStatusPlain(report).join("\n");
    expect(plain).toContain("harness status of /repos/shop at 2026-11-22T10:00:00.000Z");
    expect(plain).toContain("\nbudget today (2026-11-22 UTC)\n  items started 20 / 20");
    expect(plain).toContain("\n  issue-5  failed   24h 00m  Old idea\n");
  });
});
