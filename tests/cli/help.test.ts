import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { harnessBin, repoRoot, runHarness } from "../support/run-cli.js";

describe("harness --help", () => {
  it("lists the commands and teaches where to start", async () => {
    const run = await runHarness(["--help"], { cwd: repoRoot });
    expect(run.exitCode).toBe(0);
    for (const command of ["init", "skills", "doctor"]) expect(run.stdout).toContain(command);
    expect(run.stdout).toContain("Start here:");
    expect(run.stdout).toContain("Exit codes:");
  });

  it("explains init's flags", async () => {
    const run = await runHarness(["init", "--help"], { cwd: repoRoot });
    for (const flag of ["--dry-run", "--force", "--yes"]) expect(run.stdout).toContain(flag);
  });

  it("loads no SDK, ink or octokit, and no command module", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "harness-trace-"));
    const traceFile = path.join(dir, "modules.txt");
    try {
      const hooks = pathToFileURL(path.join(repoRoot, "tests/support/trace-module-hooks.mjs")).href;
      const register = `data:text/javascript,import{register}from"node:module";register(${JSON.stringify(hooks)});`;
      const run = await execa(process.execPath, ["--import", register, harnessBin, "--help"], {
        env: { HARNESS_TRACE_FILE: traceFile },
        reject: false,
      });
      expect(run.exitCode).toBe(0);
      const loaded = readFileSync(traceFile, "utf8").split("\n").filter(Boolean);
      expect(loaded.some((url) => url.includes("/dist/cli.js"))).toBe(true);
      for (const heavy of [
        "openai",
        "@anthropic-ai",
        "ink",
        "react",
        "@octokit",
        "gray-matter",
        "zod",
        "yaml",
        "simple-git",
        "execa",
      ]) {
        expect(
          loaded.filter((url) => url.includes(`/node_modules/${heavy}/`)),
          heavy,
        ).toEqual([]);
      }
      expect(
        loaded.filter((url) => url.includes("/dist/commands/") && !url.endsWith("context.js")),
      ).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("exits 2 with a suggestion on an unknown command", async () => {
    const run = await runHarness(["iniit"], { cwd: repoRoot });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("init");
  });
});
