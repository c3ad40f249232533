/**
 * Child processes harness starts in their own process group (`detached: true`): agent
 * runners, `run_command`, the project's test command, `gh auth token`. Killing the group takes
 * the grandchildren (a test runner's workers, a shell's pipeline) down with the child.
 */

/** Sends `signal` to the whole group led by `pid`; quiet when the group is already gone. */
export function killProcessGroup(
  pid: number | undefined,
  signal: NodeJS.Signals = "SIGKILL",
): void {
  if (pid === undefined || process.platform === "win32") return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing is left of the group, the usual case.
  }
}
