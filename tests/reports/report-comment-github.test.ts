/**
 * Publishing a tech report on "GitHub" (the emulator): however often the report is
 * regenerated, the pull request has one report comment, edited in place; with
 * `reports.fileFollowUps` the reporter's own-issue follow-ups are filed once each (labelled
 * `harness:follow-up`, linking the issue and the pull request), never again on a regeneration,
 * and a twin filed by a concurrent worker is closed so one stays open.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { configSchema } from "../../src/config/schema.js";
import { publishItemReport } from "../../src/reports/item-report.js";
import { FOLLOW_UP_LABEL, followUpMarker } from "../../src/reports/follow-ups.js";
import { createGitHubTracker, type GitHubTracker } from "../../src/tracker/github-tracker.js";
import type { WorkOptions } from "../../src/workflows/pipeline-contract.js";
import { startGitHubEmulator, type GitHubEmulator } from "../support/github-emulator.js";
import { proseAnswer, sampleSheet } from "./report-fixture.js";

let github: GitHubEmulator;
let root: string;

beforeEach(async () => {
  github = await startGitHubEmulator();
  root = mkdtempSync(path.join(os.tmpdir(), "harness-report-"));
});

afterEach(async () => {
  await github?.close();
  rmSync(root, { recursive: true, force: true });
});

function tracker(): GitHubTracker {
  return createGitHubTracker({
    repo: github.fullName,
    token: github.tokens.owner,
    baseUrl: github.url,
    limits: { paceWrites: false, msPerSecond: 1 },
  });
}

/** What publishItemReport reads of the work stage's options. */
function options(fileFollowUps: boolean): WorkOptions {
  const config = configSchema.parse({ reports: { fileFollowUps } });
  return { repoRoot: root, config, tracker: tracker() } as unknown as WorkOptions;
}

interface ApiIssue {
  number: number;
  title: string;
  body: string;
  state: string;
  labels: { name: string }[];
}

async function comments(number: number): Promise<string[]> {
  const answer = await github.api(
    "GET",
    `/repos/${github.fullName}/issues/${number}/comments?per_page=100`,
  );
  return (answer.data as { body: string }[]).map((comment) => comment.body);
}

async function followUpIssues(): Promise<ApiIssue[]> {
  const answer = await github.api(
    "GET",
    `/repos/${github.fullName}/issues?state=all&labels=${encodeURIComponent(FOLLOW_UP_LABEL)}&per_page=100`,
  );
  return (answer.data as ApiIssue[]).sort((a, b) => a.number - b.number);
}

describe("publishing a tech report on GitHub", () => {
  it("keeps one report comment however often the report is regenerated", async () => {
    const issue = await github.createIssue({ title: "Cart total" });
    const pull = await tracker().upsertPullRequest({
      head: "harness/7-cart-total",
      base: "main",
      title: "Sum every item",
      body: `Closes #${issue}`,
    });
    const sheet = sampleSheet({ item: { ...sampleSheet().item, issue } });
    const bodies: string[] = [];
    for (const [index, outcome] of ["pr-opened", "pr-updated", "pr-updated"].entries()) {
      const published = await publishItemReport({
        options: options(false),
        prepared: { sheet, answer: proseAnswer() },
        outcome,
        pushNote: `pushed to origin (attempt ${index + 1})`,
        pullRequest: { number: pull.number, url: pull.url },
      });
      bodies.push(published.report);
      expect(published.posted).toBe(true);
    }
    const marked = (await comments(pull.number)).filter((body) =>
      body.startsWith("<!-- harness:tech-report -->"),
    );
    expect(marked).toEqual([`<!-- harness:tech-report -->\n${bodies[2]}`]);
    expect(marked[0]).toContain("pushed to origin (attempt 3)");
    expect(readFileSync(path.join(root, ".harness", "runs", "issue-7", "report.md"), "utf8")).toBe(
      `${bodies[2]}\n`,
    );
  });

  it("files each own-issue follow-up once, linked to the issue and the pull request", async () => {
    const issue = await github.createIssue({ title: "Cart total" });
    const pull = await tracker().upsertPullRequest({
      head: "harness/7-cart-total",
      base: "main",
      title: "Sum every item",
      body: `Closes #${issue}`,
    });
    const sheet = sampleSheet({ item: { ...sampleSheet().item, issue } });
    const answer = proseAnswer([
      {
        title: "Handle currency rounding",
        why: "Totals in cents may round twice.",
        ownIssue: true,
      },
      { title: "Rename a variable", why: "Clarity.", ownIssue: false },
    ]);
    let report = "";
    for (let time = 0; time < 3; time++) {
      const published = await publishItemReport({
        options: options(true),
        prepared: { sheet, answer },
        outcome: "pr-updated",
        pullRequest: { number: pull.number, url: pull.url },
      });
      report = published.report;
    }
    const filed = await followUpIssues();
    expect(filed).toHaveLength(1);
    expect(filed[0]).toMatchObject({ title: "Handle currency rounding", state: "open" });
    expect(filed[0]!.body).toMatch(
      new RegExp(`^<!-- harness:${followUpMarker(issue, "Handle currency rounding")} -->\\n`),
    );
    expect(filed[0]!.body).toContain(
      `Found while harness worked on #${issue} (pull request #${pull.number}).`,
    );
    expect(report).toContain(
      `- **Handle currency rounding** (filed as #${filed[0]!.number}): Totals in cents may round twice.`,
    );
    expect(report).toContain("- **Rename a variable**: Clarity.");

    // Off by default: nothing is filed.
    await publishItemReport({
      options: options(false),
      prepared: {
        sheet,
        answer: proseAnswer([{ title: "Another one", why: "x", ownIssue: true }]),
      },
      outcome: "pr-updated",
      pullRequest: { number: pull.number, url: pull.url },
    });
    expect(await followUpIssues()).toHaveLength(1);
  });

  it("closes the twin a concurrent worker filed, so one follow-up stays open", async () => {
    const input = {
      title: "Handle currency rounding",
      body: "Totals may round twice.",
      labels: [FOLLOW_UP_LABEL],
      marker: followUpMarker(3, "Handle currency rounding"),
    };
    const results = await Promise.all([tracker().createIssue(input), tracker().createIssue(input)]);
    const issues = await followUpIssues();
    const open = issues.filter((issue) => issue.state === "open");
    expect(open).toHaveLength(1);
    expect(results.map((result) => result.issue.number)).toEqual([
      open[0]!.number,
      open[0]!.number,
    ]);
    expect((await tracker().createIssue(input)).action).toBe("unchanged");
    expect(await followUpIssues()).toHaveLength(issues.length);
  });
});
