/**
 * Real git repositories in temp folders for tests. Each call makes a fresh one; remove them with
 * the returned cleanup (or let the OS temp cleaner have them).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface TempGitRepo {
  root: string;
  git(...args: string[]): string;
  write(relative: string, content: string): void;
  cleanup(): void;
}

export function createTempGitRepo(
  files: Record<string, string> = {},
  options: { branch?: string; remote?: string; commit?: boolean } = {},
): TempGitRepo {
  const root = mkdtempSync(path.join(os.tmpdir(), "harness-test-"));
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
