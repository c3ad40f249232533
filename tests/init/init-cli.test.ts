import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runHarness } from "../support/run-cli.js";
import { createTempGitRepo, sampleProjects, type TempGitRepo } from "../support/temp-git-repo.js";

const repos: TempGitRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.cleanup();
});

describe("harness init (built CLI)", () => {
  it("reports every file as JSON lines, then nothing to change on a rerun", async () => {
    const repo = createTempGitRepo(sampleProjects.node);
    repos.push(repo);

    const first = await runHarness(["init", "--yes", "--json"], { cwd: repo.root });
    expect(first.exitCode).toBe(0);
    const detected = first.records.find((r) => r.type === "project-detected");
    expect(detected?.summary).toMatchObject({ testCommand: "npm test", defaultBranch: "main" });
    const planned = first.records.filter((r) => r.type === "file-planned");
    expect(planned.length).toBeGreaterThan(20);
    expect(planned.every((r) => r.action === "created")).toBe(true);
    expect(first.records.at(-1)).toMatchObject({ type: "result", command: "init", dryRun: false });

    const second = await runHarness(["init", "--yes"], { cwd: repo.root });
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toMatch(/No changes: \d+ file\(s\) already up to date/);
  });

  it("previews with --dry-run and writes nothing", async () => {
    const repo = createTempGitRepo(sampleProjects.python);
    repos.push(repo);
    const before = readdirSync(repo.root, { recursive: true }).sort();
    const run = await runHarness(["init", "--dry-run"], { cwd: repo.root });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("would be created");
    expect(run.stdout).toContain("Dry run: nothing was written.");
    expect(readdirSync(repo.root, { recursive: true }).sort()).toEqual(before);
  });

  it("says how to fix it when run outside a git repository", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "harness-nogit-"));
    try {
      const run = await runHarness(["init", "--yes"], {
        cwd: dir,
        env: { GIT_CEILING_DIRECTORIES: path.dirname(dir) },
      });
      expect(run.exitCode).toBe(5);
      expect(run.stderr).toMatch(/error: .*git/i);
      expect(run.stderr).toMatch(/hint: /);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
