#!/usr/bin/env node
// Benchmarks for the figures PROGRESS.md records. Prints one JSON object on stdout.
//   npm run bench                  all benchmarks
//   node bench/run.mjs --runs 10   fewer runs
// Targets (2-core machine): `harness --help` cold start < 150 ms, `harness init` on a
// 5,000-file repository < 1 s.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = path.join(root, "bin", "harness.js");
const runsArg = process.argv.indexOf("--runs");
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 20;

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const round = (value) => Math.round(value * 10) / 10;
  return {
    runs: sorted.length,
    minMs: round(sorted[0]),
    medianMs: round(at(0.5)),
    p90Ms: round(at(0.9)),
    maxMs: round(sorted.at(-1)),
  };
}

function timeProcess(args, cwd) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) {
    throw new Error(`${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  }
  return elapsed;
}

function makeRepo(fileCount) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "harness-bench-"));
  const git = (...args) => execFileSync("git", args, { cwd: dir, stdio: "ignore" });
  git("init", "-q", "-b", "main");
  git("config", "user.email", "bench@example.com");
  git("config", "user.name", "Bench");
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "big-app", scripts: { test: "vitest run", build: "tsc" } }, null, 2),
  );
  writeFileSync(path.join(dir, "package-lock.json"), "{}\n");
  writeFileSync(path.join(dir, ".gitignore"), "node_modules/\n");
  for (let i = 0; i < fileCount - 3; i++) {
    const folder = path.join(dir, i % 5 === 0 ? "tests" : "src", `module-${Math.floor(i / 50)}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, `file-${i}.ts`), `export const value${i} = ${i};\n`);
  }
  git("add", "-A");
  git("commit", "-q", "-m", "fixture");
  return dir;
}

const results = { node: process.version, cpus: os.cpus().length, benchmarks: {} };

// Node itself, for scale: what any CLI pays before its first line runs.
results.benchmarks.nodeBaseline = stats(
  Array.from({ length: runs }, () => timeProcess(["-e", ""], root)),
);
results.benchmarks.helpColdStart = {
  ...stats(Array.from({ length: runs }, () => timeProcess([bin, "--help"], root))),
  targetMs: 150,
};

const fixture = makeRepo(5000);
const initRuns = Math.max(3, Math.min(runs, 10));
const firstRuns = [];
const rerunRuns = [];
try {
  for (let i = 0; i < initRuns; i++) {
    const copy = mkdtempSync(path.join(os.tmpdir(), "harness-bench-run-"));
    cpSync(fixture, copy, { recursive: true });
    firstRuns.push(timeProcess([bin, "init", "--yes"], copy));
    rerunRuns.push(timeProcess([bin, "init", "--yes"], copy));
    rmSync(copy, { recursive: true, force: true });
  }
} finally {
  rmSync(fixture, { recursive: true, force: true });
}
results.benchmarks.init5000Files = { files: 5000, ...stats(firstRuns), targetMs: 1000 };
results.benchmarks.init5000FilesRerun = { files: 5000, ...stats(rerunRuns), targetMs: 1000 };

for (const value of Object.values(results.benchmarks)) {
  if (value.targetMs !== undefined) value.meetsTarget = value.medianMs < value.targetMs;
}
console.log(JSON.stringify(results, null, 2));
