/**
 * PROGRESS.md and PLAN.md after each item: several workers at once (async writers in this
 * process and writer processes beside it) append entries that all arrive whole, none lost or
 * interleaved; a person's text is kept; PLAN.md's line for the issue is ticked (`[~]` while the
 * PR is open, `[x]` when harness merged), never reopened, other lines untouched; a repository
 * without the files is left alone.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import {
  appendProgressEntry,
  recordWorkedItem,
  renderProgressEntry,
  tickPlanItem,
} from "../../src/reports/progress-log.js";
import type { WorkedItem } from "../../src/workflows/pipeline-contract.js";
import { createTempDir, type TempDir } from "../support/temp-dir.js";
import { progressTestEntry } from "./support/progress-entry.js";

let temp: TempDir;

beforeEach(async () => {
  temp = await createTempDir("harness-progress");
});

afterEach(async () => {
  await temp.remove();
});

const here = path.dirname(fileURLToPath(import.meta.url));
const source = path.resolve(here, "../../src/reports/progress-log.ts");
const entrySource = path.resolve(here, "support/progress-entry.ts");

/** A writer process appending `count` entries tagged `tag`. */
function writerProcess(root: string, tag: string, count: number): Promise<number> {
  const script = path.join(root, `writer-${tag}.mts`);
  writeFileSync(
    script,
    [
      `import { appendProgressEntry } from ${JSON.stringify(source)};`,
      `import { progressTestEntry } from ${JSON.stringify(entrySource)};`,
      "const [root, tag, count] = process.argv.slice(2);",
      "for (let n = 0; n < Number(count); n++) {",
      "  await appendProgressEntry(root, progressTestEntry(tag, n));",
      "}",
    ].join("\n"),
  );
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, root, tag, String(count)], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    child.on("exit", (code) => resolve(code ?? -1));
  });
}

const entry = progressTestEntry;

function entriesIn(text: string): string[] {
  return text
    .split(/\n(?=## entry )/)
    .slice(1)
    .map((block) => block.trimEnd());
}

describe("PROGRESS.md appends", () => {
  it("keep every entry whole with several workers in this process and in others", async () => {
    const root = temp.path;
    writeFileSync(path.join(root, "PROGRESS.md"), "# Progress\n\nA person's note.");
    const inProcess = Array.from({ length: 3 }, (_, worker) =>
      (async () => {
        for (let n = 0; n < 8; n++) await appendProgressEntry(root, entry(`local${worker}`, n));
      })(),
    );
    const processes = ["p1", "p2", "p3"].map((tag) => writerProcess(root, tag, 8));
    const [codes] = await Promise.all([Promise.all(processes), ...inProcess]);
    expect(codes).toEqual([0, 0, 0]);

    const text = readFileSync(path.join(root, "PROGRESS.md"), "utf8");
    expect(text.startsWith("# Progress\n\nA person's note.\n\n## entry ")).toBe(true);
    const entries = entriesIn(text);
    const expected = ["local0", "local1", "local2", "p1", "p2", "p3"].flatMap((tag) =>
      Array.from({ length: 8 }, (_, n) => entry(tag, n)),
    );
    expect(entries).toHaveLength(expected.length);
    expect([...entries].sort()).toEqual([...expected].sort());
    // Each worker's entries stay in the order it wrote them.
    for (const tag of ["local0", "p2"]) {
      const order = entries.filter((block) => block.startsWith(`## entry ${tag}/`));
      expect(order).toEqual(Array.from({ length: 8 }, (_, n) => entry(tag, n)));
    }
    expect(text.endsWith("\n")).toBe(true);
    expect(text).not.toMatch(/\n\n\n/);
  }, 60_000);

  it("leaves a repository without PROGRESS.md or PLAN.md alone", async () => {
    expect(await appendProgressEntry(temp.path, "## entry")).toBe(false);
    expect(await tickPlanItem(temp.path, 3, "x")).toBe(false);
    expect(existsSync(path.join(temp.path, "PROGRESS.md"))).toBe(false);
    expect(existsSync(path.join(temp.path, "PLAN.md"))).toBe(false);
  });
});

describe("PLAN.md ticks", () => {
  const plan = [
    "# Plan",
    "",
    "- [ ] [I-3] Cart total (#3).",
    "- [ ] [I-31] Not this one.",
    "- [~] Login fails, #4 in flight",
    "* [ ] Fix #5: a star list",
    "- [x] [I-6] Done already.",
    "",
  ].join("\n");

  it("marks the issue's line and no other, and never reopens a done line", async () => {
    const file = path.join(temp.path, "PLAN.md");
    writeFileSync(file, plan);
    expect(await tickPlanItem(temp.path, 3, "~")).toBe(true);
    expect(await tickPlanItem(temp.path, 4, "x")).toBe(true);
    expect(await tickPlanItem(temp.path, 5, "x")).toBe(true);
    expect(await tickPlanItem(temp.path, 6, "~")).toBe(false);
    expect(await tickPlanItem(temp.path, 7, "x")).toBe(false);
    expect(await tickPlanItem(temp.path, 3, "~")).toBe(false);
    expect(readFileSync(file, "utf8")).toBe(
      plan
        .replace("- [ ] [I-3]", "- [~] [I-3]")
        .replace("- [~] Login", "- [x] Login")
        .replace("* [ ] Fix #5", "* [x] Fix #5"),
    );
  });
});

describe("recordWorkedItem", () => {
  const item: WorkedItem = {
    id: "issue-3",
    issue: 3,
    outcome: "pr-opened",
    branch: "harness/3-cart-total",
    pullRequest: { number: 12, url: "https://example.test/pull/12" },
    testRuns: 2,
    testsPassed: true,
    reviewRounds: 1,
    tokens: 100,
    costUsd: 0,
    reportPath: ".harness/runs/issue-3/report.md",
  };

  it("writes harness's facts, ticks the plan when the PR closes the issue, skips released items", async () => {
    writeFileSync(path.join(temp.path, "PROGRESS.md"), "# Progress\n");
    writeFileSync(path.join(temp.path, "PLAN.md"), "- [ ] [I-3] Cart.\n");
    const options = { date: "2026-11-22", testCommand: "npm test", closesIssue: true };
    expect(await recordWorkedItem(temp.path, { ...item, outcome: "released" }, options)).toEqual({
      progress: false,
      plan: false,
    });
    expect(await recordWorkedItem(temp.path, { ...item, outcome: "part-done" }, options)).toEqual({
      progress: true,
      plan: false,
    });
    expect(await recordWorkedItem(temp.path, { ...item, merged: true }, options)).toEqual({
      progress: true,
      plan: true,
    });
    expect(readFileSync(path.join(temp.path, "PLAN.md"), "utf8")).toBe("- [x] [I-3] Cart.\n");
    const failed = renderProgressEntry(
      {
        ...item,
        outcome: "tests-failed",
        error: "the tests still failed\nafter 2 run(s)",
        testsPassed: false,
      },
      { date: "2026-11-22", testCommand: "npm test" },
    );
    expect(failed).toBe(
      [
        "## 2026-11-22: issue #3 worked by harness (issue-3)",
        "- Done: tests-failed on branch `harness/3-cart-total`; pull request #12.",
        "- Verified: `npm test` failed on the last of 2 run(s) (harness's own run); 1 review round(s).",
        "- Left: the tests still failed after 2 run(s).",
        "- Report: `.harness/runs/issue-3/report.md`.",
      ].join("\n"),
    );
  });
});
