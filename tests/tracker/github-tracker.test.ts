/**
 * The GitHub tracker against the `emulate` GitHub emulator (tests/support/github-emulator.ts):
 * the cursor, pull requests left out, pagination, and that every write can be repeated without
 * a second comment, label or pull request, including the duplicates the emulator would accept.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createGitHubTracker, type GitHubTracker } from "../../src/tracker/github-tracker.js";
import type { TrackerNotice } from "../../src/tracker/types.js";
import { startGitHubEmulator, type GitHubEmulator } from "../support/github-emulator.js";

let github: GitHubEmulator;
const notices: TrackerNotice[] = [];

function tracker(): GitHubTracker {
  return createGitHubTracker({
    repo: github.fullName,
    token: github.tokens.owner,
    baseUrl: github.url,
    limits: { paceWrites: false, msPerSecond: 1 },
    onNotice: (notice) => notices.push(notice),
  });
}

function repoPath(rest: string): string {
  return `/repos/${github.fullName}${rest}`;
}

async function commentsOn(issue: number): Promise<{ id: number; body: string }[]> {
  return (await github.api("GET", repoPath(`/issues/${issue}/comments?per_page=100`))).data as {
    id: number;
    body: string;
  }[];
}

async function labelsOn(issue: number): Promise<string[]> {
  const answer = await github.api("GET", repoPath(`/issues/${issue}`));
  return (answer.data as { labels: { name: string }[] }).labels.map((label) => label.name).sort();
}

/** The emulator stamps updates with the current millisecond; make the next one later. */
function nextMillisecond(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 3));
}

beforeAll(async () => {
  github = await startGitHubEmulator();
});

afterAll(async () => {
  await github?.close();
});

describe("GitHubTracker.listChanged", () => {
  it("reads open issues, leaves pull requests out, and then only what changed", async () => {
    const owners = await github.createIssue({ title: "Crash on empty cart", body: "Steps: ..." });
    await nextMillisecond();
    const strangers = await github.createIssue({ title: "Add dark mode" }, "stranger");
    await nextMillisecond();
    const helpers = await github.createIssue({ title: "Typo in README" }, "collaborator");
    await nextMillisecond();
    const pull = await github.api("POST", repoPath("/pulls"), {
      title: "A person's PR",
      head: "feature/x",
      base: "main",
    });
    expect(pull.status).toBe(201);
    const closed = await github.createIssue({ title: "Old question" });
    await github.api("PATCH", repoPath(`/issues/${closed}`), { state: "closed" });

    const subject = tracker();
    const first = await subject.listChanged();
    expect(first.issues.map((issue) => issue.number)).toEqual([owners, strangers, helpers]);
    expect(first.issues.every((issue) => issue.isPullRequest === false)).toBe(true);
    // The listing the tracker read holds the PR, as GitHub's does; the tracker dropped it.
    const raw = await fetch(`${github.url}${repoPath("/issues?state=open&per_page=100")}`, {
      headers: { authorization: `token ${github.tokens.owner}` },
    });
    const rawItems = (await raw.json()) as { number: number; pull_request?: unknown }[];
    const pullNumber = (pull.data as { number: number }).number;
    expect(rawItems.find((item) => item.number === pullNumber)?.pull_request).toBeDefined();

    const [cart, darkMode, typo] = first.issues;
    expect(cart).toMatchObject({
      title: "Crash on empty cart",
      body: "Steps: ...",
      state: "open",
      author: github.logins.owner,
      authorAssociation: "OWNER",
      labels: [],
    });
    expect(cart?.url).toMatch(new RegExp(`/${github.fullName}/issues/${owners}$`));
    expect(darkMode).toMatchObject({
      author: github.logins.stranger,
      authorAssociation: "NONE",
      body: "",
    });
    expect(typo).toMatchObject({ authorAssociation: "COLLABORATOR" });

    const unchanged = await subject.listChanged(first.cursor);
    expect(unchanged.issues).toEqual([]);
    expect(unchanged.cursor).toBe(first.cursor);

    await nextMillisecond();
    await github.api("PATCH", repoPath(`/issues/${strangers}`), { body: "Please, for the eyes" });
    const second = await subject.listChanged(first.cursor);
    expect(second.issues.map((issue) => [issue.number, issue.body])).toEqual([
      [strangers, "Please, for the eyes"],
    ]);
    expect(second.cursor).not.toBe(first.cursor);
    expect((await subject.listChanged(second.cursor)).issues).toEqual([]);

    // The `since` that went to GitHub is the cursor's timestamp, verbatim.
    const since = new URL(github.requests.at(-1)?.path ?? "", github.url).searchParams.get("since");
    expect(second.cursor.startsWith(`${since}#`)).toBe(true);

    // Cleanup for the tests after this one: they count issues.
    for (const number of [owners, strangers, helpers]) {
      await github.api("PATCH", repoPath(`/issues/${number}`), { state: "closed" });
    }
    await github.api("PATCH", repoPath(`/pulls/${pullNumber}`), {
      state: "closed",
    });
  });

  it("follows pagination over more than 100 issues", async () => {
    const created: number[] = [];
    for (let start = 0; start < 130; start += 10) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          github.createIssue({ title: `Bulk issue ${start + index}` }),
        ),
      );
      created.push(...batch);
    }
    const before = github.requests.length;
    const subject = tracker();
    const all = await subject.listChanged();
    expect(all.issues).toHaveLength(130);
    expect(new Set(all.issues.map((issue) => issue.number))).toEqual(new Set(created));
    const pages = github.requests
      .slice(before)
      .filter((request) => /\/issues\?/.test(request.path));
    expect(pages).toHaveLength(2);
    expect(pages[0]?.path).toContain("per_page=100");
    expect(pages[1]?.path).toContain("page=2");

    await nextMillisecond();
    await github.api("PATCH", repoPath(`/issues/${created[7]}`), { title: "Bulk issue 7, edited" });
    const changed = await subject.listChanged(all.cursor);
    expect(changed.issues.map((issue) => issue.title)).toEqual(["Bulk issue 7, edited"]);

    for (const number of created) {
      await github.api("PATCH", repoPath(`/issues/${number}`), { state: "closed" });
    }
  });
});

describe("GitHubTracker comments and labels", () => {
  it("keeps one comment per marker: created once, then edited in place, never repeated", async () => {
    const issue = await github.createIssue({ title: "Search is slow" });
    await github.api(
      "POST",
      repoPath(`/issues/${issue}/comments`),
      { body: "Same here!" },
      "stranger",
    );
    const subject = tracker();

    const created = await subject.upsertComment(issue, "triage", "Verdict: valid");
    expect(created.action).toBe("created");
    const again = await subject.upsertComment(issue, "triage", "Verdict: valid");
    expect(again).toEqual({ id: created.id, action: "unchanged" });
    const writes = github.requests.filter((request) => request.method !== "GET").length;
    expect((await subject.upsertComment(issue, "triage", "Verdict: valid")).action).toBe(
      "unchanged",
    );
    expect(github.requests.filter((request) => request.method !== "GET").length).toBe(writes);

    const updated = await subject.upsertComment(issue, "triage", "Verdict: duplicate of #1");
    expect(updated).toEqual({ id: created.id, action: "updated" });
    const plan = await subject.upsertComment(issue, "plan", "1. Add an index");
    expect(plan.action).toBe("created");

    const comments = await commentsOn(issue);
    expect(comments.map((comment) => comment.body)).toEqual([
      "Same here!",
      "<!-- harness:triage -->\nVerdict: duplicate of #1",
      "<!-- harness:plan -->\n1. Add an index",
    ]);
  });

  it("leaves a comment that only quotes the marker alone, and removes duplicates of its own", async () => {
    const issue = await github.createIssue({ title: "Logout button missing" });
    await github.api(
      "POST",
      repoPath(`/issues/${issue}/comments`),
      { body: "Why does the bot write <!-- harness:triage --> here?" },
      "stranger",
    );
    // Two workers raced on an earlier run and both commented.
    for (const text of ["first", "second"]) {
      await github.api("POST", repoPath(`/issues/${issue}/comments`), {
        body: `<!-- harness:triage -->\n${text}`,
      });
    }
    const result = await tracker().upsertComment(issue, "triage", "first");
    expect(result.action).toBe("unchanged");
    expect((await commentsOn(issue)).map((comment) => comment.body)).toEqual([
      "Why does the bot write <!-- harness:triage --> here?",
      "<!-- harness:triage -->\nfirst",
    ]);
  });

  it("converges when two workers upsert the same comment at the same moment", async () => {
    const issue = await github.createIssue({ title: "Race" });
    const [a, b] = await Promise.all([
      tracker().upsertComment(issue, "triage", "from worker A"),
      tracker().upsertComment(issue, "triage", "from worker B"),
    ]);
    const marked = (await commentsOn(issue)).filter((comment) =>
      comment.body.startsWith("<!-- harness:triage -->"),
    );
    expect(marked).toHaveLength(1);
    expect(a.id).toBe(b.id);
  });

  it("rejects a marker that could break out of the HTML comment", async () => {
    await expect(tracker().upsertComment(1, "x -->", "hi")).rejects.toThrow(/marker/);
  });

  it("sets one label of an exclusive group, creating it in the repo first", async () => {
    const issue = await github.createIssue({ title: "Broken link", labels: ["docs"] });
    const verdicts = ["harness:valid", "harness:needs-info", "harness:duplicate"];
    const subject = tracker();

    const first = await subject.setLabel(issue, "harness:needs-info", {
      exclusiveGroup: verdicts,
      color: "fbca04",
      description: "harness needs more information",
    });
    expect(first).toEqual({ added: true, removed: [] });
    const label = await github.api("GET", repoPath("/labels/harness:needs-info"));
    expect(label.data).toMatchObject({
      color: "fbca04",
      description: "harness needs more information",
    });

    const second = await subject.setLabel(issue, "harness:valid", { exclusiveGroup: verdicts });
    expect(second).toEqual({ added: true, removed: ["harness:needs-info"] });
    expect(await labelsOn(issue)).toEqual(["docs", "harness:valid"]);

    const writes = github.requests.filter((request) => request.method !== "GET").length;
    expect(await tracker().setLabel(issue, "harness:valid", { exclusiveGroup: verdicts })).toEqual({
      added: false,
      removed: [],
    });
    expect(github.requests.filter((request) => request.method !== "GET").length).toBe(writes);
    expect(await subject.ensureLabel("harness:valid")).toBe("exists");
  });

  it("closes an issue once", async () => {
    const issue = await github.createIssue({ title: "Not planned" });
    const subject = tracker();
    expect(await subject.closeIssue(issue, "not_planned")).toEqual({ action: "closed" });
    expect(await subject.closeIssue(issue, "not_planned")).toEqual({ action: "unchanged" });
    const answer = await github.api("GET", repoPath(`/issues/${issue}`));
    expect(answer.data).toMatchObject({ state: "closed", state_reason: "not_planned" });
    expect((await subject.getIssue(issue)).state).toBe("closed");
  });
});

describe("GitHubTracker pull requests", () => {
  it("opens one PR per head branch, updates it in place, and never opens a second", async () => {
    const subject = tracker();
    const input = {
      head: "harness/12-fix-cart",
      base: "main",
      title: "Fix the empty cart crash",
      body: "Closes #12",
      labels: ["harness"],
    };
    const created = await subject.upsertPullRequest(input);
    expect(created.action).toBe("created");
    expect(created.url).toMatch(/\/pull\/\d+$/);

    const again = await tracker().upsertPullRequest(input);
    expect(again).toEqual({ ...created, action: "unchanged" });

    const edited = await subject.upsertPullRequest({ ...input, body: "Closes #12\n\nReport: ..." });
    expect(edited).toEqual({ ...created, action: "updated" });

    const open = await github.api("GET", repoPath("/pulls?state=open&per_page=100"));
    const forHead = (
      open.data as { head: { ref: string }; body: string; labels: { name: string }[] }[]
    ).filter((pull) => pull.head.ref === input.head);
    expect(forHead).toHaveLength(1);
    expect(forHead[0]?.body).toBe("Closes #12\n\nReport: ...");
    expect(forHead[0]?.labels.map((label) => label.name)).toEqual(["harness"]);

    const found = await subject.findOpenPullRequest(input.head);
    expect(found).toMatchObject({ number: created.number, head: input.head, base: "main" });
    expect(await subject.findOpenPullRequest("harness/none")).toBeUndefined();
  });

  it("closes its own PR and keeps the older one when two workers open one at once", async () => {
    const input = { head: "harness/13-race", base: "main", title: "Race", body: "Closes #13" };
    const results = await Promise.all([
      tracker().upsertPullRequest(input),
      tracker().upsertPullRequest(input),
    ]);
    expect(results[0]?.number).toBe(results[1]?.number);
    const open = await tracker().listOpenPullRequests({ headPrefix: "harness/13-" });
    expect(open).toHaveLength(1);
  });

  it("lists the open harness PRs by label or head prefix, and comments on them once", async () => {
    const subject = tracker();
    const mine = await subject.upsertPullRequest({
      head: "harness/14-docs",
      base: "main",
      title: "Docs",
      body: "Closes #14",
      labels: ["harness", "docs"],
    });
    await github.api("POST", repoPath("/pulls"), {
      title: "Human PR",
      head: "alice/tweak",
      base: "main",
    });

    const byLabel = await subject.listOpenPullRequests({ label: "harness" });
    expect(byLabel.map((pull) => pull.head)).toContain("harness/14-docs");
    expect(byLabel.every((pull) => pull.labels.includes("harness"))).toBe(true);
    const byPrefix = await subject.listOpenPullRequests({ headPrefix: "harness/" });
    expect(byPrefix.map((pull) => pull.head)).not.toContain("alice/tweak");
    expect((await subject.listOpenPullRequests()).map((pull) => pull.head)).toContain(
      "alice/tweak",
    );

    expect(
      (await subject.upsertPullRequestComment(mine.number, "report", "All green")).action,
    ).toBe("created");
    expect(
      (await subject.upsertPullRequestComment(mine.number, "report", "All green")).action,
    ).toBe("unchanged");
    expect(await commentsOn(mine.number)).toHaveLength(1);
  });

  it("refuses a PR whose head is its base before asking GitHub", async () => {
    await expect(
      tracker().upsertPullRequest({ head: "main", base: "main", title: "x", body: "" }),
    ).rejects.toThrow(/different base/);
  });
});
