/**
 * Real git repositories in temp folders for tests. Each call makes a fresh one; remove them with
 * the returned cleanup. Git's global and system config are switched off for the test process
 * (and the CLIs it spawns) so a developer's own settings, such as init.defaultBranch or a global
 * excludes file, cannot change what a test sees.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const emptyGitConfig = path.join(os.tmpdir(), "harness-test-empty-gitconfig");
writeFileSync(emptyGitConfig, "");
process.env["GIT_CONFIG_GLOBAL"] = emptyGitConfig;
process.env["GIT_CONFIG_NOSYSTEM"] = "1";

export interface TempGitRepo {
  /** Real path (symlinks resolved), as git reports it. */
  root: string;
  git(...args: string[]): string;
  write(relative: string, content: string): void;
  cleanup(): void;
}

export function createTempGitRepo(
  files: Record<string, string> = {},
  options: { branch?: string; remote?: string; commit?: boolean } = {},
): TempGitRepo {
  const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), "harness-test-")));
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  git("init", "-q", "-b", options.branch ?? "main");
  git("config", "user.email", "test@example.com");
  git("config", "user.name", "Test");
  git("config", "commit.gpgsign", "false");
  const write = (relative: string, content: string) => {
    const file = path.join(root, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  };
  for (const [relative, content] of Object.entries(files)) write(relative, content);
  if (options.remote) git("remote", "add", "origin", options.remote);
  if (options.commit !== false && Object.keys(files).length > 0) {
    git("add", "-A");
    git("commit", "-q", "-m", "initial");
  }
  return { root, git, write, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Sample projects of each kind init must recognise. */
export const sampleProjects = {
  node: {
    "package.json": JSON.stringify(
      {
        name: "shop-api",
        description: "Orders and payments API.",
        scripts: { test: "vitest run", build: "tsc" },
      },
      null,
      2,
    ),
    "package-lock.json": "{}\n",
    "src/index.ts": "export const answer = 42;\n",
    "tests/index.test.ts": "import { answer } from '../src/index';\n",
  },
  python: {
    "pyproject.toml":
      '[project]\nname = "inventory"\ndescription = "Stock levels."\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
    "inventory/__init__.py": "",
    "tests/test_stock.py": "def test_stock():\n    assert True\n",
  },
  go: {
    "go.mod": "module github.com/acme/routes\n\ngo 1.22\n",
    "main.go": "package main\n\nfunc main() {}\n",
    "main_test.go": "package main\n",
  },
} satisfies Record<string, Record<string, string>>;
