/**
 * The compiled CLI for end-to-end tests. `npm test` builds first (pretest); when a test file is
 * run on its own, ensureBuiltCli() rebuilds once if dist/ is missing or older than src/. A lock
 * folder keeps parallel test workers from compiling into dist/ at the same time.
 */
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { repoRoot } from "./run-cli.js";

const compiledEntry = path.join(repoRoot, "dist", "cli.js");
const lockDir = path.join(
  os.tmpdir(),
  `harness-build-lock-${Buffer.from(repoRoot).toString("hex").slice(-32)}`,
);
const STALE_LOCK_MS = 5 * 60_000;

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const time = entry.isDirectory() ? await newestMtime(full) : (await stat(full)).mtimeMs;
    newest = Math.max(newest, time);
  }
  return newest;
}

async function isFresh(): Promise<boolean> {
  try {
    const built = (await stat(compiledEntry)).mtimeMs;
    return built >= (await newestMtime(path.join(repoRoot, "src")));
  } catch {
    return false;
  }
}

async function acquireLock(): Promise<void> {
  for (;;) {
    try {
      await mkdir(lockDir);
      return;
    } catch {
      const age =
        Date.now() -
        (await stat(lockDir).then(
          (s) => s.mtimeMs,
          () => Date.now(),
        ));
      if (age > STALE_LOCK_MS) await rm(lockDir, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

export async function ensureBuiltCli(): Promise<void> {
  if (await isFresh()) return;
  await acquireLock();
  try {
    if (await isFresh()) return;
    // tsc still writes dist/ when some file has type errors; only a missing entry is fatal here,
    // so one half-finished file elsewhere does not stop these tests.
    const build = await execa("npx", ["tsc", "-p", "tsconfig.build.json"], {
      cwd: repoRoot,
      reject: false,
    });
    try {
      await stat(compiledEntry);
    } catch {
      throw new Error(`npm run build produced no dist/cli.js:\n${build.stdout}\n${build.stderr}`);
    }
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
