import { describe, expect, it } from "vitest";
import { chooseDefaultBranch, detectGit } from "../../src/project/detect-git.js";
import { parseGitHubRemote } from "../../src/project/parse-github-remote.js";
import { createTempRepo } from "./temp-repo.js";

describe("parseGitHubRemote", () => {
  it.each([
    "https://github.com/acme/rocket",
    "https://github.com/acme/rocket.git",
    "https://github.com/acme/rocket/",
    "https://github.com/acme/rocket.git/",
    "http://github.com/acme/rocket",
    "https://x-access-token:secret@github.com/acme/rocket.git",
    "https://GitHub.com/acme/rocket",
    "git@github.com:acme/rocket.git",
    "git@github.com:acme/rocket",
    "git@github.com:acme/rocket/",
    "github.com:acme/rocket.git",
    "ssh://git@github.com/acme/rocket",
    "ssh://git@github.com/acme/rocket.git",
    "ssh://git@github.com:22/acme/rocket.git",
    "ssh://git@ssh.github.com:443/acme/rocket.git",
    "git://github.com/acme/rocket.git",
  ])("reads acme/rocket from %s", (url) => {
    expect(parseGitHubRemote(url)).toBe("acme/rocket");
  });

  it("keeps dots and dashes in names", () => {
    expect(parseGitHubRemote("git@github.com:my-org/site.github.io.git")).toBe(
      "my-org/site.github.io",
    );
  });

  it.each([
    "https://github.example.com/acme/rocket.git",
    "git@github.acme-corp.com:acme/rocket.git",
    "https://gitlab.com/acme/rocket.git",
    "https://notgithub.com/acme/rocket",
    "https://github.com/acme",
    "https://github.com/acme/rocket/tree/main",
    "/srv/git/rocket.git",
    "../rocket",
    "",
  ])("ignores %j", (url) => {
    expect(parseGitHubRemote(url)).toBeUndefined();
  });
});

describe("detectGit", () => {
  it("reads owner/name from origin", async () => {
    const repo = createTempRepo({ "a.txt": "a" });
    repo.git("remote", "add", "origin", "git@github.com:acme/rocket.git");
    expect((await detectGit(repo.root)).githubRepo).toBe("acme/rocket");
  });

  it("falls back to the first GitHub remote when origin is elsewhere", async () => {
    const repo = createTempRepo({ "a.txt": "a" });
    repo.git("remote", "add", "origin", "https://gitlab.com/acme/rocket.git");
    repo.git("remote", "add", "mirror", "https://github.com/acme/rocket-mirror");
    repo.git("remote", "add", "zzz", "https://github.com/other/thing");
    const git = await detectGit(repo.root);
    expect(git.githubRepo).toBe("acme/rocket-mirror");
    expect(git.remotes.map((remote) => remote.name)).toEqual(["origin", "mirror", "zzz"]);
  });

  it("has no GitHub repo for an Enterprise host or no remote", async () => {
    const enterprise = createTempRepo({ "a.txt": "a" });
    enterprise.git("remote", "add", "origin", "https://github.acme.com/acme/rocket.git");
    expect((await detectGit(enterprise.root)).githubRepo).toBeUndefined();
    const none = createTempRepo({ "a.txt": "a" });
    expect((await detectGit(none.root)).githubRepo).toBeUndefined();
  });

  it("uses origin/HEAD when the clone recorded it", async () => {
    const repo = createTempRepo({ "a.txt": "a" }, { branch: "feature" });
    repo.git("remote", "add", "origin", "https://github.com/acme/rocket.git");
    const head = repo.git("rev-parse", "HEAD").trim();
    repo.git("update-ref", "refs/remotes/origin/trunk", head);
    repo.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk");
    expect((await detectGit(repo.root)).defaultBranch).toBe("trunk");
  });

  it("without origin/HEAD, a conventional current branch is the default", async () => {
    const repo = createTempRepo({ "a.txt": "a" });
    repo.git("branch", "feature-x");
    repo.git("remote", "add", "origin", "https://github.com/acme/rocket.git");
    expect((await detectGit(repo.root)).defaultBranch).toBe("main");
  });

  it("without origin/HEAD, uses init.defaultBranch only if that branch exists", async () => {
    const repo = createTempRepo({ "a.txt": "a" }, { branch: "feature" });
    repo.git("branch", "release");
    repo.git("config", "init.defaultBranch", "release");
    expect((await detectGit(repo.root)).defaultBranch).toBe("release");
    repo.git("config", "init.defaultBranch", "nonexistent");
    // Two branches, neither conventional nor configured: no guess.
    expect((await detectGit(repo.root)).defaultBranch).toBeUndefined();
  });

  it("the only local branch is the default, whatever its name", async () => {
    const repo = createTempRepo({ "a.txt": "a" }, { branch: "feature" });
    expect((await detectGit(repo.root)).defaultBranch).toBe("feature");
  });

  it("a repo without commits reports its unborn branch", async () => {
    const repo = createTempRepo({}, { branch: "work" });
    expect((await detectGit(repo.root)).defaultBranch).toBe("work");
  });
});

describe("chooseDefaultBranch", () => {
  it("prefers origin's HEAD, then a configured existing branch, then convention", () => {
    const base = { localBranches: ["main", "dev", "release"], currentBranch: "dev" };
    expect(chooseDefaultBranch({ ...base, originHead: "release" })).toBe("release");
    expect(chooseDefaultBranch({ ...base, initDefaultBranch: "main" })).toBe("main");
    expect(chooseDefaultBranch({ ...base, currentBranch: "master" })).toBe("master");
    expect(chooseDefaultBranch(base)).toBeUndefined();
  });
});
