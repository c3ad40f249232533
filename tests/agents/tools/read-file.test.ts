import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ToolError } from "../../../src/agents/tool-error.js";
import { MAX_LINE_CHARS, readFileTool } from "../../../src/agents/tools/read-file.js";
import { createToolWorkspace, type ToolWorkspace } from "./tool-workspace.js";

let workspace: ToolWorkspace;

beforeEach(async () => {
  workspace = await createToolWorkspace();
});

afterEach(() => workspace.remove());

const read = (input: unknown, maxOutputChars?: number) =>
  workspace.run(readFileTool, input, maxOutputChars === undefined ? {} : { maxOutputChars });

async function refusal(input: unknown): Promise<string> {
  const error = await read(input).catch((caught) => caught);
  expect(error).toBeInstanceOf(ToolError);
  return (error as ToolError).message;
}

function numbered(from: number, lines: string[]): string {
  return lines.map((line, index) => `${String(from + index).padStart(6)}\t${line}`).join("\n");
}

describe("read_file", () => {
  it("shows a file's lines numbered like cat -n", async () => {
    await workspace.write("src/app.ts", "const a = 1;\n\tindented\r\nlast");
    const outcome = await read({ path: "src/app.ts" });
    expect(outcome).toEqual({ content: numbered(1, ["const a = 1;", "\tindented", "last"]) });
  });

  it("reads from an offset for a number of lines and says where to go on", async () => {
    const lines = Array.from({ length: 10 }, (_, index) => `line ${index + 1}`);
    await workspace.write("ten.txt", `${lines.join("\n")}\n`);
    const outcome = await read({ path: "ten.txt", offset: 4, limit: 3 });
    expect(outcome.content).toBe(
      `${numbered(4, ["line 4", "line 5", "line 6"])}\n\n(lines 4-6 of 10 shown; read on with offset 7)`,
    );
    expect((await read({ path: "ten.txt", offset: 9 })).content).toBe(
      numbered(9, ["line 9", "line 10"]),
    );
  });

  it("pages a large file so each page fits the output limit", async () => {
    const lines = Array.from({ length: 5000 }, (_, index) => `row ${index + 1} ${"x".repeat(40)}`);
    await workspace.write("big.txt", lines.join("\n"));
    const first = (await read({ path: "big.txt" }, 10_000)).content;
    expect(first.length).toBeLessThanOrEqual(10_000);
    const footer = /\(lines 1-(\d+) of 5000 shown; read on with offset (\d+)\)$/.exec(first);
    expect(footer).not.toBeNull();
    const next = Number(footer![2]);
    expect(next).toBe(Number(footer![1]) + 1);
    const second = (await read({ path: "big.txt", offset: next }, 10_000)).content;
    expect(second.startsWith(`${String(next).padStart(6)}\trow ${next} `)).toBe(true);
  });

  it("stops at 2000 lines by default", async () => {
    await workspace.write("long.txt", "a\n".repeat(2500));
    const outcome = await read({ path: "long.txt" }, 1_000_000);
    expect(outcome.content).toMatch(/\(lines 1-2000 of 2500 shown; read on with offset 2001\)$/);
  });

  it("cuts very long lines", async () => {
    await workspace.write("min.js", "y".repeat(MAX_LINE_CHARS + 500));
    const outcome = await read({ path: "min.js" });
    expect(outcome.content).toBe(
      `     1\t${"y".repeat(MAX_LINE_CHARS)}… (line cut at ${MAX_LINE_CHARS} characters)`,
    );
  });

  it("says when a file is empty", async () => {
    await workspace.write("empty.txt", "");
    expect((await read({ path: "empty.txt" })).content).toBe("(empty.txt is empty)");
  });

  it("refuses an offset past the end", async () => {
    await workspace.write("short.txt", "one\ntwo\n");
    expect(await refusal({ path: "short.txt", offset: 5 })).toBe(
      "offset 5 is past the end of short.txt, which has 2 lines",
    );
  });

  it("refuses binary files, folders and missing files clearly", async () => {
    await workspace.write("image.png", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]));
    await workspace.write("folder/inside.txt", "x");
    expect(await refusal({ path: "image.png" })).toBe(
      "image.png is a binary file (8 bytes); read_file shows text files only",
    );
    expect(await refusal({ path: "folder" })).toBe(
      "folder is a folder; use list_dir to see what it holds",
    );
    expect(await refusal({ path: "nope.txt" })).toContain("does not exist");
  });

  it("reads an absolute path inside the workspace", async () => {
    const absolute = await workspace.write("notes.md", "hello\n");
    expect((await read({ path: absolute })).content).toBe(numbered(1, ["hello"]));
    expect(path.isAbsolute(absolute)).toBe(true);
  });

  it("refuses input that does not fit its schema, naming the fields", async () => {
    expect(await refusal({ file_path: "notes.md" })).toBe(
      "invalid input for read_file: path: Invalid input: expected string, received undefined (received fields: file_path); follow the tool's input schema",
    );
    expect(await refusal({ path: "a", offset: 0 })).toContain("offset:");
    expect(await refusal("notes.md")).toContain("invalid input for read_file");
  });
});
