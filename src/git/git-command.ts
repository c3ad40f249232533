/**
 * How `src/git/` runs git: execa, no shell, English messages, never a terminal prompt.
 *
 * Not simple-git, although it is a dependency: it has no worktree API (every call here would be
 * `raw()`), it resolves a command that exits non-zero with an empty stderr as a success (`git
 * diff --cached --quiet` reports "changes staged" exactly that way), and it refuses to run when
 * the environment it is given holds EDITOR, PAGER, GIT_CONFIG_GLOBAL or GIT_SSH_COMMAND, which
 * ordinary machines (and this repo's tests) set, so passing an author or LC_ALL through it
 * would fail there.
 */
import { execa } from "execa";
import { ExitCode, HarnessError } from "../errors.js";

/** A git command failed in a way the caller did not expect (a broken repo, a full disk). */
export class GitCommandError extends HarnessError {
  readonly exitCode = ExitCode.failed;
}

export interface GitOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface GitCallOptions {
  /** Extra environment variables, on top of this process's. */
  env?: Record<string, string>;
  /** Written to git's stdin (commit messages); stdin is closed otherwise. */
  input?: string;
}

/** Runs `git <args>` in `cwd` and returns what happened, whatever the exit code. */
export async function runGitCommand(
  cwd: string,
  args: readonly string[],
  options: GitCallOptions = {},
): Promise<GitOutput> {
  const result = await execa("git", [...args], {
    cwd,
    reject: false,
    stripFinalNewline: false,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...options.env, LC_ALL: "C", GIT_TERMINAL_PROMPT: "0" },
    ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
  });
  if (result.exitCode === undefined) {
    // git could not be started at all (not installed, cwd gone).
    throw new GitCommandError(`could not run git in ${cwd}: ${result.message}`, {
      hint: "install git and check that the folder exists",
      cause: result.cause,
    });
  }
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `git <args>` in `cwd` and returns its stdout; throws GitCommandError on a non-zero exit. */
export async function git(
  cwd: string,
  args: readonly string[],
  options: GitCallOptions = {},
): Promise<string> {
  const result = await runGitCommand(cwd, args, options);
  if (result.exitCode !== 0) {
    const said = result.stderr.trim().split("\n").slice(0, 3).join(" / ");
    throw new GitCommandError(
      `git ${args[0] ?? ""} failed in ${cwd} (exit ${result.exitCode}): ${said || "no message"}`,
      { hint: "run the same git command in that folder to see the whole message" },
    );
  }
  return result.stdout;
}
