import { chmod, mkdir, readdir, readFile, stat, symlink } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ToolError } from "../../../src/agents/tool-error.js";
import { writeFileTool } from "../../../src/agents/tools/write-file.js";
import { createToolWorkspace, type ToolWorkspace } from "./tool-workspace.js";

let workspace: ToolWorkspace;

beforeEach(async () => {
  workspace = await createToolWorkspace();
});

afterEach(() => workspace.remove());

const write = (input: unknown) => workspace.run(writeFileTool, input);

describe("write_file", () => {
  it("creates a file and its folders and reports what it wrote", async () => {
    const outcome = await write({ path: "src/deep/new.ts", content: "export const x = 1;\n" });
    expect(outcome).toEqual({
      content: "created src/deep/new.ts (1 line, 20 bytes)",
      wrote: ["src/deep/new.ts"],
    });
    expect(await readFile(path.join(workspace.root, "src/deep/new.ts"), "utf8")).toBe(
      "export const x = 1;\n",
    );
  });

  it("replaces an existing file whole, keeping its mode and leaving no temporary file", async () => {
    const script = await workspace.write("bin/run.sh", "#!/bin/sh\necho old\n");
    await chmod(script, 0o755);
    const outcome = await write({ path: "bin/run.sh", content: "#!/bin/sh\necho new\n" });
    expect(outcome.content).toBe("replaced bin/run.sh (2 lines, 19 bytes)");
    expect(await readFile(script, "utf8")).toBe("#!/bin/sh\necho new\n");
    expect((await stat(script)).mode & 0o777).toBe(0o755);
    expect(await readdir(path.dirname(script))).toEqual(["run.sh"]);
  });

  it("writes an empty file", async () => {
    expect((await write({ path: "empty", content: "" })).content).toBe(
      "created empty (0 lines, 0 bytes)",
    );
  });

  it("reports the real path when writing through a symlink inside the workspace", async () => {
    await mkdir(path.join(workspace.root, "real"));
    await symlink(path.join(workspace.root, "real"), path.join(workspace.root, "alias"));
    const outcome = await write({ path: "alias/file.txt", content: "x" });
    expect(outcome.wrote).toEqual(["real/file.txt"]);
  });

  it("refuses to write over a folder", async () => {
    await workspace.write("folder/inside.txt", "x");
    const error = await write({ path: "folder", content: "x" }).catch((caught) => caught);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).message).toBe("folder is a folder; write to a file path inside it");
  });

  it("refuses a file used as a folder with a clear message", async () => {
    await workspace.write("plain.txt", "x");
    const error = await write({ path: "plain.txt/child.txt", content: "x" }).catch(
      (caught) => caught,
    );
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).message).toContain("plain.txt/child.txt");
  });

  it("refuses input without content", async () => {
    const error = await write({ path: "a.txt" }).catch((caught) => caught);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).message).toContain("content:");
  });
});
