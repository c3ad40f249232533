import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { parseNumstatZ } from "../../src/git/worktree-changes.js";
import { commitAll, diffAgainst, openWorktree } from "../../src/git/worktrees.js";
import { createTempGitRepo, type TempGitRepo } from "../support/temp-git-repo.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function repoAndWorktree(files: Record<string, string> = { "a.txt": "one\ntwo\nthree\n" }) {
  const repo: TempGitRepo = createTempGitRepo(files);
  cleanups.push(repo.cleanup);
  const worktree = await openWorktree({
    repoRoot: repo.root,
    id: "1-change",
    branch: "harness/1-change",
    base: "main",
  });
  return { repo, worktree };
}

describe("commitAll", () => {
  it("returns undefined when nothing changed, and makes no empty commit", async () => {
    const { repo, worktree } = await repoAndWorktree();
    const before = repo.git("-C", worktree.path, "rev-parse", "HEAD");
    expect(await commitAll(worktree.path, "nothing")).toBeUndefined();
    expect(repo.git("-C", worktree.path, "rev-parse", "HEAD")).toBe(before);
  });

  it("commits new, changed and deleted files once; a rerun commits nothing", async () => {
    const { repo, worktree } = await repoAndWorktree({ "a.txt": "a\n", "gone.txt": "bye\n" });
    writeFileSync(path.join(worktree.path, "a.txt"), "a changed\n");
    mkdirSync(path.join(worktree.path, "src"));
    writeFileSync(path.join(worktree.path, "src", "new.ts"), "export {};\n");
    rmSync(path.join(worktree.path, "gone.txt"));
    const sha = await commitAll(worktree.path, "Fix #1: change a\n\n#not a comment line", {
      name: "Harness Bot",
      email: "bot@harness.invalid",
    });
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    const show = (format: string) =>
      repo.git("-C", worktree.path, "log", "-1", `--format=${format}`).trim();
    expect(show("%H")).toBe(sha);
    expect(show("%an <%ae> / %cn <%ce>")).toBe(
      "Harness Bot <bot@harness.invalid> / Harness Bot <bot@harness.invalid>",
    );
    expect(show("%B")).toBe("Fix #1: change a\n\n#not a comment line");
    expect(
      repo
        .git("-C", worktree.path, "show", "--name-status", "--format=", "HEAD")
        .trim()
        .split("\n"),
    ).toEqual(["M\ta.txt", "D\tgone.txt", "A\tsrc/new.ts"]);
    expect(await commitAll(worktree.path, "again")).toBeUndefined();
  });

  it("leaves out copied env files and .harness/ even when nothing ignores them", async () => {
    const repo = createTempGitRepo({ "a.txt": "a\n" });
    cleanups.push(repo.cleanup);
    repo.write(".env.test", "TOKEN=abc\n");
    const worktree = await openWorktree({
      repoRoot: repo.root,
      id: "2-env",
      branch: "harness/2-env",
      base: "main",
      copyEnvFiles: [".env.test"],
    });
    writeFileSync(path.join(worktree.path, "b.txt"), "b\n");
    mkdirSync(path.join(worktree.path, ".harness"));
    writeFileSync(path.join(worktree.path, ".harness", "state.json"), "{}\n");
    // An agent that staged the env file by itself does not get it committed either.
    repo.git("-C", worktree.path, "add", ".env.test");
    await commitAll(worktree.path, "add b");
    expect(repo.git("-C", worktree.path, "show", "--name-only", "--format=", "HEAD").trim()).toBe(
      "b.txt",
    );
    expect(await commitAll(worktree.path, "again")).toBeUndefined();
  });

  it("refuses an empty message", async () => {
    const { worktree } = await repoAndWorktree();
    await expect(commitAll(worktree.path, "  \n")).rejects.toBeInstanceOf(InputError);
  });
});

describe("diffAgainst", () => {
  it("gives the branch's committed changes since the base, with stats", async () => {
    const { repo, worktree } = await repoAndWorktree({
      "a.txt": "one\ntwo\nthree\n",
      "old.txt": "x\ny\n",
    });
    writeFileSync(path.join(worktree.path, "a.txt"), "one\n2\nthree\nfour\n");
    writeFileSync(path.join(worktree.path, "new file é.txt"), "hello\n");
    writeFileSync(path.join(worktree.path, "logo.bin"), Buffer.from([0, 1, 2, 0, 255]));
    rmSync(path.join(worktree.path, "old.txt"));
    await commitAll(worktree.path, "changes");
    writeFileSync(path.join(worktree.path, "uncommitted.txt"), "not in the diff\n");
    // The base moving on does not show up: the diff starts where the branch forked.
    repo.write("main-only.txt", "main\n");
    repo.git("add", "main-only.txt");
    repo.git("commit", "-q", "-m", "main moves");

    const result = await diffAgainst(worktree.path, "main");
    expect(result.stats).toEqual({ files: 4, additions: 3, deletions: 3 });
    expect(result.files).toEqual([
      { path: "a.txt", additions: 2, deletions: 1, binary: false },
      { path: "logo.bin", additions: 0, deletions: 0, binary: true },
      { path: "new file é.txt", additions: 1, deletions: 0, binary: false },
      { path: "old.txt", additions: 0, deletions: 2, binary: false },
    ]);
    // Git ends a name with spaces in a tab, for patch(1); the scan parser strips it.
    expect(result.diff).toContain("+++ b/new file é.txt\t\n");
    expect(result.diff).toContain("-two\n+2\n");
    expect(result.diff).not.toContain("uncommitted");
    expect(result.diff).not.toContain("main-only");
    expect(await diffAgainst(worktree.path, worktree.baseCommit)).toEqual(result);
  });

  it("is not changed by the user's diff settings", async () => {
    const { repo, worktree } = await repoAndWorktree();
    repo.git("config", "diff.noprefix", "true");
    repo.git("config", "color.ui", "always");
    repo.git("config", "diff.renames", "true");
    repo.git("-C", worktree.path, "mv", "a.txt", "moved.txt");
    await commitAll(worktree.path, "move");
    const result = await diffAgainst(worktree.path, "main");
    expect(result.diff).toContain("+++ b/moved.txt");
    expect(result.diff).toContain("+one\n");
    expect(result.diff).not.toContain("\u001b[");
    expect(result.stats).toEqual({ files: 2, additions: 3, deletions: 3 });
  });

  it("is empty when nothing was committed", async () => {
    const { worktree } = await repoAndWorktree();
    expect(await diffAgainst(worktree.path, "main")).toEqual({
      diff: "",
      files: [],
      stats: { files: 0, additions: 0, deletions: 0 },
    });
  });

  it("refuses a base that looks like an option", async () => {
    const { worktree } = await repoAndWorktree();
    await expect(diffAgainst(worktree.path, "--output=/tmp/x")).rejects.toBeInstanceOf(InputError);
  });
});

describe("parseNumstatZ", () => {
  it("reads counts, binary files and paths with tabs or newlines", () => {
    expect(parseNumstatZ("1\t2\ta.txt\0-\t-\tb.png\x003\t0\tweird\tname\nx\0")).toEqual([
      { path: "a.txt", additions: 1, deletions: 2, binary: false },
      { path: "b.png", additions: 0, deletions: 0, binary: true },
      { path: "weird\tname\nx", additions: 3, deletions: 0, binary: false },
    ]);
  });
});
