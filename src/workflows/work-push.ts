/**
 * Pushes a work branch with the user's own git setup (credential helper, SSH agent): harness
 * never puts a token on a command line or in a remote URL. Never forced: when the remote branch
 * has commits the local one lacks (someone pushed to it), the push is refused and the item
 * fails with that reason, for a person to sort out.
 */
import { InputError, NetworkError } from "../errors.js";
import { runGitCommand } from "../git/git-command.js";

export type PushResult =
  { pushed: true; remote: string } | { pushed: false; remote: string; note: string };

/** True when `remote` is configured in the repository of `cwd`. */
export async function remoteExists(cwd: string, remote: string): Promise<boolean> {
  if (remote.trim() === "" || remote.startsWith("-")) return false;
  return (await runGitCommand(cwd, ["remote", "get-url", "--", remote])).exitCode === 0;
}

function firstLines(text: string): string {
  return text.trim().split("\n").slice(0, 4).join(" / ") || "no message";
}

/**
 * `git push <remote> refs/heads/<branch>:refs/heads/<branch>` from the worktree, or nothing
 * with a note when the remote is not configured (local tracker, offline machine).
 */
export async function pushBranch(options: {
  worktree: string;
  remote: string;
  branch: string;
}): Promise<PushResult> {
  const { worktree, remote, branch } = options;
  if (!(await remoteExists(worktree, remote))) {
    return {
      pushed: false,
      remote,
      note: `no git remote "${remote}" is configured, so the branch was not pushed`,
    };
  }
  const ref = `refs/heads/${branch}`;
  const result = await runGitCommand(worktree, ["push", "--porcelain", remote, `${ref}:${ref}`]);
  if (result.exitCode === 0) return { pushed: true, remote };
  const said = `${result.stdout}\n${result.stderr}`;
  if (/non-fast-forward|\[rejected\]|fetch first|stale info/i.test(said)) {
    throw new InputError(
      `the push of ${branch} to ${remote} was refused: the remote branch has commits this one lacks (someone else pushed to it)`,
      {
        hint: `look at both histories (git log ${remote}/${branch}); harness never force-pushes, so merge them by hand and retry the item`,
      },
    );
  }
  const network =
    /could not resolve host|connection (timed out|refused|reset)|network is unreachable|operation timed out|early eof/i;
  if (
    !network.test(said) &&
    /authentication failed|permission denied|could not read username|\b403\b/i.test(said)
  ) {
    throw new InputError(`git push to ${remote} was refused: ${firstLines(result.stderr)}`, {
      hint: "check your own git credentials for that remote (harness pushes with them)",
    });
  }
  throw new NetworkError(
    `git push of ${branch} to ${remote} failed (exit ${result.exitCode}): ${firstLines(result.stderr)}`,
    { hint: "check the network and the remote; the item is retried later" },
  );
}
