import { describe, expect, it } from "vitest";
import {
  parseJustRecipes,
  parseMakeTargets,
} from "../../src/project/detect-task-runner-targets.js";
import { parseIniSections } from "../../src/project/parse-ini-sections.js";
import { parseJsonManifest } from "../../src/project/parse-json-manifest.js";
import { parseTomlStrings } from "../../src/project/parse-toml-strings.js";

describe("parseTomlStrings", () => {
  it("reads tables and string keys, skipping what it does not understand", () => {
    const toml = parseTomlStrings(
      [
        'title = "top"',
        "[project]",
        "name = 'literal'",
        'description = """',
        "[not.a.table]",
        '"""',
        "dependencies = [",
        '  "pytest[cov]>=8",',
        "]",
        "[ tool . pytest . ini_options ]",
        'addopts = "-q"',
        "[[tool.mypy.overrides]]",
        "[tool]",
        "ruff.line-length = 100",
        'poetry.name = "dotted"',
      ].join("\n"),
    );
    expect(toml.get("", "title")).toBe("top");
    expect(toml.get("project", "name")).toBe("literal");
    expect(toml.get("project", "description")).toBe("[not.a.table]");
    expect(toml.get("tool.poetry", "name")).toBe("dotted");
    expect(toml.get("tool.pytest.ini_options", "addopts")).toBe("-q");
    expect([...toml.tables].sort()).toEqual([
      "project",
      "tool",
      "tool.mypy.overrides",
      "tool.poetry",
      "tool.pytest.ini_options",
      "tool.ruff",
    ]);
  });

  it("never throws on garbage", () => {
    expect(() => parseTomlStrings('[[[\n= = "\n"""unterminated\nname = "x')).not.toThrow();
  });
});

describe("parseMakeTargets and parseJustRecipes", () => {
  it("finds rule targets, not variables, recipes or pattern rules", () => {
    const targets = parseMakeTargets(
      "CC := gcc\nFLAGS = a:b\n.PHONY: test\ntest lint:: deps\n\techo test:\n%.o: %.c\nbuild: ; cc\n",
    );
    expect([...targets].sort()).toEqual(["build", "lint", "test"]);
  });

  it("finds recipes and aliases, not settings", () => {
    const recipes = parseJustRecipes(
      'set dotenv-load := true\nexport PATH := "x"\nalias t := test\n[private]\nbuild target="x:y":\n  echo\n@lint:\n',
    );
    expect([...recipes].sort()).toEqual(["build", "lint", "t"]);
  });
});

describe("parseIniSections and parseJsonManifest", () => {
  it("joins continuation lines and lowers keys", () => {
    const ini = parseIniSections("[metadata]\nName = pkg\nclassifiers =\n  A\n  B\n; comment\n");
    expect(ini.get("metadata")?.get("name")).toBe("pkg");
    expect(ini.get("metadata")?.get("classifiers")).toBe("A\nB");
  });

  it("accepts JSONC comments and trailing commas only when asked", () => {
    const text = '{ /* c */ "a": "x // not a comment", "b": [1,], }';
    expect(parseJsonManifest(text)).toBeUndefined();
    expect(parseJsonManifest(text, true)).toEqual({ a: "x // not a comment", b: [1] });
    expect(parseJsonManifest("[1]")).toBeUndefined();
  });
});
