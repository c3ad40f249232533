/**
 * The work stage against the GitHub emulator (tests/support/github-emulator.ts): the item's
 * branch is pushed to a real bare `origin`, one pull request is opened on "GitHub" with
 * `Closes #N` and the harness label, the tech report is one PR comment, the issue gets
 * `harness:pr-open`, the token reaches no model request and no agent, and a second run sends
 * no write at all.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { FakeModelClient } from "../../src/models/fake-model-client.js";
import { createGitHubTracker } from "../../src/tracker/github-tracker.js";
import { workItems } from "../../src/workflows/work.js";
import { startGitHubEmulator, type GitHubEmulator } from "../support/github-emulator.js";
import {
  addIssueWithPlan,
  createWorkFixture,
  implementerFixes,
  originBranches,
  review,
  workConfig,
  workOptions,
  type WorkFixture,
} from "./work-fixture.js";

let github: GitHubEmulator;
let fixture: WorkFixture;

beforeEach(async () => {
  github = await startGitHubEmulator();
  fixture = await createWorkFixture();
});

afterEach(async () => {
  await fixture?.cleanup();
  await github?.close();
});

function repoPath(rest: string): string {
  return `/repos/${github.fullName}${rest}`;
}

describe("workItems on GitHub", () => {
  it("opens one PR with Closes, label and report comment; a second run writes nothing", async () => {
    const tracker = createGitHubTracker({
      repo: github.fullName,
      token: github.tokens.owner,
      baseUrl: github.url,
      limits: { paceWrites: false, msPerSecond: 1 },
    });
    const number = await github.createIssue({
      title: "Greet harness",
      body: "greet() should say Hello, harness.",
    });
    // The local fixture's issue #1 is not used: the plan names the GitHub issue.
    const { id, branch } = await addIssueWithPlan(fixture, { data: { issue: number } });
    const config = workConfig({ github: { repo: github.fullName, token: github.tokens.owner } });
    const client = new FakeModelClient([...implementerFixes(number), review(true)]);
    const options = workOptions(fixture, client, config, {
      tracker,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, GITHUB_TOKEN: github.tokens.owner },
    });

    const summary = await workItems(options);
    client.assertDone();
    expect(summary.items).toEqual([
      expect.objectContaining({ id, issue: number, outcome: "pr-opened", testsPassed: true }),
    ]);
    expect(originBranches(fixture)).toEqual([branch, "main"]);

    const open = (await github.api("GET", repoPath("/pulls?state=all&per_page=100"))).data as {
      number: number;
      head: { ref: string };
      body: string;
      draft: boolean;
      labels: { name: string }[];
    }[];
    expect(open).toHaveLength(1);
    const pull = open[0]!;
    expect(pull.head.ref).toBe(branch);
    expect(pull.draft).toBe(false);
    expect(pull.body).toContain(`Closes #${number}`);
    expect(pull.labels.map((label) => label.name)).toEqual(["harness"]);
    expect(summary.items[0]?.pullRequest?.number).toBe(pull.number);

    const comments = (await github.api("GET", repoPath(`/issues/${pull.number}/comments`)))
      .data as { body: string }[];
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toMatch(/^<!-- harness:tech-report -->\n## Tech report: issue #/);
    const issue = (await github.api("GET", repoPath(`/issues/${number}`))).data as {
      labels: { name: string }[];
    };
    expect(issue.labels.map((label) => label.name)).toEqual(["harness:pr-open"]);

    const everything = JSON.stringify(client.calls);
    expect(everything).not.toContain(github.tokens.owner);

    const writes = () => github.requests.filter((request) => request.method !== "GET").length;
    const before = writes();
    const idle = new FakeModelClient([]);
    expect(await workItems({ ...options, client: idle })).toEqual({ items: [] });
    expect(idle.calls).toHaveLength(0);
    expect(writes()).toBe(before);
  });
});
