import { mkdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { detectProject } from "../../src/project/detect-project.js";
import { createTempDir, createTempRepo, packageJson } from "./temp-repo.js";

describe("detectProject", () => {
  it("finds the repository from a sub-folder", async () => {
    const repo = createTempRepo({
      "package.json": packageJson({ name: "deep", scripts: { test: "vitest" } }),
      "src/lib/util.ts": "export {};\n",
    });
    const info = await detectProject(path.join(repo.root, "src", "lib"));
    expect(info.root).toBe(repo.root);
    expect(info.name).toBe("deep");
    expect(info.testCommand).toBe("npm test");
  });

  it("throws InputError with a hint outside a git repository", async () => {
    const dir = createTempDir();
    const error = await detectProject(dir).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(`${dir} is not inside a git repository`);
    expect((error as InputError).hint).toBe("run `git init` first, or cd into your repository");
  });

  it("throws InputError for a folder that does not exist", async () => {
    const missing = path.join(createTempDir(), "nope");
    await expect(detectProject(missing)).rejects.toBeInstanceOf(InputError);
  });

  it("counts tracked and untracked files but never ignored ones", async () => {
    const repo = createTempRepo({
      ".gitignore": "node_modules/\n*.log\ncoverage/\n",
      "src/a.ts": "",
      "src/b.ts": "",
      "README.md": "# r\n",
    });
    repo.write({
      "src/untracked.ts": "",
      "node_modules/dep/index.js": "",
      "debug.log": "",
      "coverage/report.html": "",
      "src/trace.log": "",
    });
    const info = await detectProject(repo.root);
    expect(info.fileCount).toBe(5);
    expect(info.layout).toEqual([
      { path: "src/", kind: "dir", files: 3, purpose: "source" },
      { path: ".gitignore", kind: "file", files: 1, purpose: "git ignore rules" },
      { path: "README.md", kind: "file", files: 1, purpose: "project overview" },
    ]);
    expect(info.languages).toEqual(["TypeScript"]);
  });

  it("leaves out tracked files deleted from disk", async () => {
    const repo = createTempRepo({ "keep.py": "", "gone.py": "", "old/x.py": "" });
    repo.remove("gone.py");
    repo.remove("old");
    const info = await detectProject(repo.root);
    expect(info.fileCount).toBe(1);
    expect(info.layout.map((entry) => entry.path)).toEqual(["keep.py"]);
  });

  it("describes the layout: folders then files, A to Z, with purposes", async () => {
    const repo = createTempRepo({
      "src/index.ts": "",
      "tests/a.test.ts": "",
      "tests/b.test.ts": "",
      "docs/guide.md": "",
      ".github/workflows/ci.yml": "",
      "Scripts/x.sh": "",
      "zeta/z.txt": "",
      "package.json": packageJson({ name: "layout" }),
      LICENSE: "",
      "build.ts": "",
    });
    const info = await detectProject(repo.root);
    expect(info.layout).toEqual([
      { path: ".github/", kind: "dir", files: 1, purpose: "CI and GitHub settings" },
      { path: "docs/", kind: "dir", files: 1, purpose: "documentation" },
      { path: "Scripts/", kind: "dir", files: 1 },
      { path: "src/", kind: "dir", files: 1, purpose: "source" },
      { path: "tests/", kind: "dir", files: 2, purpose: "tests" },
      { path: "zeta/", kind: "dir", files: 1 },
      { path: "build.ts", kind: "file", files: 1 },
      { path: "LICENSE", kind: "file", files: 1, purpose: "license" },
      { path: "package.json", kind: "file", files: 1, purpose: "Node.js manifest" },
    ]);
    expect(info.layoutOmitted).toBeUndefined();
  });

  it("skips excluded paths everywhere so a rerun after init is stable", async () => {
    const files = { "src/a.py": "", "pyproject.toml": '[project]\nname = "p"\n' };
    const repo = createTempRepo(files);
    const before = await detectProject(repo.root, { exclude: ["CLAUDE.md", ".harness/"] });
    repo.write({ "CLAUDE.md": "# agents\n", ".harness/state.json": "{}", ".harness/x/y.md": "" });
    const after = await detectProject(repo.root, { exclude: ["CLAUDE.md", ".harness/"] });
    expect(after).toEqual(before);
    expect(after.fileCount).toBe(2);
  });

  it("caps the layout and counts what it left out", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 45; i++) files[`f${String(i).padStart(2, "0")}.txt`] = "";
    const repo = createTempRepo(files);
    const info = await detectProject(repo.root);
    expect(info.layout).toHaveLength(40);
    expect(info.layout.at(-1)?.path).toBe("f39.txt");
    expect(info.layoutOmitted).toBe(5);
  });

  it("ranks languages by file count, ignoring vendored and generated folders", async () => {
    const repo = createTempRepo({
      "src/a.py": "",
      "src/b.py": "",
      "src/c.py": "",
      "scripts/run.sh": "",
      "web/app.js": "",
      "web/app.min.js": "",
      "vendor/lib/x.go": "",
      "vendor/lib/y.go": "",
      "vendor/lib/z.go": "",
      "vendor/lib/w.go": "",
      "dist/bundle.js": "",
      "build/out.js": "",
      "node_modules/m/index.js": "",
      ".venv/lib/site.py": "",
      "target/debug/x.rs": "",
    });
    const info = await detectProject(repo.root);
    expect(info.languages).toEqual(["Python", "JavaScript", "Shell"]);
    expect(info.layout.find((entry) => entry.path === "vendor/")).toEqual({
      path: "vendor/",
      kind: "dir",
      files: 4,
      purpose: "vendored dependencies",
    });
  });

  it("gives the folder name and nothing else for an empty repository", async () => {
    const repo = createTempRepo();
    mkdirSync(path.join(repo.root, "empty-folder"));
    const info = await detectProject(repo.root);
    expect(info).toEqual({
      root: repo.root,
      name: path.basename(repo.root),
      description: undefined,
      languages: [],
      packageManager: undefined,
      testCommand: undefined,
      buildCommand: undefined,
      lintCommand: undefined,
      defaultBranch: "main",
      githubRepo: undefined,
      layout: [],
      fileCount: 0,
      ecosystems: [],
      otherTestCommands: [],
      notes: [],
    });
  });

  it("treats a submodule as a folder, not a file", async () => {
    const repo = createTempRepo({ "a.go": "" });
    const inner = createTempRepo({ "lib.c": "" });
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", inner.root, "third");
    const info = await detectProject(repo.root);
    expect(info.fileCount).toBe(2);
    expect(info.layout).toEqual([
      { path: "third/", kind: "dir", files: 0, purpose: "git submodule" },
      { path: ".gitmodules", kind: "file", files: 1, purpose: "git submodules" },
      { path: "a.go", kind: "file", files: 1 },
    ]);
  });

  it("is deterministic and fills every field from a realistic repo", async () => {
    const repo = createTempRepo({
      "package.json": packageJson({
        name: "@acme/rocket",
        description: "Launches things.",
        scripts: { test: "vitest run", build: "tsc", lint: "eslint ." },
      }),
      "package-lock.json": "{}\n",
      "src/index.ts": "",
      "src/cli.ts": "",
      "tests/index.test.ts": "",
      "eslint.config.js": "",
    });
    repo.git("remote", "add", "origin", "https://github.com/acme/rocket.git");
    const first = await detectProject(repo.root);
    const second = await detectProject(repo.root);
    expect(second).toEqual(first);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    expect(first).toMatchObject({
      name: "@acme/rocket",
      description: "Launches things.",
      languages: ["TypeScript", "JavaScript"],
      packageManager: "npm",
      testCommand: "npm test",
      buildCommand: "npm run build",
      lintCommand: "npm run lint",
      defaultBranch: "main",
      githubRepo: "acme/rocket",
      fileCount: 6,
    });
  });
});
