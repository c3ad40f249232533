/**
 * Temp git repositories for the detection tests, removed after each test. Built on the shared
 * helper in tests/support, which also isolates git from the developer's own config.
 */
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach } from "vitest";
import { createTempGitRepo } from "../support/temp-git-repo.js";

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
  const repo = createTempGitRepo(files, options);
  created.push(repo.root);
  return {
    root: repo.root,
    git: repo.git,
    write: (more) => {
      for (const [relative, content] of Object.entries(more)) repo.write(relative, content);
    },
    remove: (relative) => rmSync(path.join(repo.root, relative), { recursive: true, force: true }),
  };
}

/** package.json text from an object. */
export function packageJson(manifest: Record<string, unknown>): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
