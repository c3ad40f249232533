/**
 * How the work stage takes items: the open-PR cap and the budgets stop it before any claim,
 * items of other kinds are given back untouched, invalid plans fail for good, unfinished
 * dependencies delay an item, `--item` works just that one, and an item whose worker died
 * (claimed, worktree and a commit made, lease run out) is finished by the next run on the same
 * branch with the same single pull request.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { InputError } from "../../src/errors.js";
import { commitAll, openWorktree } from "../../src/git/worktrees.js";
import { FakeModelClient } from "../../src/models/fake-model-client.js";
import type { ModelClient } from "../../src/models/model-client.js";
import { LOCAL_ISSUES_DIR } from "../../src/tracker/local-tracker.js";
import { HARNESS_PR_LABEL, planItemId } from "../../src/workflows/pipeline-contract.js";
import { DEPENDENCY_DELAY_MS } from "../../src/workflows/work-claims.js";
import { workItems } from "../../src/workflows/work.js";
import {
  GOOD_GREET,
  addIssueWithPlan,
  budgetFor,
  createWorkFixture,
  finish,
  git,
  implementerFixes,
  originBranches,
  workConfig,
  workOptions,
  type WorkFixture,
} from "./work-fixture.js";

let fixture: WorkFixture;

beforeEach(async () => {
  fixture = await createWorkFixture();
});

afterEach(async () => {
  await fixture.cleanup();
});

function pulls(): Array<{ number: number; head: string; state: string; body: string }> {
  const file = path.join(fixture.repo.root, LOCAL_ISSUES_DIR, "pulls.json");
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")).pulls : [];
}

describe("workItems caps", () => {
  it("claims nothing at the open pull request cap and says why", async () => {
    const { id } = await addIssueWithPlan(fixture);
    await fixture.tracker.upsertPullRequest({
      head: "harness/99-other",
      base: "main",
      title: "Another harness PR",
      body: "",
      labels: [HARNESS_PR_LABEL],
    });
    const config = workConfig({ work: { maxOpenPullRequests: 1 } });
    const client = new FakeModelClient([]);
    const summary = await workItems(workOptions(fixture, client, config, { untilIdle: true }));

    expect(summary.items).toEqual([]);
    expect(summary.stoppedBy).toMatch(
      /open pull request cap reached \(1 open.*maxOpenPullRequests 1\)/,
    );
    expect(fixture.events).toContainEqual({ type: "budget-reached", reason: summary.stoppedBy });
    const item = await fixture.queue.get(id);
    expect(item).toMatchObject({ state: "pending", attempts: 0 });
    expect(item?.lease).toBeUndefined();
    expect(client.calls).toHaveLength(0);
  });

  it("claims nothing when the run's budget is used up", async () => {
    const { id } = await addIssueWithPlan(fixture);
    const config = workConfig({ budgets: { maxItemsPerRun: 1 } });
    const budget = budgetFor(config);
    await budget.startItem();
    const summary = await workItems(
      workOptions(fixture, new FakeModelClient([]), config, { budget, untilIdle: true }),
    );
    expect(summary).toEqual({ items: [], stoppedBy: "run item budget reached (1 items)" });
    expect(await fixture.queue.get(id)).toMatchObject({ state: "pending", attempts: 0 });
  });
});

describe("workItems claiming", () => {
  it("gives back other kinds untouched, fails invalid plans, and delays unmet dependencies", async () => {
    await fixture.queue.enqueue({
      id: "translate-batch-1",
      title: "Translate docs",
      data: { kind: "translate-batch" },
      priority: 10,
    });
    await fixture.queue.enqueue({
      id: "issue-7",
      title: "Broken plan",
      data: { kind: "issue-plan", issue: 7 },
      priority: 5,
    });
    // A dependency that is not done (and not claimable yet).
    await fixture.queue.enqueue({
      id: "issue-1-part-1",
      title: "Part 1",
      data: { kind: "translate-batch" },
      delayMs: 3_600_000,
    });
    const { id } = await addIssueWithPlan(fixture, {
      id: "issue-1-part-2",
      data: { dependsOn: ["issue-1-part-1"], epic: { part: 2, parts: 2 } },
    });
    const client = new FakeModelClient([]);
    const startedAt = Date.now();
    const summary = await workItems(
      workOptions(fixture, client, workConfig(), { untilIdle: true }),
    );

    expect(summary).toEqual({ items: [] });
    expect(client.calls).toHaveLength(0);
    expect(await fixture.queue.get("translate-batch-1")).toMatchObject({
      state: "pending",
      attempts: 0,
    });
    const broken = await fixture.queue.get("issue-7");
    expect(broken?.state).toBe("failed");
    expect(broken?.errors.at(-1)?.message).toMatch(/issue-7 is not a valid issue plan \(.*branch/);
    const waiting = await fixture.queue.get(id);
    expect(waiting).toMatchObject({ state: "pending", attempts: 0 });
    expect(Date.parse(waiting?.notBefore ?? "")).toBeGreaterThanOrEqual(
      startedAt + DEPENDENCY_DELAY_MS - 1_000,
    );
    expect(fixture.events).toContainEqual(
      expect.objectContaining({
        type: "warning-raised",
        message: expect.stringContaining("waits for its dependencies (issue-1-part-1 is pending)"),
      }),
    );
    expect(fixture.events.some((event) => event.type === "work-started")).toBe(false);
  });

  it("works only the item asked for, and refuses one that is not pending", async () => {
    const first = await addIssueWithPlan(fixture);
    const second = await addIssueWithPlan(fixture, { title: "Greet harness again" });
    const config = workConfig({ work: { reviewRounds: 0 } });
    const client = new FakeModelClient(implementerFixes(second.issue));
    const summary = await workItems(
      workOptions(fixture, client, config, { itemId: second.id, untilIdle: true }),
    );
    client.assertDone();
    expect(summary.items.map((item) => [item.id, item.outcome])).toEqual([
      [second.id, "pr-opened"],
    ]);
    expect(await fixture.queue.get(first.id)).toMatchObject({ state: "pending", attempts: 0 });

    await expect(
      workItems(workOptions(fixture, new FakeModelClient([]), config, { itemId: second.id })),
    ).rejects.toThrow(InputError);
    await expect(
      workItems(workOptions(fixture, new FakeModelClient([]), config, { itemId: "issue-404" })),
    ).rejects.toThrow(/no queue item issue-404/);
  });
});

describe("workItems after a crash", () => {
  it("reuses the branch, the commit and the one PR a dead worker left", async () => {
    const { issue, id, branch } = await addIssueWithPlan(fixture);
    // The dead worker: claimed, opened the worktree, committed, pushed and opened the PR.
    const dead = await fixture.queue.claim({ worker: "dead-worker", leaseMs: 30_000 });
    expect(dead?.item.id).toBe(id);
    const worktree = await openWorktree({
      repoRoot: fixture.repo.root,
      id: `${issue}-greet-harness`,
      branch,
      base: fixture.baseCommit,
    });
    writeFileSync(path.join(worktree.path, "src/greet.js"), GOOD_GREET);
    const earlier = await commitAll(worktree.path, "harness: Greet harness (#1)");
    git(worktree.path, "push", "-q", "origin", branch);
    await fixture.tracker.upsertPullRequest({
      head: branch,
      base: "main",
      title: "Greet harness (#1)",
      body: "first attempt",
      labels: [HARNESS_PR_LABEL],
    });
    // Its lease runs out.
    fixture.advance(10 * 60_000);

    const config = workConfig({ work: { reviewRounds: 0, maxOpenPullRequests: 1 } });
    const client = new FakeModelClient([finish("The change was already there; tests pass.")]);
    const summary = await workItems(workOptions(fixture, client, config));
    client.assertDone();

    // The cap does not stop it: its branch already has the open PR, which it updates.
    expect(summary.items).toEqual([
      expect.objectContaining({ id, outcome: "pr-updated", branch, testsPassed: true }),
    ]);
    expect(summary.stoppedBy).toBeUndefined();
    const task = (client.calls[0]?.messages[0] as { content: string }).content;
    expect(task).toContain("An earlier attempt at this item may have left commits");
    expect(git(fixture.origin, "rev-parse", branch).trim()).toBe(earlier);
    expect(originBranches(fixture)).toEqual([branch, "main"]);
    const all = pulls();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ head: branch, state: "open" });
    expect(all[0]?.body).toContain(`Closes #${issue}`);
    const item = await fixture.queue.get(planItemId(issue));
    expect(item?.state).toBe("done");
    expect(item?.errors.map((error) => error.kind)).toEqual(["lease-expired"]);
  });
});

describe("workItems stopping early", () => {
  it("completes an item whose issue was closed, and fails one whose author lost trust", async () => {
    const closed = await addIssueWithPlan(fixture);
    await fixture.tracker.closeIssue(closed.issue, "completed");
    const client = new FakeModelClient([]);
    const first = await workItems(workOptions(fixture, client, workConfig()));
    expect(first.items).toEqual([
      expect.objectContaining({
        id: closed.id,
        outcome: "released",
        error: "issue #1 is closed; nothing was done",
      }),
    ]);
    expect((await fixture.queue.get(closed.id))?.state).toBe("done");

    const untrusted = await addIssueWithPlan(fixture, { title: "Greet harness again" });
    const config = workConfig({ trust: { authorAssociations: ["MEMBER"], approvalLabel: "" } });
    const second = await workItems(workOptions(fixture, client, config));
    expect(second.items).toEqual([
      expect.objectContaining({
        id: untrusted.id,
        outcome: "failed",
        error: expect.stringContaining("no longer trusted"),
      }),
    ]);
    expect((await fixture.queue.get(untrusted.id))?.state).toBe("failed");
    expect(client.calls).toHaveLength(0);
    expect(originBranches(fixture)).toEqual(["main"]);
  });

  it("gives the item back untouched when the run is cancelled", async () => {
    const { id } = await addIssueWithPlan(fixture);
    const controller = new AbortController();
    const options = workOptions(fixture, new FakeModelClient(implementerFixes(1)), workConfig(), {
      signal: controller.signal,
    });
    options.events = {
      emit: (event) => {
        fixture.events.push(event);
        if (event.type === "work-step" && event.step === "implement") controller.abort();
      },
    };
    const summary = await workItems(options);
    expect(summary.items).toEqual([
      expect.objectContaining({
        id,
        outcome: "released",
        error: expect.stringContaining("cancelled"),
      }),
    ]);
    expect(await fixture.queue.get(id)).toMatchObject({ state: "pending", attempts: 0 });
    expect(originBranches(fixture)).toEqual(["main"]);
  });

  it("stops working an item whose lease it lost, and records nothing for it", async () => {
    const { id } = await addIssueWithPlan(fixture);
    const config = workConfig({
      queue: { leaseMs: 1_000 },
      project: { testCommand: 'node -e "setTimeout(() => {}, 20000)"' },
    });
    const options = workOptions(fixture, new FakeModelClient(implementerFixes(1)), config);
    options.events = {
      emit: (event) => {
        fixture.events.push(event);
        // A person cancels the item while its tests run: the next renew finds it gone.
        if (event.type === "work-step" && event.step === "tests")
          void fixture.queue.cancel(id, "not wanted");
      },
    };
    const started = Date.now();
    const summary = await workItems(options);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(summary.items).toEqual([
      expect.objectContaining({
        id,
        outcome: "released",
        error: expect.stringContaining("Lost the lease"),
      }),
    ]);
    const item = await fixture.queue.get(id);
    expect(item?.state).toBe("failed");
    expect(item?.errors.map((error) => error.kind)).toEqual(["cancelled"]);
    expect(item?.result).toBeUndefined();
  });
});

describe("workItems concurrency", () => {
  /** Answers each item's agent from its own script (the task names the item). */
  function routingClient(routes: Record<string, FakeModelClient>): ModelClient {
    return {
      stream(request) {
        const first = request.messages[0];
        const text =
          first?.role === "user" && typeof first.content === "string" ? first.content : "";
        const id = /queue item (issue-\d+)/.exec(text)?.[1] ?? "";
        const route = routes[id];
        if (!route) throw new Error(`no script for ${JSON.stringify(id)}`);
        return route.stream(request);
      },
    };
  }

  it("works one round of `concurrency` items at once and leaves the rest for the next run", async () => {
    const items = [
      await addIssueWithPlan(fixture),
      await addIssueWithPlan(fixture, { title: "Greet harness again" }),
      await addIssueWithPlan(fixture, { title: "Greet harness once more" }),
    ];
    const scripts = Object.fromEntries(
      items.map((item) => [item.id, new FakeModelClient(implementerFixes(item.issue))]),
    );
    const config = workConfig({ work: { reviewRounds: 0 } });
    const summary = await workItems(
      workOptions(fixture, new FakeModelClient([]), config, {
        client: routingClient(scripts),
        concurrency: 2,
      }),
    );
    if (summary.items.some((item) => item.error))
      expect(summary.items.map((item) => [item.id, item.outcome, item.error]).sort()).toEqual([
        [items[0]!.id, "pr-opened", undefined],
        [items[1]!.id, "pr-opened", undefined],
      ]);
    scripts[items[0]!.id]!.assertDone();
    scripts[items[1]!.id]!.assertDone();
    expect(await fixture.queue.get(items[2]!.id)).toMatchObject({ state: "pending", attempts: 0 });
    // Both were in hand at once: the second started before the first finished.
    const order = fixture.events.flatMap((event) =>
      event.type === "work-started" || event.type === "work-finished" ? [event.type] : [],
    );
    expect(order.slice(0, 2)).toEqual(["work-started", "work-started"]);
    expect(
      pulls()
        .map((pull) => pull.head)
        .sort(),
    ).toEqual([items[0]!.branch, items[1]!.branch].sort());
  });
});
