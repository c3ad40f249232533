/**
 * The default branch and the GitHub repository, from local git state only: no `git remote
 * show`, no fetch, so init works offline and never waits on a network.
 */
import { parseGitHubRemote } from "./parse-github-remote.js";
import { runGit } from "./run-git.js";

export interface GitDetection {
  defaultBranch?: string;
  /** owner/name from the origin remote, else from the first remote on github.com. */
  githubRepo?: string;
  /** Remote names in config order with their fetch URLs. */
  remotes: { name: string; url: string }[];
}

/** Branch names that are almost always the line everything else merges into. */
const CONVENTIONAL_DEFAULTS = new Set(["main", "master", "trunk", "develop"]);

/** Reads the default branch and GitHub `owner/name` of the repository at `root`. */
export async function detectGit(root: string): Promise<GitDetection> {
  const [config, refs, head] = await Promise.all([
    runGit(root, ["config", "-z", "--get-regexp", "^(remote\\..+\\.url|init\\.defaultbranch)$"]),
    runGit(root, ["for-each-ref", "--format=%(refname)%09%(symref)", "refs/heads", "refs/remotes"]),
    // symbolic-ref rather than rev-parse: it also names the branch of a repo with no commits.
    runGit(root, ["symbolic-ref", "-q", "--short", "HEAD"]),
  ]);

  const remotes: { name: string; url: string }[] = [];
  let initDefaultBranch: string | undefined;
  // -z output is "key\nvalue\0" per entry; remote names keep their case, the rest is lowered.
  for (const entry of config.stdout.split("\0")) {
    const newline = entry.indexOf("\n");
    if (newline === -1) continue;
    const key = entry.slice(0, newline);
    const value = entry.slice(newline + 1).trim();
    if (key === "init.defaultbranch") initDefaultBranch = value;
    const remote = /^remote\.(.+)\.url$/.exec(key);
    if (remote?.[1] && !remotes.some((known) => known.name === remote[1])) {
      remotes.push({ name: remote[1], url: value });
    }
  }

  const localBranches: string[] = [];
  const remoteHeads = new Map<string, string>();
  for (const line of refs.stdout.split("\n")) {
    const [refName = "", target = ""] = line.split("\t");
    if (refName.startsWith("refs/heads/")) localBranches.push(refName.slice("refs/heads/".length));
    const remoteHead = /^refs\/remotes\/(.+)\/HEAD$/.exec(refName);
    if (remoteHead?.[1] && target.startsWith(`refs/remotes/${remoteHead[1]}/`)) {
      remoteHeads.set(remoteHead[1], target.slice(`refs/remotes/${remoteHead[1]}/`.length));
    }
  }

  const origin = remotes.find((remote) => remote.name === "origin");
  const githubRemote = [origin, ...remotes].find(
    (remote) => remote !== undefined && parseGitHubRemote(remote.url) !== undefined,
  );
  const currentBranch = head.ok && head.stdout.trim() !== "" ? head.stdout.trim() : undefined;

  return {
    defaultBranch: chooseDefaultBranch({
      originHead: remoteHeads.get("origin") ?? (githubRemote && remoteHeads.get(githubRemote.name)),
      initDefaultBranch,
      currentBranch,
      localBranches,
    }),
    githubRepo: githubRemote ? parseGitHubRemote(githubRemote.url) : undefined,
    remotes,
  };
}

/**
 * The remote's HEAD is the truth when a clone recorded it. Otherwise `init.defaultBranch`, but
 * only if this repo has that branch (it is a setting for new repos, not a fact about this
 * one); then a conventional current branch; then the only branch there is.
 */
export function chooseDefaultBranch(state: {
  originHead?: string;
  initDefaultBranch?: string;
  currentBranch?: string;
  localBranches: readonly string[];
}): string | undefined {
  if (state.originHead) return state.originHead;
  const { initDefaultBranch, currentBranch, localBranches } = state;
  if (
    initDefaultBranch &&
    (localBranches.includes(initDefaultBranch) || currentBranch === initDefaultBranch)
  ) {
    return initDefaultBranch;
  }
  if (currentBranch && CONVENTIONAL_DEFAULTS.has(currentBranch)) return currentBranch;
  if (localBranches.length === 1) return localBranches[0];
  // A fresh repo with no commits has no branch refs, only the unborn one HEAD names.
  if (localBranches.length === 0 && currentBranch) return currentBranch;
  return undefined;
}
