import { describe, expect, it } from "vitest";
import { loadClaudeItems } from "../../src/skills/load-claude-items.js";
import { fixturesRoot, loadFixture, problemsIn } from "./fixtures.js";

describe("loadClaudeItems on a valid tree", () => {
  it("loads every kind with no diagnostics", async () => {
    const loaded = await loadFixture("valid");
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.items.map((item) => [item.kind, item.name, item.path])).toEqual([
      ["skill", "review-change", ".claude/skills/review-change/SKILL.md"],
      ["command", "harness:triage", ".claude/commands/harness/triage.md"],
      ["command", "sync", ".claude/commands/sync.md"],
      ["agent", "planner", ".claude/agents/planner.md"],
      ["agent", "reviewer", ".claude/agents/reviewer.md"],
    ]);
  });

  it("parses agent tools from a comma-separated string and from a YAML list", async () => {
    const { items } = await loadFixture("valid");
    const tools = Object.fromEntries(
      items.flatMap((item) => (item.kind === "agent" ? [[item.name, item.tools]] : [])),
    );
    expect(tools).toEqual({
      planner: ["Read", "Grep", "Write"],
      reviewer: ["Read", "Grep", "Glob", "Bash(npm test:*)", "mcp__github__get_pull_request"],
    });
  });

  it("keeps the frontmatter and the body apart", async () => {
    const { items } = await loadFixture("valid");
    const sync = items.find((item) => item.name === "sync");
    expect(sync?.frontmatter).toEqual({ description: "Commit and push the current work" });
    expect(sync?.body).toBe("Commit what changed with a clear message, then push the branch.\n");
  });

  it("accepts the .claude folder itself, with paths relative to it", async () => {
    const loaded = await loadClaudeItems({ dir: "valid/.claude", cwd: fixturesRoot });
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.items[0]?.path).toBe("skills/review-change/SKILL.md");
  });

  it("accepts a plugin folder that has skills/ at its top", async () => {
    const loaded = await loadFixture("plugin-layout");
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.items.map((item) => item.path)).toEqual(["skills/packaged/SKILL.md"]);
  });

  it("says clearly when there is no .claude folder", async () => {
    const loaded = await loadFixture("not-a-claude-dir");
    expect(loaded.location).toBeUndefined();
    expect(loaded.diagnostics).toEqual([
      expect.objectContaining({
        severity: "error",
        rule: "claude-dir-missing",
        file: "not-a-claude-dir",
        message: expect.stringContaining("no skills, commands or agents in not-a-claude-dir"),
      }),
    ]);
  });

  it("says when the folder does not exist", async () => {
    const loaded = await loadFixture("no-such-case");
    expect(loaded.diagnostics[0]?.message).toBe("no-such-case is not a directory");
  });
});

describe("frontmatter failures", () => {
  it("reports malformed YAML at its line in the file", async () => {
    expect(await problemsIn("malformed-yaml")).toEqual([
      {
        severity: "error",
        rule: "frontmatter-yaml",
        file: ".claude/skills/broken-yaml/SKILL.md",
        line: 4,
      },
      {
        severity: "error",
        rule: "frontmatter-yaml",
        file: ".claude/agents/bad-indent.md",
        line: 4,
      },
    ]);
    // A file whose frontmatter cannot be read is not offered as an item.
    expect((await loadFixture("malformed-yaml")).items).toEqual([]);
  });

  it("reports an unterminated frontmatter block", async () => {
    expect(await problemsIn("unterminated-frontmatter")).toEqual([
      {
        severity: "error",
        rule: "frontmatter-unterminated",
        file: ".claude/skills/open-ended/SKILL.md",
        line: 1,
      },
    ]);
  });

  it("requires frontmatter for skills and agents but not for commands", async () => {
    expect(await problemsIn("no-frontmatter")).toEqual([
      {
        severity: "error",
        rule: "frontmatter-missing",
        file: ".claude/skills/plain-notes/SKILL.md",
        line: 1,
      },
      {
        severity: "warning",
        rule: "description-missing",
        file: ".claude/commands/quick.md",
        line: 1,
      },
      {
        severity: "error",
        rule: "frontmatter-missing",
        file: ".claude/agents/plain-agent.md",
        line: 1,
      },
    ]);
  });

  it("falls back to the first body line for a command's description", async () => {
    const { items } = await loadFixture("no-frontmatter");
    expect(items.find((item) => item.kind === "command")?.description).toBe("Quick fix");
  });
});
