/**
 * The issue pipeline when GitHub says no: 401, 403, 404, 422 and rate limits, armed on the
 * emulator's fault front (tests/support/github-emulator.ts) while `runCycle` runs the real
 * stages on a real repository with a bare `origin`. Before each faulty run an earlier cycle has
 * triaged and planned issue A, so the queue holds its pending item.
 *
 * What must hold: the error names the problem and carries a hint, the token is nowhere (error,
 * hint, the run's summary, digest and events); an auth or rate-limit error stops the cycle
 * wherever it happens, and an item in hand goes back to the queue untouched; a per-issue
 * refusal (422) writes nothing half-way; the queue's items and their states are what they were
 * before the faulty run; and the next clean run carries on without duplicates.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import type { HarnessConfig } from "../../src/config/schema.js";
import { AuthError, NetworkError, type HarnessError } from "../../src/errors.js";
import { createCollectingSink } from "../../src/events.js";
import { FakeModelClient } from "../../src/models/fake-model-client.js";
import type { FakeResponse } from "../../src/models/model-script.js";
import { createGitHubTracker } from "../../src/tracker/github-tracker.js";
import { runCycle, type CycleStageName, type CycleSummary } from "../../src/workflows/run-cycle.js";
import { createFileTriageStateStore } from "../../src/workflows/triage-state.js";
import { startGitHubEmulator, type GitHubEmulator } from "../support/github-emulator.js";
import {
  implementerTurnsFor,
  issueComments,
  issueLabels,
  planAnswer,
  pullRequests,
  queueSnapshot,
  triageAnswer,
  withMarker,
} from "../support/pipeline-scripts.js";
import {
  budgetFor,
  createWorkFixture,
  fakeToken,
  implementerFixes,
  originBranches,
  review,
  workConfig,
  type WorkFixture,
} from "./work-fixture.js";

let github: GitHubEmulator;
let fixture: WorkFixture;
let config: HarnessConfig;
/** Issue A: triaged and planned before each test; its item `issue-<A>` is pending. */
let issueA: number;
const RUN_ID = "20261122-100000-faulty";

beforeEach(async () => {
  github = await startGitHubEmulator({ tokens: { owner: fakeToken } });
  fixture = await createWorkFixture();
  config = workConfig({
    github: { repo: github.fullName, token: fakeToken },
    fanOut: { maxWorkers: 1 },
    work: { maxConcurrent: 1 },
  });
  issueA = await github.createIssue({
    title: "Greet harness",
    body: "greet() should say Hello, harness.",
  });
  const earlier = new FakeModelClient([triageAnswer(issueA, "valid"), planAnswer(issueA)]);
  await cycle(earlier, { skip: { work: true } });
  earlier.assertDone();
  await nextMillisecond();
});

afterEach(async () => {
  await fixture?.cleanup();
  await github?.close();
});

function nextMillisecond(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5));
}

function cycle(
  client: FakeModelClient,
  extra: { skip?: Partial<Record<CycleStageName, boolean>>; runId?: string } = {},
): Promise<CycleSummary> {
  return runCycle({
    repoRoot: fixture.repo.root,
    config,
    tracker: createGitHubTracker({
      repo: github.fullName,
      token: fakeToken,
      baseUrl: github.url,
      limits: { paceWrites: false, msPerSecond: 1 },
    }),
    queue: fixture.queue,
    client,
    routerUrl: "http://127.0.0.1:9",
    budget: budgetFor(config),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, GITHUB_TOKEN: fakeToken },
    events: createCollectingSink(),
    triageState: createFileTriageStateStore(fixture.repo.root),
    ...extra,
  });
}

/** Runs the faulty cycle; it must throw a typed error, which is returned. */
async function stoppedCycle(client: FakeModelClient): Promise<HarnessError> {
  const error = await cycle(client, { runId: RUN_ID }).then(
    () => undefined,
    (caught: unknown) => caught as HarnessError,
  );
  if (!error) throw new Error("expected the cycle to stop on an error");
  return error;
}

function runFile(name: string): string {
  return readFileSync(path.join(fixture.repo.root, ".harness", "runs", RUN_ID, name), "utf8");
}

/** The error, its hint and the run's record say nothing of the token. */
function expectNoToken(error?: HarnessError): void {
  const texts = [runFile("summary.json"), runFile("digest.md"), runFile("events.jsonl")];
  if (error) texts.push(error.message, error.hint ?? "", String(error), String(error.stack));
  for (const text of texts) expect(text).not.toContain(fakeToken);
}

function summaryOfRun(): CycleSummary {
  return JSON.parse(runFile("summary.json")) as CycleSummary;
}

const permissionRefusal = {
  status: 403,
  times: 1000,
  headers: { "x-accepted-github-permissions": "issues=write", "x-ratelimit-remaining": "4990" },
  body: { message: "Resource not accessible by personal access token" },
};

describe("GitHub refusals during a cycle", () => {
  it("401: the token is refused; the cycle stops before any model request, the queue as it was", async () => {
    const before = await queueSnapshot(fixture.queue);
    github.fail({
      path: /./,
      status: 401,
      times: 1000,
      // A proxy that echoes the credential back must not get it printed either.
      body: { message: `Bad credentials for ${fakeToken}` },
    });
    const client = new FakeModelClient([]);
    const error = await stoppedCycle(client);

    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toMatch(
      /^GitHub refused the token while trying to list the open issues of octo\/shop \(401: /,
    );
    expect(error.hint).toMatch(/set GITHUB_TOKEN to a token with repo scope/);
    expectNoToken(error);
    expect(summaryOfRun()).toMatchObject({
      failed: true,
      error: { name: "AuthError" },
      stages: { triage: { status: "failed" }, plan: { status: "skipped" } },
    });
    expect(client.calls).toHaveLength(0);
    expect(await queueSnapshot(fixture.queue)).toEqual(before);
  });

  it("403: a token that may not write stops the cycle at triage; the next run triages once", async () => {
    const issueB = await github.createIssue({ title: "Greet twice", body: "greet() twice." });
    const before = await queueSnapshot(fixture.queue);
    github.fail({ method: "POST", path: /\/labels$|\/comments$/, ...permissionRefusal });
    const client = new FakeModelClient([triageAnswer(issueB, "valid")]);
    const error = await stoppedCycle(client);

    client.assertDone();
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toContain(
      `GitHub refused the token permission to label issue #${issueB} of octo/shop (403: ` +
        "Resource not accessible by personal access token): it needs the permission issues=write",
    );
    expect(error.hint).toContain("Give the token the permission issues=write on octo/shop");
    expectNoToken(error);
    expect(summaryOfRun().stages.work.status).toBe("skipped");
    // The queue's item was not worked: the cycle stopped before work.
    expect(await queueSnapshot(fixture.queue)).toEqual(before);
    expect(await issueLabels(github, issueB)).toEqual([]);

    github.clearFaults();
    const next = new FakeModelClient([triageAnswer(issueB, "valid"), planAnswer(issueB)]);
    const summary = await cycle(next, { skip: { work: true } });
    next.assertDone();
    expect(summary.failed).toBe(false);
    const comments = await issueComments(github, issueB);
    expect(withMarker(comments, "triage")).toHaveLength(1);
    expect(withMarker(comments, "plan")).toHaveLength(1);
    expect((await queueSnapshot(fixture.queue)).map((item) => [item.id, item.state])).toEqual([
      [`issue-${issueA}`, "pending"],
      [`issue-${issueB}`, "pending"],
    ]);
  });

  it("403 in the work stage: the item in hand goes back untouched and the cycle stops", async () => {
    const before = await queueSnapshot(fixture.queue);
    // Labelling the issue in progress is the work stage's first write.
    github.fail({ method: "POST", path: /\/labels$/, ...permissionRefusal });
    const client = new FakeModelClient([]);
    const error = await stoppedCycle(client);

    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toContain("it needs the permission issues=write");
    expectNoToken(error);
    expect(summaryOfRun().stages.work).toMatchObject({ status: "failed" });
    expect(client.calls).toHaveLength(0);
    expect(await queueSnapshot(fixture.queue)).toEqual(before);
    expect(originBranches(fixture)).toEqual(["main"]);
  });

  it("404: the repository is gone or hidden from the token; stages fail, the queue as it was", async () => {
    const before = await queueSnapshot(fixture.queue);
    github.fail({ path: /./, status: 404, times: 1000, body: { message: "Not Found" } });
    const client = new FakeModelClient([]);
    const summary = await cycle(client, { runId: RUN_ID });

    expect(summary.failed).toBe(true);
    expect(summary.stages.triage).toMatchObject({
      status: "failed",
      error:
        "octo/shop not found or the token cannot see it (404 while trying to list the open issues of octo/shop)",
    });
    expect(summary.stages.work.status).toBe("failed");
    expect(summary.stages.work.error).toContain("octo/shop not found or the token cannot see it");
    expect(runFile("digest.md")).toContain("octo/shop not found or the token cannot see it");
    expectNoToken();
    expect(client.calls).toHaveLength(0);
    expect(await queueSnapshot(fixture.queue)).toEqual(before);
  });

  it("422 on the plan comment: that issue fails with GitHub's message, nothing is half-enqueued", async () => {
    const issueB = await github.createIssue({ title: "Greet twice", body: "greet() twice." });
    const triaged = new FakeModelClient([triageAnswer(issueB, "valid")]);
    await cycle(triaged, { skip: { plan: true, work: true } });
    triaged.assertDone();
    const before = await queueSnapshot(fixture.queue);

    github.fail({
      method: "POST",
      path: new RegExp(`/issues/${issueB}/comments$`),
      status: 422,
      times: 1000,
      body: {
        message: "Validation failed",
        errors: [{ resource: "IssueComment", code: "custom", message: "body is too long" }],
      },
    });
    const client = new FakeModelClient([planAnswer(issueB)]);
    // The daemon's triage + plan tick: work runs on its own rhythm.
    const summary = await cycle(client, { runId: RUN_ID, skip: { work: true } });
    client.assertDone();

    expect(summary.stages.plan.summary?.failures).toEqual([
      {
        issue: issueB,
        error:
          `GitHub rejected the request while trying to comment on issue #${issueB} of octo/shop ` +
          "(422: Validation failed: body is too long)",
      },
    ]);
    expect(runFile("digest.md")).toContain("body is too long");
    expectNoToken();
    expect(await queueSnapshot(fixture.queue)).toEqual(before);
    expect(await issueLabels(github, issueB)).toEqual(["harness:valid"]);

    github.clearFaults();
    const next = new FakeModelClient([planAnswer(issueB)]);
    await cycle(next, { skip: { work: true } });
    next.assertDone();
    expect(withMarker(await issueComments(github, issueB), "plan")).toHaveLength(1);
    expect(await fixture.queue.get(`issue-${issueB}`)).toMatchObject({ state: "pending" });
  });

  it("a used-up rate limit stops the cycle with the reset time; the queue as it was", async () => {
    const before = await queueSnapshot(fixture.queue);
    const reset = Math.floor(Date.now() / 1000) + 3600;
    github.fail({
      method: "GET",
      path: /\/issues\?/,
      status: 403,
      times: 1000,
      headers: {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String(reset),
      },
      body: { message: "API rate limit exceeded for user ID 1." },
    });
    const client = new FakeModelClient([]);
    const error = await stoppedCycle(client);

    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toContain(
      `GitHub's API rate limit (5000 requests an hour) is used up while trying to list the open issues of octo/shop; it resets at ${new Date(reset * 1000).toISOString()}`,
    );
    expect(error.hint).toMatch(/Run again after the reset/);
    expectNoToken(error);
    expect(client.calls).toHaveLength(0);
    expect(await queueSnapshot(fixture.queue)).toEqual(before);
  });

  it("a secondary rate limit on the PR gives the item back; the next run opens one PR on the same branch", async () => {
    const before = await queueSnapshot(fixture.queue);
    github.fail({
      method: "POST",
      path: /\/pulls$/,
      status: 429,
      times: 1000,
      headers: { "retry-after": "1" },
      body: { message: "You have exceeded a secondary rate limit." },
    });
    const work = (): FakeResponse[] => [
      ...implementerTurnsFor(issueA, implementerFixes(issueA)),
      review(true),
    ];
    const client = new FakeModelClient(work());
    const error = await stoppedCycle(client);

    client.assertDone();
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toBe(
      "GitHub's secondary rate limit stopped the requests while trying to open a pull request " +
        `from harness/${issueA}-greet-harness; GitHub asks to wait 1 s`,
    );
    expect(error.hint).toMatch(/Run again in a few minutes/);
    expectNoToken(error);
    expect(summaryOfRun().stages.work.status).toBe("failed");
    // Back in the queue as it was: pending, the attempt not counted, no error recorded.
    expect(await queueSnapshot(fixture.queue)).toEqual(before);
    expect(await pullRequests(github)).toEqual([]);
    const branch = `harness/${issueA}-greet-harness`;
    expect(originBranches(fixture)).toEqual([branch, "main"]);

    github.clearFaults();
    const next = new FakeModelClient(work());
    const summary = await cycle(next);
    next.assertDone();
    expect(summary.stages.work.summary?.items).toEqual([
      expect.objectContaining({ id: `issue-${issueA}`, outcome: "pr-opened", branch }),
    ]);
    const pulls = await pullRequests(github);
    expect(pulls.map((pull) => pull.head.ref)).toEqual([branch]);
    expect(originBranches(fixture)).toEqual([branch, "main"]);
    expect(await fixture.queue.get(`issue-${issueA}`)).toMatchObject({
      state: "done",
      attempts: 1,
    });
  });
});
