import { describe, expect, it } from "vitest";
import { formatItemTable, runSkillsList, truncate } from "../../src/commands/skills-list.js";
import { runSkillsValidate } from "../../src/commands/skills-validate.js";
import { InputError } from "../../src/errors.js";
import { captureCommand } from "../support/command-context.js";
import { fixturesRoot, loadFixture } from "./fixtures.js";

/** The command's context, and what it printed as lines (stdout and stderr apart). */
function capture(json: boolean) {
  const { ctx, stdout, stderr } = captureCommand({ cwd: fixturesRoot, json, env: {} });
  const lines = (text: string) => text.split("\n").slice(0, -1);
  return { ctx, stdout: () => lines(stdout()), stderr: () => lines(stderr()) };
}

describe("runSkillsValidate", () => {
  it("prints errors before warnings, then the summary, and exits 1", async () => {
    const run = capture(false);
    const result = await runSkillsValidate({ dir: "duplicate-names" }, run.ctx);
    expect(result.exitCode).toBe(1);
    const lines = run.stdout();
    expect(lines[0]).toMatch(
      /^\.claude\/agents\/second-reviewer\.md:2: error: .* \[duplicate-name\]$/,
    );
    expect(lines.find((line) => line.includes("[agent-name-mismatch]"))).toMatch(/: warning: /);
    expect(lines.at(-1)).toBe("0 skills, 0 commands, 2 agents: 1 error, 1 warning");
  });

  it("exits 0 when there are only warnings", async () => {
    const run = capture(false);
    expect((await runSkillsValidate({ dir: "unknown-keys" }, run.ctx)).exitCode).toBe(0);
    expect(run.stdout().at(-1)).toBe("1 skill, 1 command, 1 agent: 0 errors, 4 warnings");
  });

  it("writes one JSON object per diagnostic, then a summary", async () => {
    const run = capture(true);
    await runSkillsValidate({ dir: "string-boolean" }, run.ctx);
    expect(run.stdout().map((line) => JSON.parse(line) as unknown)).toEqual([
      expect.objectContaining({
        type: "diagnostic",
        severity: "error",
        file: ".claude/skills/manual-only/SKILL.md",
        line: 4,
        rule: "boolean-type",
        hint: "write disable-model-invocation: true without quotes",
      }),
      {
        type: "result",
        command: "skills validate",
        skills: 1,
        commands: 0,
        agents: 0,
        errors: 1,
        warnings: 0,
      },
    ]);
  });

  it("throws an input error when there is nothing to validate", async () => {
    const run = capture(false);
    await expect(runSkillsValidate({ dir: "not-a-claude-dir" }, run.ctx)).rejects.toBeInstanceOf(
      InputError,
    );
  });
});

describe("runSkillsList", () => {
  it("prints a table of kind, name and description", async () => {
    const run = capture(false);
    expect((await runSkillsList({ dir: "valid", width: 80 }, run.ctx)).exitCode).toBe(0);
    const lines = run.stdout();
    expect(lines[0]).toMatch(/^KIND\s+NAME\s+DESCRIPTION$/);
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/).slice(0, 2))).toEqual([
      ["skill", "review-change"],
      ["command", "harness:triage"],
      ["command", "sync"],
      ["agent", "planner"],
      ["agent", "reviewer"],
    ]);
    expect(lines.every((line) => line.length <= 80)).toBe(true);
    expect(run.stderr()).toEqual([]);
  });

  it("points at validate when listed files have errors", async () => {
    const run = capture(false);
    await runSkillsList({ dir: "duplicate-names", width: 80 }, run.ctx);
    expect(run.stderr()).toEqual([
      "warning: some of these files have errors; run `harness skills validate` for details",
    ]);
  });

  it("writes one JSON object per item, without bodies", async () => {
    const run = capture(true);
    await runSkillsList({ dir: "valid" }, run.ctx);
    const records = run.stdout().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toHaveLength(5);
    expect(records.every((record) => record.type === "item" && !("body" in record))).toBe(true);
    expect(records.find((record) => record.name === "planner")).toEqual({
      type: "item",
      kind: "agent",
      name: "planner",
      description: "Writes a plan for one accepted issue.",
      path: ".claude/agents/planner.md",
      frontmatter: {
        name: "planner",
        description: "Writes a plan for one accepted issue.",
        tools: ["Read", "Grep", "Write"],
        model: "claude-opus-4-1",
      },
      tools: ["Read", "Grep", "Write"],
    });
  });

  it("truncates long descriptions to the width", async () => {
    const { items } = await loadFixture("valid");
    const lines = formatItemTable(items, 60);
    expect(lines.every((line) => line.length <= 60)).toBe(true);
    expect(lines.find((line) => line.includes("review-change"))).toMatch(/…$/);
    expect(truncate("a\n  b", 10)).toBe("a b");
    expect(truncate("abcdef", 4)).toBe("abc…");
  });
});
