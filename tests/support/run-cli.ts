/**
 * Runs the built CLI (bin/harness.js → dist/) as a user would, without a TTY.
 * `npm test` builds first (pretest), so dist/ is current.
 */
import { execa } from "execa";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const harnessBin = path.join(repoRoot, "bin", "harness.js");

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON lines (only meaningful with --json). */
  records: Record<string, unknown>[];
}

export async function runHarness(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<CliRun> {
  const result = await execa(process.execPath, [harnessBin, ...args], {
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
    reject: false,
    stdin: "ignore",
    timeout: 60_000,
  });
  const stdout = String(result.stdout);
  const records = args.includes("--json")
    ? stdout
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as Record<string, unknown>)
    : [];
  return { exitCode: result.exitCode ?? -1, stdout, stderr: String(result.stderr), records };
}
