import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadClaudeItems } from "../../src/skills/load-claude-items.js";
import { skillNameProblem } from "../../src/skills/validate-skill.js";
import { createTempDir } from "../support/temp-dir.js";
import { loadFixture, problemsIn, toProblem } from "./fixtures.js";

describe("skill names", () => {
  it.each([
    ["bad-name-uppercase", "skill-name-format", ".claude/skills/Review-Code/SKILL.md", 2],
    ["bad-name-double-hyphen", "skill-name-format", ".claude/skills/review--code/SKILL.md", 2],
    ["bad-name-folder-mismatch", "skill-name-mismatch", ".claude/skills/review-code/SKILL.md", 3],
    ["bad-name-reserved", "skill-name-reserved", ".claude/skills/claude-helper/SKILL.md", 2],
  ])("%s → %s", async (caseName, rule, file, line) => {
    expect(await problemsIn(caseName)).toEqual([{ severity: "error", rule, file, line }]);
  });

  it.each([
    ["", "must be 1-64 characters (it has 0)"],
    ["a".repeat(65), "must be 1-64 characters (it has 65)"],
    ["-review", "must not start or end with a hyphen"],
    ["review-", "must not start or end with a hyphen"],
    ["review_code", "may hold only lowercase letters, digits and hyphens"],
  ])("rejects %j", (name, problem) => {
    expect(skillNameProblem(name)).toBe(problem);
  });

  it("accepts lowercase words, digits and single hyphens up to 64 characters", () => {
    expect(skillNameProblem("review-pr-2")).toBeUndefined();
    expect(skillNameProblem("a".repeat(64))).toBeUndefined();
  });
});

describe("skill frontmatter and body", () => {
  it("requires a non-empty description (skills and agents)", async () => {
    expect(await problemsIn("missing-description")).toEqual([
      {
        severity: "error",
        rule: "description-missing",
        file: ".claude/skills/no-description/SKILL.md",
        line: 1,
      },
      { severity: "error", rule: "description-missing", file: ".claude/agents/helper.md", line: 3 },
    ]);
  });

  it('rejects a quoted "true" where a boolean belongs', async () => {
    expect(await problemsIn("string-boolean")).toEqual([
      {
        severity: "error",
        rule: "boolean-type",
        file: ".claude/skills/manual-only/SKILL.md",
        line: 4,
      },
    ]);
  });

  it("warns about unknown keys with a suggestion, in every kind", async () => {
    const loaded = await loadFixture("unknown-keys");
    expect(loaded.diagnostics.map((d) => [toProblem(d), d.hint])).toEqual([
      [
        {
          severity: "warning",
          rule: "unknown-key",
          file: ".claude/skills/typo-keys/SKILL.md",
          line: 4,
        },
        'did you mean "allowed-tools"?',
      ],
      [
        { severity: "warning", rule: "unknown-key", file: ".claude/commands/typo.md", line: 3 },
        'did you mean "argument-hint"?',
      ],
      [
        { severity: "warning", rule: "unknown-key", file: ".claude/agents/painter.md", line: 5 },
        'did you mean "color"?',
      ],
      [
        { severity: "warning", rule: "unknown-key", file: ".claude/agents/painter.md", line: 6 },
        'did you mean "tools"?',
      ],
    ]);
  });

  it("rejects an empty body in skills and commands", async () => {
    expect(await problemsIn("empty-body")).toEqual([
      {
        severity: "error",
        rule: "body-empty",
        file: ".claude/skills/empty-skill/SKILL.md",
        line: 4,
      },
      { severity: "error", rule: "body-empty", file: ".claude/commands/empty.md", line: 3 },
    ]);
  });

  it("warns about links to local files that do not exist, outside code", async () => {
    expect(await problemsIn("missing-link")).toEqual([
      {
        severity: "warning",
        rule: "link-missing",
        file: ".claude/skills/with-links/SKILL.md",
        line: 6,
      },
      {
        severity: "warning",
        rule: "link-missing",
        file: ".claude/skills/with-links/SKILL.md",
        line: 15,
      },
    ]);
  });

  it("warns when the body passes 500 lines", async () => {
    const temp = await createTempDir("harness-skills");
    try {
      const folder = path.join(temp.path, ".claude", "skills", "long-skill");
      await mkdir(folder, { recursive: true });
      const body = Array.from({ length: 501 }, (_, index) => `Step ${index + 1}.`).join("\n");
      await writeFile(
        path.join(folder, "SKILL.md"),
        `---\nname: long-skill\ndescription: Has too many steps.\n---\n${body}\n`,
      );
      const loaded = await loadClaudeItems({ dir: ".", cwd: temp.path });
      expect(loaded.diagnostics.map(toProblem)).toEqual([
        {
          severity: "warning",
          rule: "skill-body-long",
          file: ".claude/skills/long-skill/SKILL.md",
          line: 505,
        },
      ]);
    } finally {
      await temp.remove();
    }
  });
});
