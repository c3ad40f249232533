/**
 * End to end: the built CLI in a temporary git repository, with PATH cut down to a folder that
 * holds only git (and, in one test, a fake claude), so the results do not depend on the machine.
 */
import { access, chmod, constants, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuiltCli } from "../support/built-cli.js";
import { harnessBin } from "../support/run-cli.js";
import { createTempDir, type TempDir } from "../support/temp-dir.js";

const SECRET = "ghp_secretvalue123";

async function findOnPath(program: string): Promise<string> {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, program);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  throw new Error(`${program} is not on PATH; these tests need it`);
}

describe("harness doctor (built CLI)", () => {
  let repo: TempDir;
  let bin: TempDir;
  let home: TempDir;

  beforeAll(async () => {
    await ensureBuiltCli();
    [repo, bin, home] = await Promise.all([
      createTempDir("harness-doctor-repo"),
      createTempDir("harness-doctor-bin"),
      createTempDir("harness-doctor-home"),
    ]);
    await symlink(await findOnPath("git"), path.join(bin.path, "git"));
    await execa("git", ["init", "-q", "-b", "main"], { cwd: repo.path });
  });

  afterAll(async () => {
    await Promise.all([repo?.remove(), bin?.remove(), home?.remove()]);
  });

  const doctor = (args: string[]) =>
    execa(process.execPath, [harnessBin, "doctor", ...args], {
      cwd: repo.path,
      env: { PATH: bin.path, HOME: home.path, GITHUB_TOKEN: SECRET, NO_COLOR: "1" },
      extendEnv: false,
      reject: false,
      timeout: 30_000,
    });

  it("--json prints one check-finished object per check and a summary, never the token", async () => {
    const result = await doctor(["--json"]);
    expect(result.stdout + result.stderr).not.toContain(SECRET);
    expect(result.stdout + result.stderr).not.toContain("secretvalue");
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);

    const lines = result.stdout
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const checks = lines.filter((line) => line.type === "check-finished");
    expect(checks.map((check) => [check.name, check.status])).toEqual([
      ["node", "ok"],
      ["git", "ok"],
      ["git-repository", "ok"],
      ["config", "warn"],
      ["github-token", "ok"],
      ["claude", "warn"],
      ["codex", "warn"],
      ["gemini", "warn"],
      ["agent-cli", "warn"],
    ]);
    for (const check of checks) {
      expect(typeof check.detail).toBe("string");
      if (check.status !== "ok") expect(typeof check.fix).toBe("string");
    }
    const byName = new Map(checks.map((check) => [check.name, check]));
    expect(byName.get("github-token")?.detail).toBe("found in GITHUB_TOKEN");
    expect(byName.get("git-repository")?.detail).toBe(`inside ${repo.path}`);
    expect(byName.get("config")?.fix).toBe("run harness init");
    expect(byName.get("claude")?.fix).toBe("npm i -g @anthropic-ai/claude-code");
    expect(lines.at(-1)).toEqual({
      type: "result",
      command: "doctor",
      ok: 4,
      warn: 5,
      fail: 0,
      exitCode: 0,
    });
  });

  it("shows the version of an agent CLI it finds, in human output", async () => {
    const fakeClaude = path.join(bin.path, "claude");
    await writeFile(fakeClaude, '#!/bin/sh\necho "9.9.9 (Fake Claude)"\n');
    await chmod(fakeClaude, 0o755);
    const result = await doctor([]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^ok {3}claude {10}9\.9\.9 \(Fake Claude\)$/m);
    expect(result.stdout).toMatch(/^ok {3}github-token {4}found in GITHUB_TOKEN$/m);
    expect(result.stdout).toMatch(/^warn config {10}no harness\.config\.yaml found/m);
    expect(result.stdout).toMatch(/^ {5}fix: run harness init$/m);
    expect(result.stdout).not.toContain(SECRET);
  });

  it("fails on an invalid config and exits 1, naming the line", async () => {
    await writeFile(
      path.join(repo.path, "harness.config.yaml"),
      "version: 1\nbudgets:\n  maxTurns: -3\n",
    );
    const result = await doctor(["--json"]);
    expect(result.exitCode).toBe(1);
    const config = result.stdout
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.name === "config");
    expect(config?.status).toBe("fail");
    expect(config?.detail).toContain("harness.config.yaml:3: error: budgets.maxTurns");
    expect(result.stdout).not.toContain(SECRET);
  });
});
