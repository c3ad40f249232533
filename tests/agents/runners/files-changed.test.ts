import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { listChangedFiles, parsePorcelainZ } from "../../../src/agents/runners/files-changed.js";
import { resolveAgentBinary } from "../../../src/agents/runners/resolve-binary.js";
import { withoutRunDir } from "../../../src/agents/runners/run-verdict.js";
import { ConfigError } from "../../../src/errors.js";
import { createTempDir } from "../../support/temp-dir.js";
import { createTempGitRepo, type TempGitRepo } from "../../support/temp-git-repo.js";
import { fakeAgentCli } from "../fixtures/fake-agent-cli.js";

const repos: TempGitRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.cleanup();
});

describe("parsePorcelainZ", () => {
  it("reads entries, paths with spaces, and both sides of a rename", () => {
    const output = [
      " M src/a.ts",
      "?? new file.txt",
      "R  b-new.ts",
      "b-old.ts",
      "C  c.ts",
      "c-src.ts",
      " D gone.md",
      "",
    ].join("\0");
    expect(parsePorcelainZ(output)).toEqual([
      "src/a.ts",
      "new file.txt",
      "b-new.ts",
      "b-old.ts",
      "c.ts",
      "gone.md",
    ]);
  });
});

describe("listChangedFiles", () => {
  it("lists modified, deleted, untracked (in new folders too) and renamed files, sorted", async () => {
    const repo = createTempGitRepo({
      "a.txt": "a\n",
      "b.txt": "b\n",
      "c.txt": "c\n",
      ".gitignore": "ignored/\n",
    });
    repos.push(repo);
    writeFileSync(path.join(repo.root, "a.txt"), "changed\n");
    rmSync(path.join(repo.root, "b.txt"));
    mkdirSync(path.join(repo.root, "deep", "er"), { recursive: true });
    writeFileSync(path.join(repo.root, "deep", "er", "new file.txt"), "x");
    mkdirSync(path.join(repo.root, "ignored"));
    writeFileSync(path.join(repo.root, "ignored", "x.log"), "x");
    renameSync(path.join(repo.root, "c.txt"), path.join(repo.root, "d.txt"));
    repo.git("add", "-A", "c.txt", "d.txt");
    expect(await listChangedFiles(repo.root)).toEqual([
      "a.txt",
      "b.txt",
      "c.txt",
      "d.txt",
      "deep/er/new file.txt",
    ]);
  });

  it("gives paths relative to a workspace below the repository root, and only its own", async () => {
    const repo = createTempGitRepo({ "pkg/a.txt": "a\n", "other.txt": "o\n" });
    repos.push(repo);
    writeFileSync(path.join(repo.root, "pkg", "a.txt"), "changed\n");
    writeFileSync(path.join(repo.root, "other.txt"), "changed\n");
    expect(await listChangedFiles(path.join(repo.root, "pkg"))).toEqual(["a.txt"]);
  });

  it("gives [] for a clean repository and for a folder outside any repository", async () => {
    const repo = createTempGitRepo({ "a.txt": "a\n" });
    repos.push(repo);
    expect(await listChangedFiles(repo.root)).toEqual([]);
    const plain = await createTempDir("harness-not-a-repo");
    try {
      writeFileSync(path.join(plain.path, "x.txt"), "x");
      expect(await listChangedFiles(plain.path)).toEqual([]);
    } finally {
      await plain.remove();
    }
  });
});

describe("withoutRunDir", () => {
  it("drops files under a run folder inside the workspace, nothing otherwise", () => {
    const files = [".harness/runs/r1/transcript.jsonl", ".harness/other", "src/a.ts"];
    expect(withoutRunDir(files, "/ws", "/ws/.harness/runs/r1")).toEqual([
      ".harness/other",
      "src/a.ts",
    ]);
    expect(withoutRunDir(files, "/ws", "/elsewhere/r1")).toEqual(files);
  });
});

describe("resolveAgentBinary", () => {
  it("finds a name on the given PATH, and an explicit path", async () => {
    const dir = await createTempDir("harness-bin");
    try {
      const fake = fakeAgentCli(dir.path, "some-agent", {});
      const lookup = { name: "some-agent", workspace: dir.path, installWith: "some-agent" };
      expect(await resolveAgentBinary({ ...lookup, searchPath: `/nonexistent:${dir.path}` })).toBe(
        fake.binary,
      );
      expect(await resolveAgentBinary({ ...lookup, explicit: fake.binary, searchPath: "" })).toBe(
        fake.binary,
      );
    } finally {
      await dir.remove();
    }
  });

  it("throws a ConfigError with the install hint when nothing is found", async () => {
    const lookup = {
      name: "no-such-agent-cli",
      searchPath: "/nonexistent",
      workspace: "/nonexistent",
      installWith: "@acme/no-such-agent-cli",
    };
    await expect(resolveAgentBinary(lookup)).rejects.toThrow(ConfigError);
    await expect(resolveAgentBinary(lookup)).rejects.toThrow(
      "no-such-agent-cli not found: npm i -g @acme/no-such-agent-cli, or set agents.runner: builtin",
    );
  });
});
