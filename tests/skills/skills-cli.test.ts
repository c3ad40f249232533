import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuiltCli } from "../support/built-cli.js";
import { runHarness } from "../support/run-cli.js";
import { fixturesRoot } from "./fixtures.js";

describe("harness skills (built CLI)", () => {
  beforeAll(async () => {
    await ensureBuiltCli();
  });

  it("validate --json prints diagnostics and a summary, and exits 1 on errors", async () => {
    const run = await runHarness(["skills", "validate", "unknown-agent-tool", "--json"], {
      cwd: fixturesRoot,
    });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe("");
    expect(run.records).toEqual([
      expect.objectContaining({
        type: "diagnostic",
        severity: "error",
        rule: "agent-tool-unknown",
        file: ".claude/agents/scanner.md",
        line: 4,
        hint: 'did you mean "Grep"?',
      }),
      expect.objectContaining({ type: "diagnostic", rule: "agent-tool-unknown", line: 4 }),
      {
        type: "result",
        command: "skills validate",
        skills: 0,
        commands: 0,
        agents: 1,
        errors: 2,
        warnings: 0,
      },
    ]);
  });

  it("validate exits 0 on a valid tree, given the .claude folder itself", async () => {
    const run = await runHarness(
      ["skills", "validate", path.join(fixturesRoot, "valid", ".claude")],
      { cwd: fixturesRoot },
    );
    expect(run.exitCode).toBe(0);
    expect(run.stdout.trim()).toBe("1 skill, 2 commands, 2 agents: 0 errors, 0 warnings");
  });

  it("validate reports the line of malformed YAML", async () => {
    const run = await runHarness(["skills", "validate", "malformed-yaml"], { cwd: fixturesRoot });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(".claude/skills/broken-yaml/SKILL.md:4: error: malformed YAML");
  });

  it("exits 5 with a hint when there is no .claude folder", async () => {
    const run = await runHarness(["skills", "validate", "not-a-claude-dir", "--json"], {
      cwd: fixturesRoot,
    });
    expect(run.exitCode).toBe(5);
    expect(run.records).toEqual([
      expect.objectContaining({ type: "error", hint: expect.stringContaining("harness init") }),
    ]);
  });

  it("list --json prints one object per item", async () => {
    const run = await runHarness(["skills", "list", "valid", "--json"], { cwd: fixturesRoot });
    expect(run.exitCode).toBe(0);
    expect(run.records.map((record) => `${String(record.kind)}:${String(record.name)}`)).toEqual([
      "skill:review-change",
      "command:harness:triage",
      "command:sync",
      "agent:planner",
      "agent:reviewer",
    ]);
  });
});
