import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ToolError } from "../../src/agents/tool-error.js";
import { isInside, resolveInWorkspace, toWorkspaceRelative } from "../../src/agents/workspace.js";
import { createTempDir, type TempDir } from "../support/temp-dir.js";

let temp: TempDir;
let root: string;
let outside: string;

beforeEach(async () => {
  temp = await createTempDir("harness-workspace");
  root = path.join(temp.path, "workspace");
  outside = path.join(temp.path, "outside");
  await mkdir(path.join(root, "src"), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(root, "src", "main.ts"), "export {};\n");
  await writeFile(path.join(outside, "secret.txt"), "secret\n");
});

afterEach(() => temp.remove());

async function refusal(requested: string, options = {}): Promise<ToolError> {
  const error = await resolveInWorkspace(root, requested, options).catch((caught) => caught);
  expect(error).toBeInstanceOf(ToolError);
  return error as ToolError;
}

describe("resolveInWorkspace", () => {
  it("resolves relative paths inside the root to absolute real paths", async () => {
    expect(await resolveInWorkspace(root, "src/main.ts")).toBe(path.join(root, "src/main.ts"));
    expect(await resolveInWorkspace(root, "./src/../src/main.ts")).toBe(
      path.join(root, "src/main.ts"),
    );
    expect(await resolveInWorkspace(root, ".")).toBe(root);
  });

  it("accepts an absolute path inside the root", async () => {
    const absolute = path.join(root, "src", "main.ts");
    expect(await resolveInWorkspace(root, absolute, { mustExist: true })).toBe(absolute);
  });

  it("resolves a path that does not exist yet unless it must exist", async () => {
    expect(await resolveInWorkspace(root, "new/deep/file.ts", { forWrite: true })).toBe(
      path.join(root, "new/deep/file.ts"),
    );
    const error = await refusal("missing.ts", { mustExist: true });
    expect(error.message).toBe(
      "path missing.ts does not exist; check the path with list_dir or glob",
    );
  });

  it("refuses .. escapes with a message the model can act on", async () => {
    expect((await refusal("../outside/secret.txt")).message).toBe(
      "path ../outside/secret.txt is outside the workspace; use a path relative to the workspace root",
    );
    expect((await refusal("src/../../outside")).message).toContain("is outside the workspace");
    expect((await refusal("..")).message).toContain("is outside the workspace");
  });

  it("refuses absolute paths outside the root", async () => {
    const error = await refusal(path.join(outside, "secret.txt"));
    expect(error.message).toContain("is outside the workspace");
    expect(error.message).toContain("use a path relative to the workspace root");
    expect((await refusal("/etc/passwd")).message).toContain("is outside the workspace");
  });

  it("refuses a sibling folder whose name starts like the root's", async () => {
    await mkdir(`${root}-other`);
    expect((await refusal(`${root}-other/file`)).message).toContain("is outside the workspace");
  });

  it("refuses NUL bytes and empty paths", async () => {
    expect((await refusal("src/main.ts\0.png")).message).toContain("NUL byte");
    expect((await refusal("")).message).toContain("path is empty");
  });

  it("refuses a symlinked folder leading outside, for files that exist and that do not", async () => {
    await symlink(outside, path.join(root, "linked"));
    for (const requested of [
      "linked/secret.txt",
      "linked/new.txt",
      "linked/a/b/new.txt",
      "linked",
    ]) {
      const error = await refusal(requested, { forWrite: true });
      expect(error.message).toBe(
        `path ${requested} leads outside the workspace through a symlink; only files inside the workspace can be used`,
      );
    }
  });

  it("refuses a symlinked file leading outside, for reads and writes", async () => {
    await symlink(path.join(outside, "secret.txt"), path.join(root, "secret-link.txt"));
    expect((await refusal("secret-link.txt")).message).toContain("through a symlink");
    expect((await refusal("secret-link.txt", { forWrite: true })).message).toContain(
      "through a symlink",
    );
  });

  it("refuses a symlink deeper in the path and a relative symlink climbing out", async () => {
    await mkdir(path.join(root, "a", "b"), { recursive: true });
    await symlink("../../../outside", path.join(root, "a", "b", "up"));
    expect((await refusal("a/b/up/secret.txt")).message).toContain("through a symlink");
  });

  it("refuses a dangling symlink whose target would be created outside", async () => {
    await symlink(path.join(outside, "not-yet.txt"), path.join(root, "dangling.txt"));
    await symlink(path.join(outside, "no-folder"), path.join(root, "dangling-folder"));
    expect((await refusal("dangling.txt", { forWrite: true })).message).toContain(
      "through a symlink",
    );
    expect((await refusal("dangling-folder/file.txt", { forWrite: true })).message).toContain(
      "through a symlink",
    );
  });

  it("follows symlinks that stay inside the workspace to their real path", async () => {
    await symlink(path.join(root, "src"), path.join(root, "source"));
    await symlink("main.ts", path.join(root, "src", "alias.ts"));
    await symlink(path.join(root, "src", "later.ts"), path.join(root, "later-link.ts"));
    expect(await resolveInWorkspace(root, "source/main.ts")).toBe(path.join(root, "src/main.ts"));
    expect(await resolveInWorkspace(root, "src/alias.ts")).toBe(path.join(root, "src/main.ts"));
    expect(await resolveInWorkspace(root, "later-link.ts", { forWrite: true })).toBe(
      path.join(root, "src/later.ts"),
    );
  });

  it("refuses a symlink loop", async () => {
    await symlink(path.join(root, "loop-b"), path.join(root, "loop-a"));
    await symlink(path.join(root, "loop-a"), path.join(root, "loop-b"));
    expect((await refusal("loop-a/file")).message).toContain("symlinks");
  });

  it("refuses .harness for reads and writes, however it is reached", async () => {
    await mkdir(path.join(root, ".harness", "runs"), { recursive: true });
    await writeFile(path.join(root, ".harness", "state.json"), "{}");
    await symlink(path.join(root, ".harness"), path.join(root, "state"));
    for (const requested of [
      ".harness/state.json",
      ".harness",
      "src/../.harness/runs",
      "state/state.json",
    ]) {
      expect((await refusal(requested)).message).toContain("the harness's own state");
      expect((await refusal(requested, { forWrite: true })).message).toContain(
        "the harness's own state",
      );
    }
  });

  it("refuses writes into .git but allows reading it", async () => {
    await mkdir(path.join(root, ".git"));
    await writeFile(path.join(root, ".git", "config"), "[core]\n");
    expect(await resolveInWorkspace(root, ".git/config", { mustExist: true })).toBe(
      path.join(root, ".git/config"),
    );
    for (const requested of [
      ".git/config",
      ".git/hooks/pre-commit",
      ".git",
      "vendor/lib/.git/HEAD",
    ]) {
      expect((await refusal(requested, { forWrite: true })).message).toBe(
        `path ${requested} is inside .git/; change the repository with git commands through run_command, never by writing its internals`,
      );
    }
  });

  it("accepts a root given through a symlink", async () => {
    const alias = path.join(temp.path, "alias");
    await symlink(root, alias);
    expect(await resolveInWorkspace(alias, "src/main.ts")).toBe(path.join(root, "src/main.ts"));
  });
});

describe("toWorkspaceRelative and isInside", () => {
  it("gives / separated relative paths and . for the root", () => {
    expect(toWorkspaceRelative(root, path.join(root, "src", "main.ts"))).toBe("src/main.ts");
    expect(toWorkspaceRelative(root, root)).toBe(".");
  });

  it("tells inside from outside without being fooled by a shared prefix", () => {
    expect(isInside(root, path.join(root, "a"))).toBe(true);
    expect(isInside(root, root)).toBe(true);
    expect(isInside(root, `${root}-other`)).toBe(false);
    expect(isInside(root, path.dirname(root))).toBe(false);
    expect(isInside(root, path.join(root, "..a"))).toBe(true);
  });
});
