import { describe, expect, it } from "vitest";
import { detectProject } from "../../src/project/detect-project.js";
import { createTempRepo } from "./temp-repo.js";

const pytestTest = "def test_adds():\n    assert 1 + 1 == 2\n";
const unittestTest =
  "import unittest\n\nclass AddTest(unittest.TestCase):\n    def test_adds(self):\n        self.assertEqual(2, 1 + 1)\n";

describe("detectProject on Python repositories", () => {
  it("finds plain pytest from pyproject's pytest table", async () => {
    const repo = createTempRepo({
      "pyproject.toml": [
        "[project]",
        'name = "inventory"',
        'description = "Stock levels."',
        "",
        "[tool.pytest.ini_options]",
        'testpaths = ["tests"]',
        "",
      ].join("\n"),
      "inventory/__init__.py": "",
      "tests/test_stock.py": pytestTest,
    });
    const info = await detectProject(repo.root);
    expect(info).toMatchObject({
      name: "inventory",
      description: "Stock levels.",
      languages: ["Python"],
      packageManager: "pip",
      testCommand: "pytest",
      ecosystems: ["python"],
      otherTestCommands: [],
    });
    // No [build-system]: nothing to package.
    expect(info.buildCommand).toBeUndefined();
    expect(info.lintCommand).toBeUndefined();
  });

  it("runs pytest through poetry", async () => {
    const repo = createTempRepo({
      "pyproject.toml": [
        "[tool.poetry]",
        'name = "ledger"',
        'description = """Double-entry',
        'bookkeeping."""',
        "",
        "[tool.poetry.group.dev.dependencies]",
        'pytest = "^8.0"',
        "",
        "[tool.ruff]",
        "line-length = 100",
        "",
        "[build-system]",
        'requires = ["poetry-core"]',
        "",
      ].join("\n"),
      "poetry.lock": "# lock\n",
      "ledger/core.py": "",
    });
    const info = await detectProject(repo.root);
    expect(info).toMatchObject({
      name: "ledger",
      description: "Double-entry\nbookkeeping.",
      packageManager: "poetry",
      testCommand: "poetry run pytest",
      buildCommand: "poetry build",
      lintCommand: "poetry run ruff check .",
    });
  });

  it("runs pytest through uv when uv.lock is present", async () => {
    const repo = createTempRepo({
      "pyproject.toml": '[project]\nname = "fetcher"\ndependencies = []\n',
      "uv.lock": "version = 1\n",
      "conftest.py": "",
      "src/fetcher/__init__.py": "",
    });
    const info = await detectProject(repo.root);
    expect(info.packageManager).toBe("uv");
    expect(info.testCommand).toBe("uv run pytest");
  });

  it("runs pytest through pipenv", async () => {
    const repo = createTempRepo({
      Pipfile: '[dev-packages]\npytest = "*"\n',
      "app.py": "",
    });
    const info = await detectProject(repo.root);
    expect(info.packageManager).toBe("pipenv");
    expect(info.testCommand).toBe("pipenv run pytest");
  });

  it.each([
    ["pytest.ini", { "pytest.ini": "[pytest]\n" }],
    ["setup.cfg [tool:pytest]", { "setup.cfg": "[metadata]\nname = cfgpkg\n\n[tool:pytest]\n" }],
    ["tox.ini [pytest]", { "tox.ini": "[pytest]\naddopts = -q\n" }],
    ["a requirements file", { "requirements-dev.txt": "pytest>=8\n" }],
    ["bare test functions", { "tests/test_math.py": pytestTest, "requirements.txt": "" }],
  ])("recognises pytest from %s", async (_label, files) => {
    const repo = createTempRepo({ "pkg/__init__.py": "", ...files });
    const info = await detectProject(repo.root);
    expect(info.testCommand).toBe("pytest");
  });

  it("falls back to unittest when the tests use it and nothing mentions pytest", async () => {
    const repo = createTempRepo({
      "setup.py": 'from setuptools import setup\nsetup(name="oldpkg")\n',
      "tests/__init__.py": "",
      "tests/test_add.py": unittestTest,
    });
    const info = await detectProject(repo.root);
    expect(info.name).toBe("oldpkg");
    expect(info.testCommand).toBe("python -m unittest");
  });

  it("detects a manifest-less script repo from its test files", async () => {
    const repo = createTempRepo({ "tool.py": "", "test_tool.py": unittestTest });
    const info = await detectProject(repo.root);
    expect(info.ecosystems).toEqual(["python"]);
    expect(info.testCommand).toBe("python -m unittest");
  });

  it("uses tox when it is the only way in, and lists it next to pytest otherwise", async () => {
    const toxOnly = createTempRepo({ "tox.ini": "[tox]\nenvlist = py312\n", "setup.py": "" });
    expect((await detectProject(toxOnly.root)).testCommand).toBe("tox");

    const both = createTempRepo({
      "tox.ini": "[tox]\nenvlist = py312\n\n[testenv]\ndeps = pytest\ncommands = pytest\n",
      "setup.py": "",
    });
    const info = await detectProject(both.root);
    expect(info.testCommand).toBe("pytest");
    expect(info.otherTestCommands).toEqual(["tox"]);
  });

  it("has no test command for a Python project without tests", async () => {
    const repo = createTempRepo({ "pyproject.toml": '[project]\nname = "bare"\n', "bare.py": "" });
    const info = await detectProject(repo.root);
    expect(info.packageManager).toBe("pip");
    expect(info.testCommand).toBeUndefined();
  });
});
