import { describe, expect, it } from "vitest";
import { loadFixture, problemsIn, toProblem } from "./fixtures.js";

describe("agent rules", () => {
  it("rejects unknown tools and suggests the closest known one", async () => {
    const loaded = await loadFixture("unknown-agent-tool");
    expect(loaded.diagnostics.map((d) => [toProblem(d), d.message, d.hint])).toEqual([
      [
        {
          severity: "error",
          rule: "agent-tool-unknown",
          file: ".claude/agents/scanner.md",
          line: 4,
        },
        'tools: "Grpe" is not a Claude Code tool',
        'did you mean "Grep"?',
      ],
      [
        {
          severity: "error",
          rule: "agent-tool-unknown",
          file: ".claude/agents/scanner.md",
          line: 4,
        },
        'tools: "Teleport" is not a Claude Code tool',
        expect.stringContaining("mcp__server__tool"),
      ],
    ]);
  });

  it("flags agents that can start sub-agents, unless the agent tool is disallowed", async () => {
    expect(await problemsIn("agent-without-tools")).toEqual([
      {
        severity: "warning",
        rule: "agent-tools-missing",
        file: ".claude/agents/free-agent.md",
        line: 1,
      },
      {
        severity: "warning",
        rule: "agent-tools-spawn",
        file: ".claude/agents/orchestrator.md",
        line: 4,
      },
    ]);
  });

  it("checks model, permissionMode, maxTurns, isolation and booleans", async () => {
    const loaded = await loadFixture("agent-bad-settings");
    expect(loaded.diagnostics.map((d) => [d.rule, d.line, d.hint])).toEqual([
      ["model-value", 5, 'did you mean "sonnet"?'],
      ["agent-permission-mode", 6, 'did you mean "acceptEdits"?'],
      ["agent-isolation", 8, "write isolation: worktree, or remove the key"],
      ["agent-max-turns", 7, "write maxTurns: 20 (no quotes)"],
      ["boolean-type", 9, "write background: true or background: false"],
    ]);
  });

  it("rejects two agents with one name, and warns when a name differs from its file", async () => {
    expect(await problemsIn("duplicate-names")).toEqual([
      {
        severity: "warning",
        rule: "agent-name-mismatch",
        file: ".claude/agents/second-reviewer.md",
        line: 2,
      },
      {
        severity: "error",
        rule: "duplicate-name",
        file: ".claude/agents/second-reviewer.md",
        line: 2,
      },
    ]);
  });
});
