/**
 * Which tracker a repository gets, and the reason given: GitHub needs a repository (config or
 * a github.com remote) and a token; otherwise the local tracker, with a warning when a GitHub
 * repository is known but no token is.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { defaultConfig } from "../../src/config/schema.js";
import { createTracker } from "../../src/tracker/create-tracker.js";
import { startGitHubEmulator, type GitHubEmulator } from "../support/github-emulator.js";
import { createTempGitRepo, type TempGitRepo } from "../support/temp-git-repo.js";

let github: GitHubEmulator;
const repos: TempGitRepo[] = [];

function config(repo = "", token = "") {
  const base = defaultConfig();
  return { github: { ...base.github, repo, token } };
}

function gitRepo(remote?: string): string {
  const repo = createTempGitRepo({ "README.md": "# shop\n" }, { remote });
  repos.push(repo);
  return repo.root;
}

beforeAll(async () => {
  github = await startGitHubEmulator();
});

afterAll(async () => {
  await github?.close();
  for (const repo of repos) repo.cleanup();
});

describe("createTracker", () => {
  it("uses the local tracker when there is no GitHub repository", async () => {
    const choice = await createTracker({
      root: gitRepo(),
      config: config(),
      env: { GITHUB_TOKEN: "ghp_unused" },
      ghCli: false,
    });
    expect(choice.tracker.kind).toBe("local");
    expect(choice.reason).toBe(
      "local tracker in .harness/issues: github.repo is empty in harness.config.yaml and no git remote points at github.com",
    );
    expect(choice.warning).toBeUndefined();
  });

  it("uses GitHub for github.repo with a token, and says where both came from", async () => {
    const choice = await createTracker({
      root: gitRepo(),
      config: config(github.fullName),
      env: { GITHUB_TOKEN: github.tokens.owner, GITHUB_API_URL: github.url },
      ghCli: false,
    });
    expect(choice.tracker.kind).toBe("github");
    expect(choice.tokenSource).toBe("GITHUB_TOKEN");
    expect(choice.reason).toBe(
      `GitHub ${github.fullName} at ${github.url} (repository from github.repo in ` +
        "harness.config.yaml, token from the GITHUB_TOKEN environment variable)",
    );
    expect(choice.reason).not.toContain(github.tokens.owner);
    // GITHUB_API_URL (as GitHub Actions sets it) is where it talks to.
    const issue = await github.createIssue({ title: "Reachable" });
    const changes = await choice.tracker.listChanged();
    expect(changes.issues.map((found) => found.number)).toContain(issue);
  });

  it("finds the repository from a github.com remote", async () => {
    const choice = await createTracker({
      root: gitRepo("git@github.com:octo-org/shop-api.git"),
      config: config(),
      env: { GH_TOKEN: "ghp_from_gh_token" },
      ghCli: false,
    });
    expect(choice.tracker.kind).toBe("github");
    expect(choice.tracker.description).toBe("GitHub octo-org/shop-api");
    expect(choice.reason).toContain("repository from the git remote");
    expect(choice.reason).toContain("GH_TOKEN");
  });

  it("takes github.token from the config when the environment has none", async () => {
    const choice = await createTracker({
      root: gitRepo(),
      config: config("octo/shop", "ghp_in_config"),
      env: {},
      ghCli: false,
    });
    expect(choice.tokenSource).toBe("config");
  });

  it("falls back to the local tracker with a warning when GitHub has no token", async () => {
    const choice = await createTracker({
      root: gitRepo("https://github.com/octo/shop.git"),
      config: config(),
      env: {},
      ghCli: false,
    });
    expect(choice.tracker.kind).toBe("local");
    expect(choice.reason).toBe("local tracker in .harness/issues: no GitHub token for octo/shop");
    expect(choice.warning).toMatch(/octo\/shop \(from the git remote\) is on GitHub, but no token/);
    expect(choice.warning).toContain("GITHUB_TOKEN");
  });
});
