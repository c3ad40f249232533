import { symlink } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ToolError } from "../../../src/agents/tool-error.js";
import { globToRegExp } from "../../../src/agents/tools/glob-pattern.js";
import { globTool, MAX_GLOB_RESULTS } from "../../../src/agents/tools/glob.js";
import { createToolWorkspace, type ToolWorkspace } from "./tool-workspace.js";

let workspace: ToolWorkspace;

beforeEach(async () => {
  workspace = await createToolWorkspace();
  for (const file of [
    "package.json",
    "index.ts",
    "src/app.ts",
    "src/app.test.ts",
    "src/lib/util.ts",
    "src/lib/util.js",
    "docs/guide.md",
    ".github/workflows/ci.yml",
    "node_modules/dep/index.ts",
    ".git/hooks/pre-commit.ts",
    ".harness/runs/x.ts",
  ]) {
    await workspace.write(file, "");
  }
});

afterEach(() => workspace.remove());

const glob = async (input: unknown) => (await workspace.run(globTool, input)).content;

describe("glob", () => {
  it("finds files in every folder with **, skipping .git, .harness and node_modules", async () => {
    expect(await glob({ pattern: "**/*.ts" })).toBe(
      ["index.ts", "src/app.test.ts", "src/app.ts", "src/lib/util.ts"].join("\n"),
    );
  });

  it("keeps * within one folder", async () => {
    expect(await glob({ pattern: "*.ts" })).toBe("index.ts");
    expect(await glob({ pattern: "src/*.ts" })).toBe("src/app.test.ts\nsrc/app.ts");
  });

  it("supports braces, ? and classes, and matches dotfiles", async () => {
    expect(await glob({ pattern: "src/lib/util.{js,ts}" })).toBe(
      "src/lib/util.js\nsrc/lib/util.ts",
    );
    expect(await glob({ pattern: "src/ap?.ts" })).toBe("src/app.ts");
    expect(await glob({ pattern: "**/*.[jt]s", path: "src/lib" })).toBe(
      "src/lib/util.js\nsrc/lib/util.ts",
    );
    expect(await glob({ pattern: "**/*.yml" })).toBe(".github/workflows/ci.yml");
  });

  it("matches relative to path and answers relative to the root", async () => {
    expect(await glob({ pattern: "*.ts", path: "src" })).toBe("src/app.test.ts\nsrc/app.ts");
    expect(await glob({ pattern: "**", path: "docs" })).toBe("docs/guide.md");
  });

  it("searches node_modules when the pattern or path names it", async () => {
    expect(await glob({ pattern: "node_modules/**/*.ts" })).toBe("node_modules/dep/index.ts");
    expect(await glob({ pattern: "**/*.ts", path: "node_modules" })).toBe(
      "node_modules/dep/index.ts",
    );
  });

  it("says when nothing matches", async () => {
    expect(await glob({ pattern: "**/*.rs" })).toBe("no files match **/*.rs in .");
  });

  it("caps the results and says how many more there are", async () => {
    for (let index = 0; index < MAX_GLOB_RESULTS + 5; index += 1) {
      await workspace.write(`many/file-${String(index).padStart(4, "0")}.txt`, "");
    }
    const content = await glob({ pattern: "many/*.txt" });
    expect(content.split("\n").filter((line) => line.startsWith("many/"))).toHaveLength(
      MAX_GLOB_RESULTS,
    );
    expect(content).toMatch(/\(5 more matches not shown; narrow the pattern or path\)$/);
  });

  it("does not follow symlinks out of the workspace", async () => {
    await symlink(workspace.outside, path.join(workspace.root, "linked-folder"));
    await symlink(
      path.join(workspace.outside, "secret.txt"),
      path.join(workspace.root, "secret.txt"),
    );
    await symlink(
      path.join(workspace.root, "docs", "guide.md"),
      path.join(workspace.root, "guide-link.md"),
    );
    expect(await glob({ pattern: "**/*.{txt,md}" })).toBe("docs/guide.md\nguide-link.md");
  });

  it("refuses patterns that climb out, and a file as path", async () => {
    for (const input of [
      { pattern: "../outside/*.txt" },
      { pattern: path.join(workspace.outside, "*.txt") },
      { pattern: "*.ts", path: "index.ts" },
    ]) {
      const error = await workspace.run(globTool, input).catch((caught) => caught);
      expect(error, JSON.stringify(input)).toBeInstanceOf(ToolError);
    }
  });

  it("never lists .harness or .git, even when the pattern names them", async () => {
    expect(await glob({ pattern: ".harness/**" })).toBe("no files match .harness/** in .");
    expect(await glob({ pattern: ".git/hooks/*" })).toBe("no files match .git/hooks/* in .");
  });

  it("walks a symlinked folder named in the pattern only when it stays inside", async () => {
    await symlink(path.join(workspace.root, "src"), path.join(workspace.root, "source"));
    await symlink(workspace.outside, path.join(workspace.root, "escape"));
    expect(await glob({ pattern: "source/**/*.ts" })).toBe("no files match source/**/*.ts in .");
    expect(await glob({ pattern: "escape/*.txt" })).toBe("no files match escape/*.txt in .");
  });

  it("accepts an absolute pattern inside the searched folder", async () => {
    expect(await glob({ pattern: path.join(workspace.root, "src", "*.ts") })).toBe(
      "src/app.test.ts\nsrc/app.ts",
    );
  });
});

describe("globToRegExp", () => {
  const matches = (pattern: string, candidate: string) => globToRegExp(pattern).test(candidate);

  it("matches * within a segment and ** across segments", () => {
    expect(matches("*.ts", "a.ts")).toBe(true);
    expect(matches("*.ts", "src/a.ts")).toBe(false);
    expect(matches("**/*.ts", "a.ts")).toBe(true);
    expect(matches("**/*.ts", "a/b/c.ts")).toBe(true);
    expect(matches("src/**/test/*.ts", "src/test/a.ts")).toBe(true);
    expect(matches("src/**/test/*.ts", "src/x/y/test/a.ts")).toBe(true);
    expect(matches("src/**", "src/a/b")).toBe(true);
    expect(matches("src/**", "srcx/a")).toBe(false);
  });

  it("handles ?, nested braces, classes and escapes, and regex characters literally", () => {
    expect(matches("a?c", "abc")).toBe(true);
    expect(matches("a?c", "a/c")).toBe(false);
    expect(matches("{src,lib}/*.{ts,tsx}", "lib/x.tsx")).toBe(true);
    expect(matches("{a,b{c,d}}.txt", "bd.txt")).toBe(true);
    expect(matches("[!a]*.md", "b.md")).toBe(true);
    expect(matches("[!a]*.md", "a.md")).toBe(false);
    expect(matches("file(1).txt", "file(1).txt")).toBe(true);
    expect(matches("a+b.txt", "aab.txt")).toBe(false);
    expect(matches("\\*.txt", "*.txt")).toBe(true);
  });

  it("refuses an unclosed brace", () => {
    expect(() => globToRegExp("{a,b")).toThrow(ToolError);
  });
});
