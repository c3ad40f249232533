import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import {
  listWorktrees,
  openWorktree,
  removeWorktree,
  type OpenWorktreeOptions,
} from "../../src/git/worktrees.js";
import { createTempGitRepo, type TempGitRepo } from "../support/temp-git-repo.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function repoWithCommit(files: Record<string, string> = { "README.md": "# app\n" }): TempGitRepo {
  const repo = createTempGitRepo(files);
  cleanups.push(repo.cleanup);
  return repo;
}

function outsideDir(): string {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), "harness-outside-")));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function options(repo: TempGitRepo, extra: Partial<OpenWorktreeOptions> = {}): OpenWorktreeOptions {
  return {
    repoRoot: repo.root,
    id: "42-fix-login",
    branch: "harness/42-fix-login",
    base: "main",
    ...extra,
  };
}

function gitIn(cwd: string, repo: TempGitRepo, ...args: string[]): string {
  return repo.git("-C", cwd, ...args).trim();
}

describe("openWorktree", () => {
  it("creates .harness/worktrees/<id> on a new branch from the base", async () => {
    const repo = repoWithCommit();
    const mainSha = repo.git("rev-parse", "main").trim();
    const opened = await openWorktree(options(repo));
    expect(opened).toMatchObject({
      path: path.join(repo.root, ".harness", "worktrees", "42-fix-login"),
      branch: "harness/42-fix-login",
      created: true,
      branchCreated: true,
      baseCommit: mainSha,
    });
    expect(gitIn(opened.path, repo, "rev-parse", "--abbrev-ref", "HEAD")).toBe(
      "harness/42-fix-login",
    );
    expect(readFileSync(path.join(opened.path, "README.md"), "utf8")).toBe("# app\n");
    // No upstream: pushing must name its remote branch, never fall back to the base.
    expect(repo.git("config", "--list", "--local")).not.toMatch(/^branch\.harness/m);
  });

  it("reuses the worktree on a second delivery and keeps the work in it", async () => {
    const repo = repoWithCommit();
    const first = await openWorktree(options(repo));
    writeFileSync(path.join(first.path, "work.txt"), "half done\n");
    const second = await openWorktree(options(repo));
    expect(second).toMatchObject({ path: first.path, created: false, branchCreated: false });
    expect(second.baseCommit).toBe(first.baseCommit);
    expect(readFileSync(path.join(second.path, "work.txt"), "utf8")).toBe("half done\n");
  });

  it("adds the worktree back on an existing branch without resetting it", async () => {
    const repo = repoWithCommit();
    const first = await openWorktree(options(repo));
    writeFileSync(path.join(first.path, "feature.txt"), "done\n");
    gitIn(first.path, repo, "add", "feature.txt");
    gitIn(first.path, repo, "commit", "-q", "-m", "feature");
    const branchTip = gitIn(first.path, repo, "rev-parse", "HEAD");
    await removeWorktree({ repoRoot: repo.root, id: "42-fix-login" });
    // The base moves on meanwhile: the fork point stays where the branch left it.
    repo.write("later.txt", "later\n");
    repo.git("add", "later.txt");
    repo.git("commit", "-q", "-m", "later on main");

    const again = await openWorktree(options(repo));
    expect(again).toMatchObject({ created: true, branchCreated: false });
    expect(again.baseCommit).toBe(first.baseCommit);
    expect(gitIn(again.path, repo, "rev-parse", "HEAD")).toBe(branchTip);
    expect(readFileSync(path.join(again.path, "feature.txt"), "utf8")).toBe("done\n");
  });

  it("prunes a worktree whose folder was deleted by hand and adds it again", async () => {
    const repo = repoWithCommit();
    const first = await openWorktree(options(repo));
    rmSync(first.path, { recursive: true, force: true });
    const again = await openWorktree(options(repo));
    expect(again).toMatchObject({ created: true, branchCreated: false });
    expect(existsSync(path.join(again.path, "README.md"))).toBe(true);
  });

  it("fills an empty folder a crash left behind", async () => {
    const repo = repoWithCommit();
    mkdirSync(path.join(repo.root, ".harness", "worktrees", "42-fix-login"), { recursive: true });
    expect((await openWorktree(options(repo))).created).toBe(true);
  });

  it("refuses a folder that is not a worktree of this repository", async () => {
    const repo = repoWithCommit();
    const folder = path.join(repo.root, ".harness", "worktrees", "42-fix-login");
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, "notes.txt"), "mine\n");
    await expect(openWorktree(options(repo))).rejects.toThrow(/exists but is not a worktree/);
    expect(readFileSync(path.join(folder, "notes.txt"), "utf8")).toBe("mine\n");
  });

  it("refuses a folder that is another repository", async () => {
    const repo = repoWithCommit();
    const other = createTempGitRepo({ "x.txt": "x" });
    cleanups.push(other.cleanup);
    const folder = path.join(repo.root, ".harness", "worktrees", "42-fix-login");
    mkdirSync(path.dirname(folder), { recursive: true });
    other.git("worktree", "add", "-q", "-b", "harness/42-fix-login", folder);
    await expect(openWorktree(options(repo))).rejects.toBeInstanceOf(InputError);
  });

  it("refuses a worktree of this repository that is on another branch", async () => {
    const repo = repoWithCommit();
    await openWorktree(options(repo));
    await expect(openWorktree(options(repo, { branch: "harness/43-other" }))).rejects.toThrow(
      /is on branch harness\/42-fix-login, not on harness\/43-other/,
    );
  });

  it("refuses a branch checked out somewhere else", async () => {
    const repo = repoWithCommit();
    await openWorktree(options(repo));
    await expect(openWorktree(options(repo, { id: "other-id" }))).rejects.toThrow(
      /already checked out/,
    );
  });

  it("refuses bad ids, branch names, bases and folders", async () => {
    const repo = repoWithCommit();
    await expect(openWorktree(options(repo, { id: "../escape" }))).rejects.toBeInstanceOf(
      InputError,
    );
    await expect(openWorktree(options(repo, { id: "Upper" }))).rejects.toBeInstanceOf(InputError);
    await expect(openWorktree(options(repo, { branch: "bad..name" }))).rejects.toBeInstanceOf(
      InputError,
    );
    await expect(openWorktree(options(repo, { branch: "-x" }))).rejects.toBeInstanceOf(InputError);
    await expect(openWorktree(options(repo, { base: "no-such-branch" }))).rejects.toThrow(
      /not a commit/,
    );
    mkdirSync(path.join(repo.root, "sub"));
    await expect(
      openWorktree(options(repo, { repoRoot: path.join(repo.root, "sub") })),
    ).rejects.toThrow(/not the top folder/);
  });

  it("never writes outside the repository through a .harness symlink", async () => {
    const repo = repoWithCommit();
    const outside = outsideDir();
    symlinkSync(outside, path.join(repo.root, ".harness"));
    await expect(openWorktree(options(repo))).rejects.toThrow(/outside the repository/);
    expect(existsSync(path.join(outside, "worktrees", "42-fix-login"))).toBe(false);
  });
});

describe("openWorktree env files", () => {
  it("copies the listed env files that exist, keeping their mode", async () => {
    const repo = repoWithCommit();
    repo.write(".env.test", "DATABASE_URL=postgres://localhost/test\n");
    repo.write("config/.env.local", "PORT=3000\n");
    const opened = await openWorktree(
      options(repo, { copyEnvFiles: [".env.test", "config/.env.local", ".env.missing"] }),
    );
    expect(opened.envFiles.copied).toEqual([".env.test", "config/.env.local"]);
    expect(opened.envFiles.skipped).toEqual([
      { file: ".env.missing", reason: "not present in the repository" },
    ]);
    expect(readFileSync(path.join(opened.path, ".env.test"), "utf8")).toContain("localhost/test");
    expect(readFileSync(path.join(opened.path, "config/.env.local"), "utf8")).toBe("PORT=3000\n");
  });

  it("keeps a restrictive mode", async () => {
    const repo = repoWithCommit();
    repo.write(".env", "A=1\n");
    const { chmodSync } = await import("node:fs");
    chmodSync(path.join(repo.root, ".env"), 0o600);
    const opened = await openWorktree(options(repo, { copyEnvFiles: [".env"] }));
    expect(statSync(path.join(opened.path, ".env")).mode & 0o777).toBe(0o600);
  });

  it("never overwrites: a tracked file or an earlier copy stays as it is", async () => {
    const repo = repoWithCommit({ "README.md": "x\n", ".env.ci": "FROM_GIT=1\n" });
    repo.write(".env.ci", "FROM_ROOT=1\n");
    repo.write(".env.test", "FIRST=1\n");
    const opened = await openWorktree(options(repo, { copyEnvFiles: [".env.ci", ".env.test"] }));
    expect(readFileSync(path.join(opened.path, ".env.ci"), "utf8")).toBe("FROM_GIT=1\n");
    expect(opened.envFiles.skipped).toEqual([
      { file: ".env.ci", reason: "already present in the worktree" },
    ]);
    writeFileSync(path.join(opened.path, ".env.test"), "EDITED_IN_WORKTREE=1\n");
    const again = await openWorktree(options(repo, { copyEnvFiles: [".env.test"] }));
    expect(again.envFiles.copied).toEqual([]);
    expect(readFileSync(path.join(again.path, ".env.test"), "utf8")).toBe("EDITED_IN_WORKTREE=1\n");
  });

  it("does not follow a symlink out of the repository, but does follow one inside it", async () => {
    const repo = repoWithCommit();
    const outside = outsideDir();
    writeFileSync(path.join(outside, "credentials"), "aws_secret_access_key=abc\n");
    symlinkSync(path.join(outside, "credentials"), path.join(repo.root, ".env.link"));
    repo.write("env/real.env", "INSIDE=1\n");
    symlinkSync(path.join(repo.root, "env/real.env"), path.join(repo.root, ".env.inside"));
    symlinkSync(path.join(outside, "gone"), path.join(repo.root, ".env.dangling"));
    const opened = await openWorktree(
      options(repo, { copyEnvFiles: [".env.link", ".env.inside", ".env.dangling"] }),
    );
    expect(opened.envFiles.copied).toEqual([".env.inside"]);
    expect(opened.envFiles.skipped.map((skip) => skip.file)).toEqual([
      ".env.link",
      ".env.dangling",
    ]);
    expect(opened.envFiles.skipped[0]?.reason).toMatch(/outside the repository/);
    expect(existsSync(path.join(opened.path, ".env.link"))).toBe(false);
    expect(readFileSync(path.join(opened.path, ".env.inside"), "utf8")).toBe("INSIDE=1\n");
  });

  it("does not write through a folder symlink on the branch that leads outside", async () => {
    const repo = repoWithCommit();
    const outside = outsideDir();
    // The branch (from an earlier attempt) has `conf` as a symlink out; the main checkout has
    // a real conf/.env.
    repo.git("checkout", "-q", "-b", "harness/42-fix-login");
    symlinkSync(outside, path.join(repo.root, "conf"));
    repo.git("add", "conf");
    repo.git("commit", "-q", "-m", "link");
    repo.git("checkout", "-q", "main");
    repo.write("conf/.env", "REAL=1\n");
    const opened = await openWorktree(options(repo, { copyEnvFiles: ["conf/.env"] }));
    expect(opened.envFiles.skipped[0]?.reason).toMatch(/leads outside/);
    expect(existsSync(path.join(outside, ".env"))).toBe(false);
  });

  it("refuses names that leave the repository, before creating anything", async () => {
    const repo = repoWithCommit();
    for (const name of ["../.env", "/etc/passwd", "a/../../b", ".git/config", ""]) {
      await expect(openWorktree(options(repo, { copyEnvFiles: [name] }))).rejects.toBeInstanceOf(
        InputError,
      );
    }
    expect(await listWorktrees(repo.root)).toEqual([]);
  });
});

describe("removeWorktree and listWorktrees", () => {
  it("removes (with uncommitted changes), and a second removal is fine", async () => {
    const repo = repoWithCommit();
    const opened = await openWorktree(options(repo));
    writeFileSync(path.join(opened.path, "dirty.txt"), "uncommitted\n");
    expect(await removeWorktree({ repoRoot: repo.root, id: "42-fix-login" })).toEqual({
      removed: true,
    });
    expect(existsSync(opened.path)).toBe(false);
    expect(await removeWorktree({ repoRoot: repo.root, id: "42-fix-login" })).toEqual({
      removed: false,
    });
    expect(await listWorktrees(repo.root)).toEqual([]);
    // The branch stays unless asked: a pushed PR branch lives on.
    expect(repo.git("branch", "--list", "harness/42-fix-login").trim()).not.toBe("");
  });

  it("deletes the branch when asked, also on a rerun after the worktree was gone", async () => {
    const repo = repoWithCommit();
    await openWorktree(options(repo));
    expect(
      await removeWorktree({ repoRoot: repo.root, id: "42-fix-login", deleteBranch: true }),
    ).toEqual({ removed: true, branchDeleted: "harness/42-fix-login" });
    expect(repo.git("branch", "--list", "harness/*").trim()).toBe("");

    await openWorktree(options(repo));
    await removeWorktree({ repoRoot: repo.root, id: "42-fix-login" });
    expect(
      await removeWorktree({
        repoRoot: repo.root,
        id: "42-fix-login",
        deleteBranch: true,
        branch: "harness/42-fix-login",
      }),
    ).toEqual({ removed: false, branchDeleted: "harness/42-fix-login" });
  });

  it("never deletes a branch harness did not make", async () => {
    const repo = repoWithCommit();
    repo.git("branch", "feature");
    await expect(
      removeWorktree({ repoRoot: repo.root, id: "x", deleteBranch: true, branch: "feature" }),
    ).rejects.toThrow(/harness deletes only harness/);
    expect(repo.git("branch", "--list", "feature").trim()).not.toBe("");
  });

  it("refuses to remove a folder that is not a worktree", async () => {
    const repo = repoWithCommit();
    repo.write(".harness/worktrees/stray/notes.txt", "mine\n");
    await expect(removeWorktree({ repoRoot: repo.root, id: "stray" })).rejects.toBeInstanceOf(
      InputError,
    );
    expect(existsSync(path.join(repo.root, ".harness/worktrees/stray/notes.txt"))).toBe(true);
  });

  it("lists only harness worktrees", async () => {
    const repo = repoWithCommit();
    const outside = outsideDir();
    repo.git("worktree", "add", "-q", "-b", "elsewhere", path.join(outside, "wt"));
    const a = await openWorktree(options(repo));
    await openWorktree(options(repo, { id: "7-docs", branch: "harness/7-docs" }));
    const listed = await listWorktrees(repo.root);
    expect(listed.map((entry) => [entry.id, entry.branch])).toEqual([
      ["42-fix-login", "harness/42-fix-login"],
      ["7-docs", "harness/7-docs"],
    ]);
    expect(listed[0]).toMatchObject({ path: a.path, locked: false, prunable: false });
    expect(listed[0]?.head).toMatch(/^[0-9a-f]{40}$/);
  });
});
