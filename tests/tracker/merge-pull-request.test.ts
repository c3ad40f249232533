/**
 * `mergePullRequest` on both trackers: the GitHub one against the emulator (which merges: the
 * PR ends closed and merged, a second call changes nothing, a draft and GitHub's 405 / 409
 * answers become InputErrors that say why), and the local one, which only records the merge in
 * pulls.json and never touches git.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { InputError } from "../../src/errors.js";
import { createGitHubTracker, type GitHubTracker } from "../../src/tracker/github-tracker.js";
import { LOCAL_ISSUES_DIR, createLocalTracker } from "../../src/tracker/local-tracker.js";
import { createTempDir, type TempDir } from "../support/temp-dir.js";
import { startGitHubEmulator, type GitHubEmulator } from "../support/github-emulator.js";

describe("GitHubTracker.mergePullRequest", () => {
  let github: GitHubEmulator;
  beforeAll(async () => {
    github = await startGitHubEmulator();
  });
  afterAll(async () => {
    await github?.close();
  });

  function tracker(): GitHubTracker {
    return createGitHubTracker({
      repo: github.fullName,
      token: github.tokens.owner,
      baseUrl: github.url,
      limits: { paceWrites: false, msPerSecond: 1 },
    });
  }

  async function openPull(head: string, draft = false): Promise<number> {
    const created = await github.api("POST", `/repos/${github.fullName}/pulls`, {
      title: `Change on ${head}`,
      head,
      base: "main",
      draft,
    });
    expect(created.status).toBe(201);
    return (created.data as { number: number }).number;
  }

  async function pullState(number: number): Promise<{ state: string; merged: boolean }> {
    const answer = await github.api("GET", `/repos/${github.fullName}/pulls/${number}`);
    return answer.data as { state: string; merged: boolean };
  }

  it("merges an open pull request once; a second call changes nothing", async () => {
    const number = await openPull("harness/1-merge-me");
    const subject = tracker();
    expect(await subject.mergePullRequest(number, { method: "squash" })).toEqual({
      action: "merged",
    });
    expect(await pullState(number)).toMatchObject({ state: "closed", merged: true });
    const writes = github.requests.filter((request) => request.method === "PUT").length;
    expect(await subject.mergePullRequest(number)).toEqual({ action: "unchanged" });
    expect(github.requests.filter((request) => request.method === "PUT")).toHaveLength(writes);
  });

  it("refuses drafts and closed pull requests with an InputError", async () => {
    const draft = await openPull("harness/2-draft", true);
    await expect(tracker().mergePullRequest(draft)).rejects.toThrow(InputError);
    expect(await pullState(draft)).toMatchObject({ state: "open", merged: false });

    const closed = await openPull("harness/3-closed");
    await github.api("PATCH", `/repos/${github.fullName}/pulls/${closed}`, { state: "closed" });
    await expect(tracker().mergePullRequest(closed)).rejects.toThrow(/closed without a merge/);
  });

  it("turns GitHub's 405 and 409 into InputErrors that say what to do", async () => {
    const number = await openPull("harness/4-conflicts");
    github.fail({ method: "PUT", path: /\/pulls\/\d+\/merge$/, status: 405 });
    const notMergeable = await tracker()
      .mergePullRequest(number)
      .catch((error: unknown) => error);
    expect(notMergeable).toBeInstanceOf(InputError);
    expect((notMergeable as InputError).message).toMatch(/not mergeable/);
    expect((notMergeable as InputError).hint).toMatch(/merge it by hand/);

    github.fail({ method: "PUT", path: /\/pulls\/\d+\/merge$/, status: 409 });
    await expect(tracker().mergePullRequest(number)).rejects.toThrow(/branch changed meanwhile/);
    expect(await pullState(number)).toMatchObject({ state: "open", merged: false });
  });
});

describe("LocalTracker.mergePullRequest", () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await createTempDir("local-merge");
  });
  afterEach(async () => {
    await dir.remove();
  });

  function pullsFile(): {
    pulls: Array<{ number: number; state: string; merged?: boolean; mergeMethod?: string }>;
  } {
    return JSON.parse(readFileSync(path.join(dir.path, LOCAL_ISSUES_DIR, "pulls.json"), "utf8"));
  }

  it("records the merge in pulls.json once, and refuses drafts and closed PRs", async () => {
    const tracker = createLocalTracker(dir.path);
    const ready = await tracker.upsertPullRequest({
      head: "harness/1-ready",
      base: "main",
      title: "Ready",
      body: "Closes #1",
    });
    const draft = await tracker.upsertPullRequest({
      head: "harness/2-draft",
      base: "main",
      title: "Draft",
      body: "",
      draft: true,
    });
    expect(await tracker.mergePullRequest(ready.number, { method: "squash" })).toEqual({
      action: "merged",
    });
    expect(pullsFile().pulls.find((pull) => pull.number === ready.number)).toMatchObject({
      state: "closed",
      merged: true,
      mergeMethod: "squash",
    });
    expect(await tracker.findOpenPullRequest("harness/1-ready")).toBeUndefined();
    const before = readFileSync(path.join(dir.path, LOCAL_ISSUES_DIR, "pulls.json"), "utf8");
    expect(await tracker.mergePullRequest(ready.number)).toEqual({ action: "unchanged" });
    expect(readFileSync(path.join(dir.path, LOCAL_ISSUES_DIR, "pulls.json"), "utf8")).toBe(before);

    await expect(tracker.mergePullRequest(draft.number)).rejects.toThrow(/draft/);
    await expect(tracker.mergePullRequest(99)).rejects.toThrow(InputError);
  });
});
