import path from "node:path";
import { describe, expect, it } from "vitest";
import { detectProject } from "../../src/project/detect-project.js";
import { createTempRepo, packageJson } from "./temp-repo.js";

const scripts = { test: "vitest run", build: "tsc -p .", lint: "eslint ." };

describe("detectProject on Node.js repositories", () => {
  it.each([
    ["package-lock.json", "npm", "npm test", "npm run build", "npm run lint"],
    ["pnpm-lock.yaml", "pnpm", "pnpm test", "pnpm run build", "pnpm run lint"],
    ["yarn.lock", "yarn", "yarn test", "yarn run build", "yarn run lint"],
    // `bun test` would run bun's own test runner and ignore the script.
    ["bun.lockb", "bun", "bun run test", "bun run build", "bun run lint"],
    ["bun.lock", "bun", "bun run test", "bun run build", "bun run lint"],
  ])("%s means %s", async (lockfile, manager, test, build, lint) => {
    const repo = createTempRepo({
      "package.json": packageJson({ name: "shop-api", description: "Orders API.", scripts }),
      [lockfile]: "\n",
      "src/index.ts": "export {};\n",
    });
    const info = await detectProject(repo.root);
    expect(info).toMatchObject({
      root: repo.root,
      name: "shop-api",
      description: "Orders API.",
      packageManager: manager,
      testCommand: test,
      buildCommand: build,
      lintCommand: lint,
      ecosystems: ["node"],
      otherTestCommands: [],
      notes: [],
    });
  });

  it("treats npm's placeholder test script as no test command", async () => {
    const repo = createTempRepo({
      "package.json": packageJson({
        name: "fresh",
        scripts: { test: 'echo "Error: no test specified" && exit 1' },
      }),
      "package-lock.json": "{}\n",
      "index.js": "module.exports = 1;\n",
    });
    const info = await detectProject(repo.root);
    expect(info.packageManager).toBe("npm");
    expect(info.testCommand).toBeUndefined();
    expect(info.buildCommand).toBeUndefined();
    expect(info.lintCommand).toBeUndefined();
    expect(info.notes).toEqual([
      "package.json's test script is npm's placeholder; no tests to run",
    ]);
  });

  it("has no test command when package.json has no test script", async () => {
    const repo = createTempRepo({ "package.json": packageJson({ name: "x" }), "a.js": "" });
    const info = await detectProject(repo.root);
    expect(info.packageManager).toBe("npm");
    expect(info.testCommand).toBeUndefined();
  });

  it("prefers the packageManager field over lockfiles", async () => {
    const repo = createTempRepo({
      "package.json": packageJson({ name: "x", packageManager: "pnpm@9.1.0+sha512.abc", scripts }),
      "package-lock.json": "{}\n",
    });
    const info = await detectProject(repo.root);
    expect(info.packageManager).toBe("pnpm");
    expect(info.testCommand).toBe("pnpm test");
    expect(info.notes).toEqual([]);
  });

  it("notes conflicting lockfiles and picks the deliberate one", async () => {
    const repo = createTempRepo({
      "package.json": packageJson({ name: "x", scripts }),
      "package-lock.json": "{}\n",
      "yarn.lock": "\n",
    });
    const info = await detectProject(repo.root);
    expect(info.packageManager).toBe("yarn");
    expect(info.notes).toEqual([
      "lockfiles of several package managers (yarn, npm); assuming yarn",
    ]);
  });

  it("treats a malformed package.json as having no name or scripts, and says so", async () => {
    const repo = createTempRepo({
      "package.json": '{ "name": "broken", "scripts": { "test": "jest" }, }',
      "pnpm-lock.yaml": "\n",
    });
    const info = await detectProject(repo.root);
    expect(info.name).toBe(path.basename(repo.root));
    expect(info.packageManager).toBe("pnpm");
    expect(info.testCommand).toBeUndefined();
    expect(info.notes).toEqual([
      "package.json is not valid JSON; its name and scripts were ignored",
    ]);
  });

  it("reads a package.json written with a byte-order mark", async () => {
    const repo = createTempRepo({ "package.json": `\uFEFF${packageJson({ name: "bom" })}` });
    expect((await detectProject(repo.root)).name).toBe("bom");
  });

  it("uses deno tasks when the project is a Deno one", async () => {
    const repo = createTempRepo({
      "deno.jsonc":
        '{\n  // tasks\n  "name": "@acme/kit",\n  "tasks": { "test": "deno test -A", },\n}\n',
      "mod.ts": "export {};\n",
    });
    const info = await detectProject(repo.root);
    expect(info).toMatchObject({
      name: "@acme/kit",
      packageManager: "deno",
      testCommand: "deno task test",
      lintCommand: "deno lint",
      ecosystems: ["deno"],
    });
    expect(info.buildCommand).toBeUndefined();
  });
});
