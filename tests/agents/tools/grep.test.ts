import { symlink } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ToolError } from "../../../src/agents/tool-error.js";
import { grepTool, MAX_GREP_LINES } from "../../../src/agents/tools/grep.js";
import { createToolWorkspace, SECRET, type ToolWorkspace } from "./tool-workspace.js";

let workspace: ToolWorkspace;

beforeEach(async () => {
  workspace = await createToolWorkspace();
  await workspace.write(
    "src/app.ts",
    "import { Widget } from './widget';\nconst widget = new Widget();\n",
  );
  await workspace.write("src/widget.ts", "export class Widget {}\n");
  await workspace.write("docs/notes.md", "The widget is blue.\r\nNothing else.\r\n");
  await workspace.write("node_modules/dep/widget.js", "Widget\n");
  await workspace.write(".git/COMMIT_EDITMSG", "Widget\n");
  await workspace.write(".harness/log.txt", "Widget\n");
  await workspace.write("assets/widget.bin", new Uint8Array([87, 105, 100, 0, 103, 101, 116]));
});

afterEach(() => workspace.remove());

const grep = async (input: unknown) => (await workspace.run(grepTool, input)).content;

describe("grep", () => {
  it("lists the files that match, sorted, skipping binaries, .git, .harness and node_modules", async () => {
    expect(await grep({ pattern: "Widget" })).toBe("src/app.ts\nsrc/widget.ts");
  });

  it("shows matching lines with line numbers", async () => {
    expect(await grep({ pattern: "widget", output_mode: "lines" })).toBe(
      [
        "docs/notes.md:1:The widget is blue.",
        "src/app.ts:1:import { Widget } from './widget';",
        "src/app.ts:2:const widget = new Widget();",
      ].join("\n"),
    );
  });

  it("ignores case when asked", async () => {
    expect(await grep({ pattern: "WIDGET", case_insensitive: true })).toBe(
      "docs/notes.md\nsrc/app.ts\nsrc/widget.ts",
    );
  });

  it("filters by a glob on names or on paths", async () => {
    expect(await grep({ pattern: "idget", glob: "*.md" })).toBe("docs/notes.md");
    expect(await grep({ pattern: "idget", glob: "src/w*.ts" })).toBe("src/widget.ts");
    expect(await grep({ pattern: "Widget", path: "src", glob: "w*.ts" })).toBe("src/widget.ts");
  });

  it("searches one file when path is a file", async () => {
    expect(await grep({ pattern: "^export", path: "src/widget.ts", output_mode: "lines" })).toBe(
      "src/widget.ts:1:export class Widget {}",
    );
  });

  it("says so when the one file searched is binary", async () => {
    expect(await grep({ pattern: "Wid", path: "assets/widget.bin" })).toBe(
      "no matches for Wid in assets/widget.bin\n\n(assets/widget.bin is a binary file)",
    );
  });

  it("says when nothing matches", async () => {
    expect(await grep({ pattern: "gadget" })).toBe("no matches for gadget in .");
  });

  it("caps matching lines and counts the rest", async () => {
    await workspace.write("many.txt", "hit\n".repeat(MAX_GREP_LINES + 7));
    const content = await grep({ pattern: "^hit$", output_mode: "lines" });
    expect(content.split("\n").filter((line) => line.startsWith("many.txt:"))).toHaveLength(
      MAX_GREP_LINES,
    );
    expect(content).toMatch(
      /\(7 more matching lines not shown; narrow the pattern, path or glob\)$/,
    );
  });

  it("does not read files outside through symlinks", async () => {
    await symlink(workspace.outside, path.join(workspace.root, "linked-folder"));
    await symlink(
      path.join(workspace.outside, "secret.txt"),
      path.join(workspace.root, "secret-link.txt"),
    );
    await symlink(
      path.join(workspace.root, "src", "widget.ts"),
      path.join(workspace.root, "widget-link.ts"),
    );
    expect(await grep({ pattern: "secret" })).toBe("no matches for secret in .");
    expect(await grep({ pattern: "class Widget" })).toBe("src/widget.ts\nwidget-link.ts");
    expect(await grep({ pattern: "secret", output_mode: "lines" })).not.toContain(SECRET);
  });

  it("refuses an invalid regular expression with a hint", async () => {
    const error = await workspace.run(grepTool, { pattern: "foo(" }).catch((caught) => caught);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).message).toMatch(
      /^pattern is not a valid JavaScript regular expression \(.+\); escape/,
    );
  });
});
