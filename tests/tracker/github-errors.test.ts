/**
 * What GitHub's refusals become: typed errors with fixed exit codes and messages that say what
 * to do, bounded retries for rate limits and network failures, and never the token. Answers the
 * emulator cannot give (a refused token, GitHub's permission headers, rate limits, a dropped
 * connection) are armed on the test front (tests/support/github-emulator.ts); the rest is real.
 */
import { inspect } from "node:util";

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import {
  AuthError,
  ExitCode,
  InputError,
  NetworkError,
  type HarnessError,
} from "../../src/errors.js";
import type { GitHubLimits } from "../../src/tracker/github-client.js";
import { toGitHubError } from "../../src/tracker/github-errors.js";
import { createGitHubTracker, type GitHubTracker } from "../../src/tracker/github-tracker.js";
import type { TrackerNotice } from "../../src/tracker/types.js";
import { startGitHubEmulator, type GitHubEmulator } from "../support/github-emulator.js";

let github: GitHubEmulator;
let issue: number;

function tracker(
  options: {
    repo?: string;
    limits?: GitHubLimits;
    notices?: TrackerNotice[];
    baseUrl?: string;
  } = {},
): GitHubTracker {
  return createGitHubTracker({
    repo: options.repo ?? github.fullName,
    token: github.tokens.owner,
    baseUrl: options.baseUrl ?? github.url,
    limits: { paceWrites: false, msPerSecond: 1, ...options.limits },
    onNotice: (notice) => options.notices?.push(notice),
  });
}

async function failure(promise: Promise<unknown>): Promise<HarnessError> {
  try {
    await promise;
  } catch (error) {
    return error as HarnessError;
  }
  throw new Error("expected the call to fail");
}

/** The token must not be in anything a person or a log could see. */
function expectNoToken(error: HarnessError): void {
  const token = github.tokens.owner;
  for (const text of [
    error.message,
    error.hint ?? "",
    String(error),
    String(error.stack),
    JSON.stringify(error),
    inspect(error, { depth: 10 }),
  ]) {
    expect(text).not.toContain(token);
  }
  expect(error.cause).toBeUndefined();
}

function countRequests(pattern: RegExp, since: number): number {
  return github.requests.slice(since).filter((request) => pattern.test(request.path)).length;
}

const ISSUES_LIST = /\/issues\?/;
const nowSeconds = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  github = await startGitHubEmulator();
  issue = await github.createIssue({ title: "Something to comment on" });
});

afterEach(() => {
  github.clearFaults();
});

afterAll(async () => {
  await github?.close();
});

describe("GitHub errors", () => {
  it("401: the token was refused, not retried, and the token is nowhere in the error", async () => {
    github.fail({
      path: ISSUES_LIST,
      status: 401,
      // A proxy in between that echoes the credential back must not get it printed either.
      body: { message: `Bad credentials for token ${github.tokens.owner}`, documentation_url: "x" },
    });
    const start = github.requests.length;
    const error = await failure(tracker().listChanged());
    expect(error).toBeInstanceOf(AuthError);
    expect(error.exitCode).toBe(ExitCode.auth);
    expect(error.message).toMatch(/GitHub refused the token while trying to list the open issues/);
    expect(error.message).toContain("[redacted]");
    expect(error.hint).toMatch(/token was refused: set GITHUB_TOKEN to a token with repo scope/);
    expect(countRequests(ISSUES_LIST, start)).toBe(1);
    expectNoToken(error);
  });

  it("403 without a rate limit: names the permission GitHub says is missing", async () => {
    github.fail({
      method: "POST",
      path: /\/comments$/,
      status: 403,
      headers: {
        "x-accepted-github-permissions": "issues=write; pull_requests=write",
        "x-ratelimit-remaining": "4990",
      },
      body: { message: "Resource not accessible by personal access token" },
    });
    const error = await failure(tracker().upsertComment(issue, "triage", "valid"));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toContain("Resource not accessible by personal access token");
    expect(error.message).toContain("it needs the permission issues=write or pull_requests=write");
    expect(error.hint).toContain(github.fullName);
    expectNoToken(error);
  });

  it("403 for a classic token without the scope says which scope", async () => {
    github.fail({
      method: "POST",
      path: /\/comments$/,
      status: 403,
      headers: { "x-accepted-oauth-scopes": "repo", "x-oauth-scopes": "read:user" },
      body: { message: "Must have admin rights to Repository." },
    });
    const error = await failure(tracker().upsertComment(issue, "triage", "valid"));
    expect(error.message).toContain("one of the scopes repo (it has: read:user)");
  });

  it("404: the repository is missing or invisible to the token", async () => {
    const error = await failure(tracker({ repo: `${github.owner}/no-such-repo` }).listChanged());
    expect(error).toBeInstanceOf(InputError);
    expect(error.exitCode).toBe(ExitCode.input);
    expect(error.message).toBe(
      `${github.owner}/no-such-repo not found or the token cannot see it ` +
        `(404 while trying to list the open issues of ${github.owner}/no-such-repo)`,
    );
    expect(error.hint).toMatch(/github.repo/);
    expectNoToken(error);

    const missingIssue = await failure(tracker().getIssue(999_999));
    expect(missingIssue).toBeInstanceOf(InputError);
    expect(missingIssue.message).toContain("Issue #999999 was not found");
  });

  it("422: GitHub's validation messages are in the error", async () => {
    github.fail({
      method: "POST",
      path: /\/pulls$/,
      status: 422,
      body: {
        message: "Validation failed",
        errors: [
          {
            resource: "PullRequest",
            code: "custom",
            message: "No commits between main and harness/20-empty",
          },
          { resource: "PullRequest", field: "base", code: "invalid" },
        ],
      },
    });
    const error = await failure(
      tracker().upsertPullRequest({
        head: "harness/20-empty",
        base: "main",
        title: "t",
        body: "b",
      }),
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(
      "GitHub rejected the request while trying to open a pull request from harness/20-empty " +
        "(422: Validation failed: No commits between main and harness/20-empty; PullRequest.base invalid)",
    );
    expectNoToken(error);
  });

  it("422 'a pull request already exists' (a worker GitHub saw first) updates that one instead", async () => {
    const head = "harness/21-race";
    const theirs = await github.api("POST", `/repos/${github.fullName}/pulls`, {
      title: "Theirs",
      head,
      base: "main",
    });
    // GitHub's view while the other worker's PR is not yet listed: the look finds nothing, the
    // create is refused.
    github.fail({ method: "GET", path: /\/pulls\?/, status: 200, body: [] });
    github.fail({
      method: "POST",
      path: /\/pulls$/,
      status: 422,
      body: {
        message: "Validation failed",
        errors: [
          {
            resource: "PullRequest",
            code: "custom",
            message: `A pull request already exists for ${github.owner}:${head}.`,
          },
        ],
      },
    });
    const result = await tracker().upsertPullRequest({
      head,
      base: "main",
      title: "Ours",
      body: "Closes #21",
    });
    expect(result).toMatchObject({
      number: (theirs.data as { number: number }).number,
      action: "updated",
    });
    expect(
      (await tracker().listOpenPullRequests({ headPrefix: head })).map((pull) => pull.title),
    ).toEqual(["Ours"]);
  });

  it("a bug in harness stays a bug: only failed requests become GitHub errors", () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'number')");
    const context = { action: "x", repo: "o/r", baseUrl: "http://h", token: "ghp_secret" };
    expect(toGitHubError(bug, context)).toBe(bug);
  });
});

describe("rate limits and network failures", () => {
  it("waits out a primary rate limit that resets soon, then goes on", async () => {
    github.fail({
      path: ISSUES_LIST,
      status: 403,
      headers: {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String(nowSeconds() + 1),
      },
      body: { message: "API rate limit exceeded for user ID 1." },
    });
    const notices: TrackerNotice[] = [];
    const start = github.requests.length;
    const changes = await tracker({ notices }).listChanged();
    expect(changes.issues.map((found) => found.number)).toContain(issue);
    expect(countRequests(ISSUES_LIST, start)).toBe(2);
    expect(notices).toEqual([
      expect.objectContaining({
        kind: "rate-limited",
        message: expect.stringContaining("retry 1 of 2"),
      }),
    ]);
  });

  it("gives up after a bounded number of waits, with the reset time", async () => {
    const reset = nowSeconds() + 2;
    github.fail({
      path: ISSUES_LIST,
      times: 10,
      status: 403,
      headers: {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String(reset),
      },
      body: { message: "API rate limit exceeded for user ID 1." },
    });
    const start = github.requests.length;
    const error = await failure(tracker().listChanged());
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.exitCode).toBe(ExitCode.network);
    expect(error.message).toContain("rate limit (5000 requests an hour) is used up");
    expect(error.message).toContain(`resets at ${new Date(reset * 1000).toISOString()}`);
    expect(countRequests(ISSUES_LIST, start)).toBe(3);
    expectNoToken(error);
  });

  it("does not wait an hour for a reset: fails at once", async () => {
    github.fail({
      path: ISSUES_LIST,
      status: 403,
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(nowSeconds() + 3600) },
      body: { message: "API rate limit exceeded" },
    });
    const notices: TrackerNotice[] = [];
    const start = github.requests.length;
    const error = await failure(tracker({ notices }).listChanged());
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toMatch(/in about 6\d min/);
    expect(countRequests(ISSUES_LIST, start)).toBe(1);
    expect(notices[0]?.message).toContain("too long to wait");
  });

  it("retries a 429 secondary limit after retry-after, and writes the comment once", async () => {
    github.fail({
      method: "POST",
      path: /\/comments$/,
      status: 429,
      headers: { "retry-after": "3" },
      body: {
        message:
          "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
      },
    });
    const notices: TrackerNotice[] = [];
    const result = await tracker({ notices }).upsertComment(issue, "secondary", "once");
    expect(result.action).toBe("created");
    expect(notices[0]).toMatchObject({ kind: "rate-limited", retryAfterSeconds: 3 });
    const comments = await github.api("GET", `/repos/${github.fullName}/issues/${issue}/comments`);
    const marked = (comments.data as { body: string }[]).filter((comment) =>
      comment.body.startsWith("<!-- harness:secondary -->"),
    );
    expect(marked).toHaveLength(1);
  });

  it("a secondary limit that persists ends in a NetworkError after bounded retries", async () => {
    github.fail({
      method: "POST",
      path: /\/comments$/,
      times: 10,
      status: 429,
      headers: { "retry-after": "2" },
      body: { message: "You have exceeded a secondary rate limit." },
    });
    const start = github.requests.length;
    const error = await failure(tracker().upsertComment(issue, "stuck", "never"));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toContain("secondary rate limit");
    expect(error.message).toContain("GitHub asks to wait 2 s");
    expect(
      github.requests.slice(start).filter((request) => request.method === "POST"),
    ).toHaveLength(3);
    expectNoToken(error);
  });

  it("retries a dropped connection and a 502, then succeeds", async () => {
    github.fail({ path: ISSUES_LIST, drop: true });
    github.fail({ path: ISSUES_LIST, status: 502, body: { message: "Server Error" } });
    const start = github.requests.length;
    const changes = await tracker().listChanged();
    expect(changes.issues.length).toBeGreaterThan(0);
    expect(countRequests(ISSUES_LIST, start)).toBe(3);
  });

  it("a network that stays down is a NetworkError naming the address, after bounded retries", async () => {
    github.fail({ path: ISSUES_LIST, drop: true, times: 10 });
    const start = github.requests.length;
    const error = await failure(tracker({ limits: { retries: 2 } }).listChanged());
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toContain(`Could not reach GitHub at ${github.url}`);
    expect(countRequests(ISSUES_LIST, start)).toBe(3);
    expectNoToken(error);
  });

  it("a refused connection (nothing listening) is a NetworkError too", async () => {
    const closed = await startGitHubEmulator();
    const url = closed.url;
    await closed.close();
    const error = await failure(tracker({ baseUrl: url, limits: { retries: 1 } }).getIssue(1));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toContain(`Could not reach GitHub at ${url}`);
    expect(error.hint).toMatch(/network/);
    expectNoToken(error);
  });
});
