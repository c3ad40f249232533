import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load-config.js";
import {
  AGENT_CLIS,
  checkAgentCli,
  summarizeAgentClis,
} from "../../src/doctor/check-agent-clis.js";
import { checkConfig } from "../../src/doctor/check-config.js";
import { checkGitInstalled, checkGitRepository } from "../../src/doctor/check-git.js";
import { checkGithubToken } from "../../src/doctor/check-github-token.js";
import { checkNodeVersion } from "../../src/doctor/check-node-version.js";
import type { DoctorEnvironment } from "../../src/doctor/check-result.js";
import { createFakeRunCommand, healthyMachine, type FakeAnswer } from "./fake-run-command.js";

function environmentWith(
  answers: Record<string, FakeAnswer>,
  env: NodeJS.ProcessEnv = {},
): DoctorEnvironment & { calls: string[] } {
  const fake = createFakeRunCommand(answers);
  return { cwd: "/projects/shop", env, nodeVersion: "20.19.0", run: fake.run, calls: fake.calls };
}

describe("checkNodeVersion", () => {
  it("accepts 20.19 and newer majors", async () => {
    expect((await checkNodeVersion("v20.19.0")).status).toBe("ok");
    expect((await checkNodeVersion("20.20.2")).detail).toBe("Node 20.20.2");
    expect((await checkNodeVersion("22.1.0")).status).toBe("ok");
  });

  it("fails an older Node and says which version to install", async () => {
    const result = await checkNodeVersion("v20.18.3");
    expect(result).toMatchObject({ name: "node", status: "fail" });
    expect(result.detail).toContain("20.18.3");
    expect(result.fix).toContain("Node 20.19");
    expect((await checkNodeVersion("18.20.0")).status).toBe("fail");
  });

  it("fails a version it cannot read", async () => {
    expect((await checkNodeVersion("banana")).status).toBe("fail");
  });
});

describe("git checks", () => {
  it("reports the git version", async () => {
    const result = await checkGitInstalled(environmentWith(healthyMachine()));
    expect(result).toEqual({ name: "git", status: "ok", detail: "git 2.45.1" });
  });

  it("fails when git is missing, and the repository check only warns", async () => {
    const environment = environmentWith({});
    const git = await checkGitInstalled(environment);
    expect(git).toMatchObject({ name: "git", status: "fail" });
    expect(git.fix).toMatch(/install git/);
    const repository = await checkGitRepository(environment);
    expect(repository).toMatchObject({ name: "git-repository", status: "warn" });
  });

  it("warns outside a repository and suggests git init", async () => {
    const result = await checkGitRepository(
      environmentWith({
        "git rev-parse --show-toplevel": {
          exitCode: 128,
          stderr: "fatal: not a git repository (or any of the parent directories): .git",
        },
      }),
    );
    expect(result.status).toBe("warn");
    expect(result.fix).toContain("git init");
  });

  it("names the repository root when inside one", async () => {
    const result = await checkGitRepository(environmentWith(healthyMachine()));
    expect(result).toEqual({
      name: "git-repository",
      status: "ok",
      detail: "inside /projects/shop",
    });
  });
});

describe("checkConfig", () => {
  let dir: string;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function repoWithConfig(text?: string): Promise<string> {
    dir = await mkdtemp(path.join(os.tmpdir(), "harness-doctor-config-"));
    await mkdir(path.join(dir, ".git"));
    if (text !== undefined) await writeFile(path.join(dir, "harness.config.yaml"), text);
    return dir;
  }

  it("warns when there is no config and suggests harness init", async () => {
    const cwd = await repoWithConfig();
    const result = await checkConfig(loadConfig({ cwd, env: {} }), cwd);
    expect(result).toMatchObject({ name: "config", status: "warn", fix: "run harness init" });
  });

  it("accepts a valid config", async () => {
    const cwd = await repoWithConfig("version: 1\nschedule:\n  maxIssuesPerRun: 3\n");
    const result = await checkConfig(loadConfig({ cwd, env: {} }), cwd);
    expect(result).toEqual({
      name: "config",
      status: "ok",
      detail: "harness.config.yaml is valid",
    });
  });

  it("fails an invalid config and lists each problem with file:line, key path and fix", async () => {
    const cwd = await repoWithConfig(
      ["version: 1", "schedule:", "  maxIssuesPerRun: many", "github:", "  repoo: a/b", ""].join(
        "\n",
      ),
    );
    const result = await checkConfig(loadConfig({ cwd, env: {} }), cwd);
    expect(result.status).toBe("fail");
    const lines = result.detail.split("\n");
    expect(lines[0]).toBe("harness.config.yaml has 2 problems:");
    expect(result.detail).toContain("harness.config.yaml:3: error: schedule.maxIssuesPerRun");
    expect(result.detail).toMatch(/harness\.config\.yaml:5: error: github: unknown key "repoo"/);
    expect(result.detail).toContain('fix: did you mean "repo"?');
    expect(result.fix).toContain("harness.config.yaml");
  });

  it("fails malformed YAML with its line", async () => {
    const cwd = await repoWithConfig("version: 1\nschedule:\n  cron: [unclosed\n");
    const result = await checkConfig(loadConfig({ cwd, env: {} }), cwd);
    expect(result.status).toBe("fail");
    expect(result.detail).toMatch(/harness\.config\.yaml:\d+: error: malformed YAML/);
  });
});

describe("checkGithubToken", () => {
  const secret = "ghp_secretvalue123";

  it("names GITHUB_TOKEN as the source and never shows the token", async () => {
    const environment = environmentWith(healthyMachine(), { GITHUB_TOKEN: secret });
    const result = await checkGithubToken(environment);
    expect(result).toEqual({ name: "github-token", status: "ok", detail: "found in GITHUB_TOKEN" });
    expect(JSON.stringify(result)).not.toContain("ghp_");
    expect(environment.calls).not.toContain("gh auth token");
  });

  it("falls back to GH_TOKEN, then to github.token in the config", async () => {
    const fromGh = await checkGithubToken(environmentWith({}, { GH_TOKEN: secret }));
    expect(fromGh.detail).toBe("found in GH_TOKEN");
    const fromConfig = await checkGithubToken(environmentWith({}), secret);
    expect(fromConfig.detail).toContain("harness.config.yaml");
    expect(JSON.stringify(fromConfig)).not.toContain(secret);
  });

  it("uses `gh auth token` when the gh CLI is logged in, without printing the token", async () => {
    const environment = environmentWith(healthyMachine(), { GITHUB_TOKEN: "  " });
    const result = await checkGithubToken(environment);
    expect(result.status).toBe("ok");
    expect(result.detail).toContain("gh auth token");
    expect(JSON.stringify(result)).not.toContain("gho_");
    expect(environment.calls).toContain("gh auth token");
  });

  it("warns with the fix when gh is installed but logged out", async () => {
    const result = await checkGithubToken(
      environmentWith({
        "gh auth token": { exitCode: 1, stderr: "no oauth token found for github.com" },
      }),
    );
    expect(result.status).toBe("warn");
    expect(result.detail).toContain("not logged in");
    expect(result.fix).toContain("Issues and Pull requests read/write");
    expect(result.fix).toContain("export GITHUB_TOKEN");
    expect(result.fix).toContain("gh auth login");
  });

  it("warns when there is no token and no gh CLI", async () => {
    const result = await checkGithubToken(environmentWith({}));
    expect(result.status).toBe("warn");
    expect(result.detail).toContain("gh CLI is not installed");
  });
});

describe("agent CLI checks", () => {
  it("reports the first line of --version for an installed CLI", async () => {
    const environment = environmentWith({
      "claude --version": { stdout: "2.1.197 (Claude Code)\nextra line\n" },
    });
    const result = await checkAgentCli(environment, AGENT_CLIS[0]!);
    expect(result).toEqual({ name: "claude", status: "ok", detail: "2.1.197 (Claude Code)" });
  });

  it("warns with the npm install command for each missing CLI", async () => {
    const environment = environmentWith({});
    const results = await Promise.all(AGENT_CLIS.map((cli) => checkAgentCli(environment, cli)));
    expect(results.map((r) => [r.name, r.status, r.fix])).toEqual([
      ["claude", "warn", "npm i -g @anthropic-ai/claude-code"],
      ["codex", "warn", "npm i -g @openai/codex"],
      ["gemini", "warn", "npm i -g @google/gemini-cli"],
    ]);
    const summary = summarizeAgentClis(results);
    expect(summary.status).toBe("warn");
    expect(summary.detail).toContain("built-in agent");
  });

  it("warns when --version hangs or fails", async () => {
    const hung = await checkAgentCli(
      environmentWith({ "codex --version": { timedOut: true } }),
      AGENT_CLIS[1]!,
    );
    expect(hung.status).toBe("warn");
    expect(hung.detail).toContain("5 s");
    const broken = await checkAgentCli(
      environmentWith({ "gemini --version": { exitCode: 1, stderr: "Error: cannot find module" } }),
      AGENT_CLIS[2]!,
    );
    expect(broken.status).toBe("warn");
    expect(broken.detail).toContain("cannot find module");
  });

  it("is ok as a set when at least one CLI answers", () => {
    const summary = summarizeAgentClis([
      { name: "claude", status: "ok", detail: "2.1.197" },
      { name: "codex", status: "warn", detail: "not installed" },
    ]);
    expect(summary).toEqual({
      name: "agent-cli",
      status: "ok",
      detail: "1 of 2 available: claude",
    });
  });
});
