/**
 * Agent definitions, commands and the skill index, read from a real `.claude/` tree in a temp
 * folder with the loaders `harness skills` uses.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  loadAgentDefinition,
  loadSkillIndex,
  renderCommand,
  substituteArguments,
} from "../../src/agents/definitions.js";
import { InputError } from "../../src/errors.js";
import { createTempDir, type TempDir } from "../support/temp-dir.js";

let repo: TempDir;

async function write(relative: string, content: string): Promise<void> {
  const file = path.join(repo.path, relative);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

beforeAll(async () => {
  repo = await createTempDir("agent-definitions");
  await write(
    ".claude/agents/implementer.md",
    [
      "---",
      "name: implementer",
      "description: Implements a planned change and runs the tests.",
      "tools: Read, Edit, Bash(npm test:*), Grep",
      "disallowedTools: [WebFetch]",
      "model: inherit",
      "maxTurns: 25",
      "---",
      "",
      "You implement plans. Run the tests before you finish.",
      "",
    ].join("\n"),
  );
  await write(
    ".claude/agents/reviewer.md",
    [
      "---",
      "name: reviewer",
      "description: Reviews a diff.",
      "tools:",
      "  - Read",
      "  - Grep",
      "model: fast",
      "---",
      "Review the diff.",
    ].join("\n"),
  );
  await write(
    ".claude/agents/renamed-file.md",
    "---\nname: declared-name\ndescription: Named apart from its file.\ntools: Read\n---\nBody.\n",
  );
  await write(".claude/agents/broken.md", "---\nname: broken\ndescription: [unclosed\n---\nBody\n");
  await write(
    ".claude/agents/bad-tools.md",
    "---\nname: bad-tools\ndescription: Tools is a number.\ntools: 42\n---\nBody\n",
  );
  await write(
    ".claude/commands/fix.md",
    "---\ndescription: Fix an issue\nmodel: smart\n---\nFix issue #$0 on branch $1.\nAll: $ARGUMENTS\nNot touched: $10\n",
  );
  await write(".claude/commands/harness/triage.md", "Triage the open issues.\n");
  await write(
    ".claude/skills/testing/SKILL.md",
    "---\nname: testing\ndescription: How to run and write tests here.\n---\n\n# Testing\n\nRun npm test.\n",
  );
  await write(
    ".claude/skills/release/SKILL.md",
    "---\nname: release\ndescription: Cutting a release.\n---\nTag it.\n",
  );
});

afterAll(async () => {
  await repo.remove();
});

describe("loadAgentDefinition", () => {
  it("reads name, description, tools, disallowedTools, model, maxTurns and the body", async () => {
    expect(await loadAgentDefinition(repo.path, "implementer")).toEqual({
      name: "implementer",
      description: "Implements a planned change and runs the tests.",
      prompt: "You implement plans. Run the tests before you finish.",
      tools: ["Read", "Edit", "Bash(npm test:*)", "Grep"],
      disallowedTools: ["WebFetch"],
      model: "inherit",
      maxTurns: 25,
      path: ".claude/agents/implementer.md",
    });
  });

  it("accepts a YAML list of tools and finds an agent by declared name or file name", async () => {
    expect(await loadAgentDefinition(repo.path, "reviewer")).toMatchObject({
      tools: ["Read", "Grep"],
      model: "fast",
      prompt: "Review the diff.",
    });
    expect((await loadAgentDefinition(repo.path, "declared-name")).name).toBe("declared-name");
    expect((await loadAgentDefinition(repo.path, "renamed-file")).name).toBe("declared-name");
  });

  it("a missing agent is an InputError listing the known agents", async () => {
    const error = await loadAgentDefinition(repo.path, "planner").catch((caught) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(
      'no agent named "planner" in .claude/agents (known: bad-tools, declared-name, implementer, reviewer)',
    );
  });

  it("a file that does not parse, or a malformed tools key, is an InputError naming it", async () => {
    await expect(loadAgentDefinition(repo.path, "broken")).rejects.toThrow(
      /the agent "broken" cannot be read: \.claude\/agents\/broken\.md:\d+/,
    );
    await expect(loadAgentDefinition(repo.path, "bad-tools")).rejects.toThrow(
      /the agent "bad-tools" is not usable: .*tools/,
    );
  });

  it("a repository without .claude is an InputError with a hint", async () => {
    const empty = await createTempDir("agent-definitions-empty");
    try {
      const error = await loadAgentDefinition(empty.path, "x").catch((caught) => caught);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).hint).toMatch(/harness init/);
    } finally {
      await empty.remove();
    }
  });
});

describe("renderCommand", () => {
  it("fills in $0..$9 (zero-based, as Claude Code) and $ARGUMENTS and keeps the frontmatter model", async () => {
    expect(await renderCommand(repo.path, "fix", ["42", "main"])).toEqual({
      name: "fix",
      description: "Fix an issue",
      prompt: "Fix issue #42 on branch main.\nAll: 42 main\nNot touched: $10",
      model: "smart",
      path: ".claude/commands/fix.md",
    });
  });

  it("finds namespaced commands, with or without the slash", async () => {
    const rendered = await renderCommand(repo.path, "/harness:triage", []);
    expect(rendered).toMatchObject({
      name: "harness:triage",
      description: "Triage the open issues.",
      prompt: "Triage the open issues.",
    });
  });

  it("appends arguments a body has no placeholder for", async () => {
    expect((await renderCommand(repo.path, "harness:triage", ["--label", "bug"])).prompt).toBe(
      "Triage the open issues.\n\nARGUMENTS: --label bug",
    );
  });

  it("a missing command is an InputError listing the known ones", async () => {
    await expect(renderCommand(repo.path, "deploy", [])).rejects.toThrow(
      'no command named "deploy" in .claude/commands (known: fix, harness:triage)',
    );
  });

  it("substitutes missing positional arguments with nothing", () => {
    expect(substituteArguments("a=$0 b=$1 c=$2", ["x"])).toBe("a=x b= c=");
    expect(substituteArguments("$ARGUMENTS!", [])).toBe("!");
  });
});

describe("loadSkillIndex", () => {
  it("maps each skill's name to its description and body", async () => {
    const index = await loadSkillIndex(repo.path);
    expect([...index.keys()].sort()).toEqual(["release", "testing"]);
    expect(index.get("testing")).toEqual({
      description: "How to run and write tests here.",
      body: "# Testing\n\nRun npm test.",
    });
  });

  it("is empty for a repository without .claude", async () => {
    const empty = await createTempDir("agent-skills-empty");
    try {
      expect((await loadSkillIndex(empty.path)).size).toBe(0);
    } finally {
      await empty.remove();
    }
  });
});
