import { describe, expect, it } from "vitest";
import { builtinTools, toolsFor } from "../../../src/agents/tools/index.js";

const names = (tools: { definition: { name: string } }[]) =>
  tools.map((tool) => tool.definition.name);

describe("builtinTools", () => {
  it("offers every tool once, each with its Claude Code name", () => {
    const tools = builtinTools();
    expect(names(tools)).toEqual([
      "read_file",
      "list_dir",
      "glob",
      "grep",
      "edit_file",
      "write_file",
      "run_command",
      "skill",
      "finish",
    ]);
    expect(tools.map((tool) => tool.claudeName)).toEqual([
      "Read",
      "LS",
      "Glob",
      "Grep",
      "Edit",
      "Write",
      "Bash",
      "Skill",
      "finish",
    ]);
  });

  it("describes each input with a plain JSON schema", () => {
    for (const tool of builtinTools()) {
      const schema = tool.definition.inputSchema;
      expect(schema.type, tool.definition.name).toBe("object");
      expect(schema).not.toHaveProperty("$schema");
      expect(typeof schema.properties).toBe("object");
      expect(JSON.stringify(schema)).not.toContain(String(Number.MAX_SAFE_INTEGER));
      expect(tool.definition.description.length).toBeGreaterThan(20);
    }
    const readFile = builtinTools().find((tool) => tool.definition.name === "read_file")!;
    expect(readFile.definition.inputSchema).toEqual({
      type: "object",
      properties: {
        path: {
          type: "string",
          minLength: 1,
          description: "The file, relative to the workspace root.",
        },
        offset: {
          type: "integer",
          minimum: 1,
          description: "The line number to start at (1-based). Default 1.",
        },
        limit: {
          type: "integer",
          minimum: 1,
          description: "How many lines to read at most. Default 2000.",
        },
      },
      required: ["path"],
    });
  });
});

describe("toolsFor", () => {
  it("gives every tool when the definition names none", () => {
    expect(names(toolsFor())).toEqual(names(builtinTools()));
  });

  it("gives the tools a definition names, plus finish", () => {
    expect(names(toolsFor(["Read", "Grep", "Glob"]))).toEqual([
      "read_file",
      "list_dir",
      "glob",
      "grep",
      "finish",
    ]);
    expect(names(toolsFor(["Read", "Edit", "Write", "Glob", "Grep", "Bash", "TodoWrite"]))).toEqual(
      ["read_file", "list_dir", "glob", "grep", "edit_file", "write_file", "run_command", "finish"],
    );
    expect(names(toolsFor([]))).toEqual(["finish"]);
  });

  it("accepts built-in names, MultiEdit and scoped Bash entries", () => {
    expect(names(toolsFor(["read_file", "MultiEdit", "Bash(git diff:*)"]))).toEqual([
      "read_file",
      "edit_file",
      "run_command",
      "finish",
    ]);
  });

  it("takes disallowed tools away, but not for a scoped entry and never finish", () => {
    expect(names(toolsFor(undefined, ["Bash", "write_file", "finish"]))).toEqual([
      "read_file",
      "list_dir",
      "glob",
      "grep",
      "edit_file",
      "skill",
      "finish",
    ]);
    expect(names(toolsFor(["Read", "Bash"], ["Bash(rm:*)"]))).toEqual([
      "read_file",
      "run_command",
      "finish",
    ]);
  });
});
