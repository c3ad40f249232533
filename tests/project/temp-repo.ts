/**
 * Real git repositories in temp folders for the detection tests. Git's global and system
 * config are switched off for this test process so a developer's own settings (such as
 * init.defaultBranch or a global excludes file) cannot change what detection sees.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach } from "vitest";

const isolatedHome = mkdtempSync(path.join(os.tmpdir(), "harness-project-home-"));
writeFileSync(path.join(isolatedHome, "gitconfig"), "");
process.env["GIT_CONFIG_GLOBAL"] = path.join(isolatedHome, "gitconfig");
process.env["GIT_CONFIG_NOSYSTEM"] = "1";

export interface TempRepo {
  /** Real path (symlinks resolved), as git reports it. */
  root: string;
  git(...args: string[]): string;
  write(files: Record<string, string>): void;
  remove(relative: string): void;
}

const created: string[] = [];

afterEach(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

afterAll(() => {
  rmSync(isolatedHome, { recursive: true, force: true });
});

/** A plain temp folder (no git) that is removed after the test. */
export function createTempDir(): string {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), "harness-project-")));
  created.push(dir);
  return dir;
}

/**
 * `git init -b main` in a fresh temp folder with `files` written and, unless `commit` is
 * false, committed. Removed automatically after the test.
 */
export function createTempRepo(
  files: Record<string, string> = {},
  options: { commit?: boolean; branch?: string } = {},
): TempRepo {
  const root = createTempDir();
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  git("init", "-q", "-b", options.branch ?? "main");
  git("config", "user.email", "test@example.com");
  git("config", "user.name", "Test");
  git("config", "commit.gpgsign", "false");
  const write = (more: Record<string, string>) => {
    for (const [relative, content] of Object.entries(more)) {
      const file = path.join(root, relative);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
  };
  write(files);
  if (options.commit !== false && Object.keys(files).length > 0) {
    git("add", "-A");
    git("commit", "-q", "-m", "initial");
  }
  return {
    root,
    git,
    write,
    remove: (relative) => rmSync(path.join(root, relative), { recursive: true, force: true }),
  };
}

/** package.json text from an object. */
export function packageJson(manifest: Record<string, unknown>): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
