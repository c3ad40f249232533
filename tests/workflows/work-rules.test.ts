/**
 * The work stage's small rules, without git or a model: when a PR may be merged (sensitive
 * paths matched with dotfiles included), how a huge diff is cut for the reviewer, and what the
 * PR body takes from the plan for a whole issue and for the parts of an epic.
 */
import { describe, expect, it } from "vitest";

import { workConfig } from "./work-fixture.js";
import { mergeBlockers, sensitivePathsIn } from "../../src/workflows/work-merge.js";
import {
  emptyProgress,
  planRisks,
  planTitle,
  renderPullRequestBody,
} from "../../src/workflows/work-pull-request.js";
import { diffForReview } from "../../src/workflows/work-review.js";
import type { PlanItemData } from "../../src/workflows/pipeline-contract.js";

const defaults = workConfig().work.sensitivePaths;

describe("merge rules", () => {
  it("matches the default sensitive paths, dotfiles and nested folders included", () => {
    expect(
      sensitivePathsIn(
        [
          ".github/workflows/ci.yml",
          ".claude/agents/implementer.md",
          "src/auth/login.ts",
          "src/oauth-client.ts",
          "package.json",
          "services/api/go.mod",
          "requirements-dev.txt",
          "src/greet.js",
          "README.md",
        ],
        defaults,
      ),
    ).toEqual([
      ".github/workflows/ci.yml",
      ".claude/agents/implementer.md",
      "src/auth/login.ts",
      "src/oauth-client.ts",
      "package.json",
      "services/api/go.mod",
      "requirements-dev.txt",
    ]);
    expect(sensitivePathsIn(["package.json"], [])).toEqual([]);
  });

  it("merges only with merge on, tests run and passed, an approval, no draft, nothing sensitive", () => {
    const facts = {
      testsRan: true,
      testsPassed: true,
      reviewApproved: true,
      draft: false,
      changedPaths: ["src/greet.js"],
    };
    expect(mergeBlockers(workConfig(), facts)).toEqual(["work.merge is off"]);
    const config = workConfig({ work: { merge: true } });
    expect(mergeBlockers(config, facts)).toEqual([]);
    expect(mergeBlockers(config, { ...facts, testsRan: false })).toEqual(["no test command ran"]);
    expect(mergeBlockers(config, { ...facts, testsPassed: false })).toEqual([
      "the tests did not pass",
    ]);
    expect(mergeBlockers(config, { ...facts, reviewApproved: false, draft: true })).toEqual([
      "no reviewer approved it",
      "it is a draft",
    ]);
    expect(
      mergeBlockers(config, { ...facts, changedPaths: ["src/greet.js", ".github/ci.yml"] }),
    ).toEqual(["it changes sensitive paths (.github/ci.yml)"]);
  });
});

describe("review diff", () => {
  it("cuts a huge diff with a note that lists every changed file", () => {
    const diff = {
      diff: "x".repeat(100),
      files: [
        { path: "a.ts", additions: 3, deletions: 1, binary: false },
        { path: "b.ts", additions: 0, deletions: 9, binary: false },
      ],
      stats: { files: 2, additions: 3, deletions: 10 },
    };
    expect(diffForReview(diff, 1_000)).toBe(diff.diff);
    const cut = diffForReview(diff, 40);
    expect(cut.startsWith("x".repeat(40) + "\n")).toBe(true);
    expect(cut).not.toContain("x".repeat(41));
    expect(cut).toContain("the diff is 100 characters; only the first 40 are shown");
    expect(cut).toContain("a.ts (+3 -1)\nb.ts (+0 -9)");
  });
});

describe("pull request body", () => {
  const plan =
    "# Fix the cart total\n\n## Goal\n\nSum all items.\n\n## Risks\n\n- Rounding.\n\n## Out of scope\n\n- Taxes.\n";
  const data: PlanItemData = {
    kind: "issue-plan",
    issue: 12,
    issueTitle: "Cart total is wrong",
    branch: "harness/12-cart-total-is-wrong",
    baseCommit: "abc",
    issueHash: "h",
    files: [],
    tests: [],
    size: "s",
    dependsOn: [],
  };

  it("reads the plan's title and risks", () => {
    expect(planTitle(plan)).toBe("Fix the cart total");
    expect(planTitle("# Part two (part 2/3)\n")).toBe("Part two");
    expect(planRisks(plan)).toBe("- Rounding.");
    expect(planRisks("# Title\n")).toBeUndefined();
  });

  it("says Closes only for a whole issue or the last part, and warns loudly without tests", () => {
    const input = {
      itemId: "issue-12",
      data,
      plan,
      testCommand: "",
      progress: emptyProgress(0),
      reviewRounds: 0,
      reviewBlocked: false,
    };
    const whole = renderPullRequestBody(input);
    expect(whole).toContain("Closes #12");
    expect(whole).toContain("**No tests were run.**");
    const part = renderPullRequestBody({
      ...input,
      data: { ...data, epic: { part: 1, parts: 3 } },
    });
    expect(part).not.toContain("Closes");
    expect(part).toContain("Part 1 of 3 of #12.");
  });

  it("shows the implementer's summary as plain text that pings nobody", () => {
    const progress = emptyProgress(0);
    progress.agentRuns.push({
      purpose: "implement",
      status: "done",
      summary: "Fixed it, thanks @octocat <script>x</script>",
      turns: 1,
      tokens: 1,
      costUsd: 0,
      durationMs: 1,
    });
    const body = renderPullRequestBody({
      itemId: "issue-12",
      data,
      plan,
      testCommand: "npm test",
      progress,
      reviewRounds: 1,
      reviewBlocked: false,
    });
    expect(body).toContain("Fixed it, thanks @\u200boctocat &lt;script&gt;x&lt;/script&gt;");
    expect(body).not.toContain("<script>");
  });
});
