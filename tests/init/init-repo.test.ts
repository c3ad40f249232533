import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load-config.js";
import { createCollectingSink } from "../../src/events.js";
import { MANIFEST_PATH } from "../../src/scaffold/manifest.js";
import { loadClaudeItems } from "../../src/skills/load-claude-items.js";
import { bundledTemplatesDir } from "../../src/scaffold/template-files.js";
import { initRepo, type InitRepoOptions } from "../../src/workflows/init-repo.js";
import { createTempGitRepo, sampleProjects, type TempGitRepo } from "../support/temp-git-repo.js";

const repos: TempGitRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.cleanup();
});

function repoWith(
  files: Record<string, string>,
  options?: Parameters<typeof createTempGitRepo>[1],
) {
  const repo = createTempGitRepo(files, options);
  repos.push(repo);
  return repo;
}

function run(startDir: string, overrides: Partial<InitRepoOptions> = {}) {
  return initRepo({
    startDir,
    dryRun: false,
    force: false,
    harnessVersion: "1.0.0",
    events: createCollectingSink(),
    env: {},
    clock: () => new Date("2026-03-04T10:00:00Z"),
    ...overrides,
  });
}

const read = (repo: TempGitRepo, relative: string) =>
  readFileSync(path.join(repo.root, relative), "utf8");

describe.each([
  ["node", sampleProjects.node, "npm test"],
  ["python", sampleProjects.python, "pytest"],
  ["go", sampleProjects.go, "go test ./..."],
])("harness init in a %s repository", (_kind, files, testCommand) => {
  it("writes the soul documents, config and .claude tree with the detected test command", async () => {
    const repo = repoWith(files, { remote: "git@github.com:acme/shop.git" });
    const result = await run(repo.root);

    expect(result.changes.every((change) => change.action === "created")).toBe(true);
    for (const file of [
      "CLAUDE.md",
      "AGENTS.md",
      "PLAN.md",
      "PROGRESS.md",
      "reference/README.md",
    ]) {
      expect(existsSync(path.join(repo.root, file)), file).toBe(true);
    }
    const claude = read(repo, "CLAUDE.md");
    expect(claude).toContain(`\`${testCommand}\``);
    expect(claude).toContain("acme/shop");
    expect(claude.split("\n").length).toBeLessThan(200);
    expect(claude).not.toMatch(/\{\{/);

    const config = parseConfigText(read(repo, "harness.config.yaml"), "harness.config.yaml", {});
    expect(config.diagnostics).toEqual([]);
    expect(config.config?.project.testCommand).toBe(testCommand);
    expect(config.config?.github.repo).toBe("acme/shop");
    expect(config.config?.project.defaultBranch).toBe("main");

    expect(read(repo, ".gitignore")).toMatch(/^\.harness\/$/m);
    for (const skill of ["triage-issue", "plan-issue", "implement-plan", "update-progress"]) {
      expect(existsSync(path.join(repo.root, ".claude/skills", skill, "SKILL.md")), skill).toBe(
        true,
      );
    }
    expect(existsSync(path.join(repo.root, ".claude/commands/sync.md"))).toBe(true);
    expect(existsSync(path.join(repo.root, ".claude/agents/implementer.md"))).toBe(true);
    expect(read(repo, "PROGRESS.md")).toContain("## 2026-03-04: harness set up");

    const claudeTree = await loadClaudeItems({ dir: ".", cwd: repo.root });
    expect(claudeTree.diagnostics).toEqual([]);
    const names = (kind: string) =>
      claudeTree.items
        .filter((item) => item.kind === kind)
        .map((item) => item.name)
        .sort();
    expect(names("skill")).toEqual([
      "implement-plan",
      "plan-issue",
      "research-to-reference",
      "review-change",
      "translate-documents",
      "triage-issue",
      "update-progress",
      "write-tech-report",
    ]);
    expect(names("command")).toEqual(["plan", "report", "sync", "translate", "triage", "work"]);
    expect(names("agent")).toEqual([
      "implementer",
      "planner",
      "reporter",
      "reviewer",
      "translator",
      "triager",
    ]);
    const translate = read(repo, ".claude/commands/translate.md");
    expect(translate).toContain("at most 4 documents");
    expect(translate).toMatch(/in ONE message/);
  });

  it("changes nothing on a second run", async () => {
    const repo = repoWith(files);
    await run(repo.root);
    const second = await run(repo.root, { clock: () => new Date("2027-01-01T00:00:00Z") });
    expect(second.changes.filter((change) => change.action !== "unchanged")).toEqual([]);
    expect(second.written).toEqual([]);
  });
});

describe("harness init safety", () => {
  it("keeps a CLAUDE.md the user edited, and overwrites it only with --force", async () => {
    const repo = repoWith(sampleProjects.node);
    await run(repo.root);
    const edited = `${read(repo, "CLAUDE.md")}\n## Our own rule\nAlways write docs.\n`;
    writeFileSync(path.join(repo.root, "CLAUDE.md"), edited);

    const rerun = await run(repo.root);
    expect(rerun.changes.find((change) => change.path === "CLAUDE.md")).toMatchObject({
      action: "kept",
      reason: "modified by you",
    });
    expect(read(repo, "CLAUDE.md")).toBe(edited);
    // Still the user's on the run after, too.
    expect((await run(repo.root)).changes.find((c) => c.path === "CLAUDE.md")?.action).toBe("kept");

    const forced = await run(repo.root, { force: true });
    expect(forced.changes.find((change) => change.path === "CLAUDE.md")?.action).toBe(
      "overwritten",
    );
    expect(read(repo, "CLAUDE.md")).not.toContain("Our own rule");
    expect((await run(repo.root)).changes.every((c) => c.action === "unchanged")).toBe(true);
  });

  it("never replaces a CLAUDE.md that existed before harness", async () => {
    const repo = repoWith({ ...sampleProjects.node, "CLAUDE.md": "# Ours\n" });
    const result = await run(repo.root);
    expect(result.changes.find((change) => change.path === "CLAUDE.md")).toMatchObject({
      action: "kept",
      reason: "already existed before harness",
    });
    expect(read(repo, "CLAUDE.md")).toBe("# Ours\n");
  });

  it("writes nothing on a dry run", async () => {
    const repo = repoWith(sampleProjects.node);
    const before = readdirSync(repo.root, { recursive: true }).sort();
    const result = await run(repo.root, { dryRun: true });
    expect(result.changes.length).toBeGreaterThan(20);
    expect(result.changes.every((change) => change.action === "created")).toBe(true);
    expect(result.written).toEqual([]);
    expect(readdirSync(repo.root, { recursive: true }).sort()).toEqual(before);
  });

  it("upgrades untouched files to new templates and leaves edited ones alone", async () => {
    const repo = repoWith(sampleProjects.node);
    await run(repo.root);
    writeFileSync(path.join(repo.root, "PLAN.md"), "# Our plan\n");

    const templates = mkdtempSync(path.join(os.tmpdir(), "harness-templates-"));
    cpSync(bundledTemplatesDir(), templates, { recursive: true });
    for (const name of ["AGENTS.md", "PLAN.md"]) {
      const file = path.join(templates, "soul", name);
      writeFileSync(file, `${readFileSync(file, "utf8")}\nA line from a newer harness.\n`);
    }
    const upgrade = await run(repo.root, { templatesDir: templates, harnessVersion: "1.1.0" });
    const actions = Object.fromEntries(
      upgrade.changes.map((change) => [change.path, change.action]),
    );
    expect(actions["AGENTS.md"]).toBe("updated");
    expect(actions["PLAN.md"]).toBe("kept");
    expect(read(repo, "AGENTS.md")).toContain("A line from a newer harness.");
    expect(read(repo, "PLAN.md")).toBe("# Our plan\n");
    expect(JSON.parse(read(repo, MANIFEST_PATH)).harnessVersion).toBe("1.1.0");
  });

  it("appends .harness/ to an existing .gitignore once", async () => {
    const repo = repoWith({ ...sampleProjects.node, ".gitignore": "node_modules" });
    await run(repo.root);
    expect(read(repo, ".gitignore")).toBe("node_modules\n\n# harness machine state\n.harness/\n");
    await run(repo.root);
    expect(read(repo, ".gitignore").match(/\.harness\//g)).toHaveLength(1);
  });

  it("refuses to write through a symlinked folder that leaves the repository", async () => {
    const repo = repoWith(sampleProjects.node);
    const outside = mkdtempSync(path.join(os.tmpdir(), "harness-outside-"));
    try {
      symlinkSync(outside, path.join(repo.root, ".claude"));
      await expect(run(repo.root)).rejects.toThrow(/resolves outside the repository/);
      expect(readdirSync(outside)).toEqual([]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it("keeps going when a folder stands where a file would go", async () => {
    const repo = repoWith(sampleProjects.node);
    mkdirSync(path.join(repo.root, "AGENTS.md"));
    const result = await run(repo.root);
    expect(result.changes.find((change) => change.path === "AGENTS.md")).toMatchObject({
      action: "kept",
      reason: "a folder is in the way",
    });
    expect(existsSync(path.join(repo.root, "CLAUDE.md"))).toBe(true);
  });

  it("works from a sub-folder and writes at the repository root", async () => {
    const repo = repoWith(sampleProjects.node);
    const result = await run(path.join(repo.root, "src"));
    expect(result.root).toBe(repo.root);
    expect(existsSync(path.join(repo.root, "CLAUDE.md"))).toBe(true);
    expect(existsSync(path.join(repo.root, "src", "CLAUDE.md"))).toBe(false);
  });
});

describe("harness init when facts are missing", () => {
  const bare = { "notes.txt": "hello\n" };

  it("leaves marked TODOs without a terminal", async () => {
    const repo = repoWith(bare);
    await run(repo.root);
    expect(read(repo, "CLAUDE.md")).toContain("TODO(harness)");
    expect(read(repo, "harness.config.yaml")).toMatch(/# TODO\(harness\): no test command/);
    expect(
      parseConfigText(read(repo, "harness.config.yaml"), "c.yaml", {}).config?.project.testCommand,
    ).toBe("");
  });

  it("uses the answers a person gives", async () => {
    const repo = repoWith(bare);
    const asked: string[] = [];
    await run(repo.root, {
      ask: async (question) => {
        asked.push(question.key);
        return question.key === "testCommand" ? "./run-tests.sh" : "acme/notes";
      },
    });
    expect(asked).toEqual(["testCommand", "githubRepo"]);
    expect(read(repo, "CLAUDE.md")).toContain("`./run-tests.sh`");
    const config = parseConfigText(read(repo, "harness.config.yaml"), "c.yaml", {}).config;
    expect(config?.project.testCommand).toBe("./run-tests.sh");
    expect(config?.github.repo).toBe("acme/notes");
  });

  it("takes values the user set in harness.config.yaml on later runs", async () => {
    const repo = repoWith(bare);
    await run(repo.root);
    const configPath = path.join(repo.root, "harness.config.yaml");
    writeFileSync(
      configPath,
      readFileSync(configPath, "utf8")
        .replace('testCommand: ""', 'testCommand: "make check"')
        .replace("maxItemsPerWorker: 4", "maxItemsPerWorker: 2"),
    );
    const asked: string[] = [];
    await run(repo.root, {
      ask: async (q) => {
        asked.push(q.key);
        return undefined;
      },
    });
    expect(asked).not.toContain("testCommand");
    expect(read(repo, "CLAUDE.md")).toContain("`make check`");
    expect(read(repo, "CLAUDE.md")).toContain("at most 2 items per");
  });
});
