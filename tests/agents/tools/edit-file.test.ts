import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ToolError } from "../../../src/agents/tool-error.js";
import { editFileTool } from "../../../src/agents/tools/edit-file.js";
import { createToolWorkspace, type ToolWorkspace } from "./tool-workspace.js";

let workspace: ToolWorkspace;

beforeEach(async () => {
  workspace = await createToolWorkspace();
  await workspace.write("src/app.ts", "const a = 1;\nconst b = 2;\nconst a2 = 1;\n");
});

afterEach(() => workspace.remove());

const edit = (input: unknown) => workspace.run(editFileTool, input);
const contentOf = (relative: string) => readFile(path.join(workspace.root, relative), "utf8");

async function refusal(input: unknown): Promise<string> {
  const error = await edit(input).catch((caught) => caught);
  expect(error).toBeInstanceOf(ToolError);
  return (error as ToolError).message;
}

describe("edit_file", () => {
  it("replaces a unique piece of text", async () => {
    const outcome = await edit({ path: "src/app.ts", old_string: "b = 2", new_string: "b = 3" });
    expect(outcome).toEqual({
      content: "replaced 1 occurrence in src/app.ts",
      wrote: ["src/app.ts"],
    });
    expect(await contentOf("src/app.ts")).toBe("const a = 1;\nconst b = 3;\nconst a2 = 1;\n");
  });

  it("says how to fix text that is not found", async () => {
    expect(await refusal({ path: "src/app.ts", old_string: "const  b", new_string: "x" })).toBe(
      "old_string not found in src/app.ts; read the file again, the text must match exactly including whitespace",
    );
  });

  it("refuses text found more than once unless replace_all is set", async () => {
    expect(await refusal({ path: "src/app.ts", old_string: "= 1;", new_string: "= 9;" })).toBe(
      "old_string found 2 times in src/app.ts; add surrounding lines to make it unique or set replace_all",
    );
    const outcome = await edit({
      path: "src/app.ts",
      old_string: "= 1;",
      new_string: "= 9;",
      replace_all: true,
    });
    expect(outcome.content).toBe("replaced 2 occurrences in src/app.ts");
    expect(await contentOf("src/app.ts")).toBe("const a = 9;\nconst b = 2;\nconst a2 = 9;\n");
  });

  it("keeps replacement patterns like $& literal", async () => {
    await edit({ path: "src/app.ts", old_string: "b = 2", new_string: "b = '$&$1$$'" });
    expect(await contentOf("src/app.ts")).toContain("const b = '$&$1$$';");
  });

  it("accepts \\n text in a file with CRLF line ends and keeps them", async () => {
    await workspace.write("win.txt", "one\r\ntwo\r\nthree\r\n");
    await edit({ path: "win.txt", old_string: "one\ntwo", new_string: "1\n2" });
    expect(await contentOf("win.txt")).toBe("1\r\n2\r\nthree\r\n");
  });

  it("refuses an empty or unchanged old_string", async () => {
    expect(await refusal({ path: "src/app.ts", old_string: "", new_string: "x" })).toContain(
      "old_string is empty",
    );
    expect(await refusal({ path: "src/app.ts", old_string: "a", new_string: "a" })).toContain(
      "nothing to change",
    );
  });

  it("refuses missing files, folders, binary files and files that are not UTF-8", async () => {
    await workspace.write("blob.bin", new Uint8Array([1, 2, 0, 3]));
    await workspace.write("latin1.txt", new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    const change = { old_string: "a", new_string: "b" };
    expect(await refusal({ path: "missing.ts", ...change })).toContain("does not exist");
    expect(await refusal({ path: "src", ...change })).toBe(
      "src is a folder; edit a file inside it",
    );
    expect(await refusal({ path: "blob.bin", ...change })).toContain("is a binary file");
    expect(await refusal({ path: "latin1.txt", ...change })).toContain("is not valid UTF-8");
  });
});
