/**
 * Reads `owner/name` out of a GitHub remote URL. Only github.com counts: an Enterprise or other
 * host would need its own API base, so it is reported as not-GitHub rather than guessed.
 */

const GITHUB_HOSTS = new Set(["github.com", "www.github.com", "ssh.github.com"]);
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const REPO_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * `owner/name` for https, http, git, ssh:// and scp-style (git@github.com:o/r) URLs on
 * github.com, with or without ".git" and a trailing slash; undefined for anything else.
 */
export function parseGitHubRemote(url: string): string | undefined {
  const trimmed = url.trim();
  let host: string;
  let repoPath: string;
  const withScheme =
    /^(?:https?|ssh|git|git\+ssh|ssh\+git):\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/(.*)$/i.exec(trimmed);
  const scpStyle = /^(?:[^@/]+@)?([^/:]+):(?!\/)(.*)$/.exec(trimmed);
  if (withScheme) {
    host = withScheme[1] ?? "";
    repoPath = withScheme[2] ?? "";
  } else if (scpStyle) {
    host = scpStyle[1] ?? "";
    repoPath = scpStyle[2] ?? "";
  } else {
    return undefined;
  }
  if (!GITHUB_HOSTS.has(host.toLowerCase())) return undefined;

  const segments = repoPath.replace(/\/+$/, "").split("/");
  if (segments.length !== 2) return undefined;
  const owner = segments[0] ?? "";
  const name = (segments[1] ?? "").replace(/\.git$/i, "");
  if (!OWNER.test(owner) || !REPO_NAME.test(name) || name === "." || name === "..") {
    return undefined;
  }
  return `${owner}/${name}`;
}
