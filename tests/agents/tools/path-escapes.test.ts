/**
 * Every tool that takes a path refuses to reach outside the workspace, whatever the route, and
 * nothing outside is read into a result or written.
 */
import { mkdir, readdir, readFile, symlink } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ToolError } from "../../../src/agents/tool-error.js";
import { editFileTool } from "../../../src/agents/tools/edit-file.js";
import { globTool } from "../../../src/agents/tools/glob.js";
import { grepTool } from "../../../src/agents/tools/grep.js";
import { listDirTool } from "../../../src/agents/tools/list-dir.js";
import { readFileTool } from "../../../src/agents/tools/read-file.js";
import { writeFileTool } from "../../../src/agents/tools/write-file.js";
import type { AgentTool } from "../../../src/agents/types.js";
import { createToolWorkspace, SECRET, type ToolWorkspace } from "./tool-workspace.js";

let workspace: ToolWorkspace;

beforeEach(async () => {
  workspace = await createToolWorkspace();
  await symlink(workspace.outside, path.join(workspace.root, "linked-folder"));
  await symlink(
    path.join(workspace.outside, "secret.txt"),
    path.join(workspace.root, "linked-secret.txt"),
  );
  await workspace.write(".harness/runs/state.json", "{}");
  await mkdir(path.join(workspace.root, ".git"));
  await workspace.write(".git/config", "[core]\n");
});

afterEach(() => workspace.remove());

/** How each path-taking tool is called with a given path. */
const pathTools: { tool: AgentTool; input: (target: string) => unknown; writes: boolean }[] = [
  { tool: readFileTool, input: (target) => ({ path: target }), writes: false },
  { tool: listDirTool, input: (target) => ({ path: target }), writes: false },
  { tool: globTool, input: (target) => ({ pattern: "**/*", path: target }), writes: false },
  { tool: grepTool, input: (target) => ({ pattern: "secret", path: target }), writes: false },
  { tool: writeFileTool, input: (target) => ({ path: target, content: "x" }), writes: true },
  {
    tool: editFileTool,
    input: (target) => ({ path: target, old_string: "secret", new_string: "public" }),
    writes: true,
  },
];

function escapes(outside: string): { name: string; target: (tool: AgentTool) => string }[] {
  const folderTool = (tool: AgentTool) =>
    ["list_dir", "glob", "grep"].includes(tool.definition.name);
  return [
    {
      name: "a .. escape",
      target: (tool) => (folderTool(tool) ? "../outside" : "../outside/secret.txt"),
    },
    {
      name: "an absolute path outside",
      target: (tool) => (folderTool(tool) ? outside : path.join(outside, "secret.txt")),
    },
    {
      name: "a symlinked folder leading outside",
      target: (tool) => (folderTool(tool) ? "linked-folder" : "linked-folder/secret.txt"),
    },
    { name: "a symlinked file leading outside", target: () => "linked-secret.txt" },
    {
      name: "the harness's state folder",
      target: (tool) => (folderTool(tool) ? ".harness/runs" : ".harness/runs/state.json"),
    },
  ];
}

describe.each(pathTools)("$tool.definition.name", ({ tool, input }) => {
  it("refuses every way out of the workspace", async () => {
    for (const escape of escapes(workspace.outside)) {
      const target = escape.target(tool);
      const error = await tool.run(input(target), workspace.context()).catch((caught) => caught);
      expect(error, `${escape.name}: ${target}`).toBeInstanceOf(ToolError);
      expect((error as ToolError).message).not.toContain(SECRET);
    }
    expect(await readFile(path.join(workspace.outside, "secret.txt"), "utf8")).toBe(`${SECRET}\n`);
    expect(await readdir(workspace.outside)).toEqual(["secret.txt"]);
  });
});

describe.each(pathTools.filter(({ writes }) => writes))(
  "$tool.definition.name",
  ({ tool, input }) => {
    it("refuses to write into .git", async () => {
      const error = await tool
        .run(input(".git/config"), workspace.context())
        .catch((caught) => caught);
      expect(error).toBeInstanceOf(ToolError);
      expect((error as ToolError).message).toContain("is inside .git/");
      expect(await readFile(path.join(workspace.root, ".git", "config"), "utf8")).toBe("[core]\n");
    });

    it("refuses to create a file through a symlinked folder", async () => {
      const error = await tool
        .run(input("linked-folder/planted.txt"), workspace.context())
        .catch((caught) => caught);
      expect(error).toBeInstanceOf(ToolError);
      expect(await readdir(workspace.outside)).toEqual(["secret.txt"]);
    });
  },
);
