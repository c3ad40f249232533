/**
 * The one place detection spawns git. It uses node:child_process rather than execa because
 * importing execa costs about 200 ms, a fifth of the time budget `harness init` has.
 */
import { execFile } from "node:child_process";

export interface GitRunResult {
  /** True when git ran and exited 0. */
  ok: boolean;
  /** Exit code; undefined when git could not be started. */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** Set when git could not be started at all ("ENOENT": not installed). */
  spawnErrorCode?: string;
}

/** Runs `git <args>` in `cwd` and never rejects: callers decide what a failure means. */
export function runGit(cwd: string, args: readonly string[]): Promise<GitRunResult> {
  return new Promise((resolve) => {
    execFile(
      "git",
      [...args],
      {
        cwd,
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
        // English messages so the few we recognise stay recognisable; no optional index locks.
        env: { ...process.env, LC_ALL: "C", GIT_OPTIONAL_LOCKS: "0" },
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ ok: true, exitCode: 0, stdout, stderr });
          return;
        }
        const code = (error as NodeJS.ErrnoException).code;
        if (typeof code === "number") {
          resolve({ ok: false, exitCode: code, stdout, stderr });
        } else {
          resolve({
            ok: false,
            exitCode: undefined,
            stdout: stdout ?? "",
            stderr: stderr ?? "",
            spawnErrorCode: code ?? "unknown",
          });
        }
      },
    );
  });
}
