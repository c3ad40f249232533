/** `harness issue new|ls` through the built CLI: the local tracker a repo without GitHub uses. */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

import { ensureBuiltCli } from "../support/built-cli.js";
import { runHarness } from "../support/run-cli.js";
import { createTempGitRepo, type TempGitRepo } from "../support/temp-git-repo.js";

let repo: TempGitRepo | undefined;
beforeAll(async () => {
  await ensureBuiltCli();
}, 180_000);
afterEach(() => repo?.cleanup());

describe("harness issue", () => {
  it("files numbered issues as Markdown and lists them", async () => {
    repo = createTempGitRepo({ "README.md": "# app\n" });
    const first = await runHarness(
      ["issue", "new", "Reject empty config files", "--body", "It crashes.", "--label", "bug"],
      { cwd: repo.root, env: { USER: "ada" } },
    );
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain("#1 Reject empty config files (.harness/issues/1.md)");
    const file = readFileSync(path.join(repo.root, ".harness", "issues", "1.md"), "utf8");
    expect(file).toMatch(/^---\nid: 1\ntitle: Reject empty config files\nstate: open\n/);
    expect(file).toContain("author: ada");
    expect(file.trimEnd().endsWith("It crashes.")).toBe(true);

    const second = await runHarness(["issue", "new", "Fix the typo", "--json"], { cwd: repo.root });
    expect(second.records.at(-1)).toMatchObject({ type: "result", number: 2, state: "open" });

    const listed = await runHarness(["issue", "ls"], { cwd: repo.root });
    expect(listed.stdout).toMatch(/#1\s+open\s+Reject empty config files \[bug\]/);
    expect(listed.stdout).toMatch(/#2\s+open\s+Fix the typo/);
  }, 60_000);

  it("lists a hand-closed issue only when asked, and names a broken file", async () => {
    repo = createTempGitRepo({ "README.md": "# app\n" });
    await runHarness(["issue", "new", "One"], { cwd: repo.root });
    const file = path.join(repo.root, ".harness", "issues", "1.md");
    writeFileSync(file, readFileSync(file, "utf8").replace("state: open", "state: closed"));
    writeFileSync(path.join(repo.root, ".harness", "issues", "2.md"), "---\ntitle: [oops\n---\n");
    const open = await runHarness(["issue", "ls", "--json"], { cwd: repo.root });
    expect(open.records.filter((record) => record.type === "issue")).toEqual([]);
    expect(open.records.some((record) => record.type === "warning")).toBe(true);
    const all = await runHarness(["issue", "ls", "--state", "all"], { cwd: repo.root });
    expect(all.stdout).toMatch(/#1\s+closed\s+One/);
    expect(all.stderr).toContain("2.md");
    const bad = await runHarness(["issue", "ls", "--state", "stale"], { cwd: repo.root });
    expect(bad.exitCode).toBe(5);
  }, 60_000);
});
