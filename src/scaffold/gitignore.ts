/**
 * `.harness/` holds machine state (queue, runs, worktrees, locks) and must never be committed.
 * The user's .gitignore is theirs: harness only appends one line, and only when it is missing.
 */

const HARNESS_IGNORE_LINE = ".harness/";

export function ignoresHarnessDir(gitignore: string): boolean {
  return gitignore
    .split(/\r?\n/)
    .map((line) => line.trim())
    .some((line) => /^\/?\.harness\/?(\*\*?)?$/.test(line));
}

/** The new .gitignore text, or undefined when nothing needs to change. */
export function withHarnessIgnored(current: string | undefined): string | undefined {
  if (current === undefined) return `# harness machine state\n${HARNESS_IGNORE_LINE}\n`;
  if (ignoresHarnessDir(current)) return undefined;
  const separator = current === "" || current.endsWith("\n") ? "" : "\n";
  return `${current}${separator}\n# harness machine state\n${HARNESS_IGNORE_LINE}\n`;
}
