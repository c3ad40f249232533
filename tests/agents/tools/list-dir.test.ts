import { mkdir, symlink } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ToolError } from "../../../src/agents/tool-error.js";
import { listDirTool } from "../../../src/agents/tools/list-dir.js";
import { createToolWorkspace, type ToolWorkspace } from "./tool-workspace.js";

let workspace: ToolWorkspace;

beforeEach(async () => {
  workspace = await createToolWorkspace();
});

afterEach(() => workspace.remove());

const list = (input: unknown) => workspace.run(listDirTool, input);

describe("list_dir", () => {
  it("lists the root sorted, folders with a slash, without .git and .harness", async () => {
    await workspace.write("src/main.ts", "");
    await workspace.write("README.md", "");
    await workspace.write(".gitignore", "");
    await workspace.write(".git/config", "");
    await workspace.write(".harness/state.json", "");
    await mkdir(path.join(workspace.root, "empty"));
    expect(await list({})).toEqual({
      content: [".gitignore", "README.md", "empty/", "src/"].join("\n"),
    });
  });

  it("lists a sub-folder", async () => {
    await workspace.write("src/b.ts", "");
    await workspace.write("src/a.ts", "");
    await workspace.write("src/lib/c.ts", "");
    expect((await list({ path: "src" })).content).toBe("a.ts\nb.ts\nlib/");
  });

  it("shows symlinks as what they lead to, and marks those leading outside", async () => {
    await workspace.write("real/file.txt", "");
    await symlink(path.join(workspace.root, "real"), path.join(workspace.root, "alias"));
    await symlink(
      path.join(workspace.root, "real", "file.txt"),
      path.join(workspace.root, "file-link"),
    );
    await symlink(workspace.outside, path.join(workspace.root, "escape"));
    expect((await list({})).content).toBe(
      [
        "alias/",
        "escape (a symlink leading outside the workspace or nowhere)",
        "file-link",
        "real/",
      ].join("\n"),
    );
  });

  it("says when a folder is empty", async () => {
    await mkdir(path.join(workspace.root, "empty"));
    expect((await list({ path: "empty" })).content).toBe("(empty is empty)");
  });

  it("refuses a file and a missing folder", async () => {
    await workspace.write("notes.md", "");
    const fileError = await list({ path: "notes.md" }).catch((caught) => caught);
    expect(fileError).toBeInstanceOf(ToolError);
    expect((fileError as ToolError).message).toBe(
      "notes.md is a file, not a folder; use read_file to read it",
    );
    const missing = await list({ path: "nowhere" }).catch((caught) => caught);
    expect((missing as ToolError).message).toContain("does not exist");
  });
});
