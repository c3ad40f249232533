/**
 * Picks the tracker for a repository and says why: GitHub when there is a GitHub repository
 * (`github.repo` in the config, else a git remote on github.com, found the way `harness init`
 * finds it) and a token for it; otherwise the local tracker in `.harness/issues/`.
 */
import type { HarnessConfig } from "../config/schema.js";
import { detectGit } from "../project/detect-git.js";
import type { GitHubLimits } from "./github-client.js";
import type { GitHubTokenSource } from "./github-token.js";
import { LOCAL_ISSUES_DIR, LocalTracker } from "./local-tracker.js";
import type { Tracker, TrackerNoticeSink } from "./types.js";

export interface CreateTrackerOptions {
  /** The repository root. */
  root: string;
  config: Pick<HarnessConfig, "github">;
  env: NodeJS.ProcessEnv;
  /**
   * GitHub's API base for GitHub Enterprise (`https://<host>/api/v3`). Default: GITHUB_API_URL
   * from `env` (GitHub Actions sets it on Enterprise too), else api.github.com.
   */
  baseUrl?: string;
  /** false: never ask `gh auth token` (tests, or machines where gh must not run). */
  ghCli?: false | { timeoutMs?: number };
  /** Finds owner/name from the git remotes; tests replace it. */
  detectGitHubRepo?: (root: string) => Promise<string | undefined>;
  limits?: GitHubLimits;
  onNotice?: TrackerNoticeSink;
  clock?: { now(): number };
}

export interface TrackerChoice {
  tracker: Tracker;
  /** Why this tracker, for a person: where the repository and the token came from. */
  reason: string;
  /**
   * Set when a GitHub repository is known but the local tracker is used anyway (no token):
   * worth showing as a warning, since GitHub's issues will not be read.
   */
  warning?: string;
  tokenSource?: GitHubTokenSource;
}

async function repoFromRemotes(root: string): Promise<string | undefined> {
  return (await detectGit(root)).githubRepo;
}

function hostOf(baseUrl: string | undefined): string | undefined {
  if (!baseUrl) return undefined;
  try {
    const host = new URL(baseUrl).hostname;
    return host === "api.github.com" ? undefined : host;
  } catch {
    return undefined;
  }
}

export async function createTracker(options: CreateTrackerOptions): Promise<TrackerChoice> {
  const local = () =>
    new LocalTracker(options.root, { clock: options.clock, onNotice: options.onNotice });
  const configured = options.config.github.repo.trim();
  const detected = configured
    ? undefined
    : await (options.detectGitHubRepo ?? repoFromRemotes)(options.root);
  const repo = configured || detected;
  if (!repo) {
    return {
      tracker: local(),
      reason:
        `local tracker in ${LOCAL_ISSUES_DIR}: github.repo is empty in harness.config.yaml ` +
        "and no git remote points at github.com",
    };
  }
  const repoSource = configured ? "github.repo in harness.config.yaml" : "the git remote";
  // Loaded only when GitHub is in play: importing Octokit and execa takes ~150 ms here.
  const { describeTokenSource, resolveGitHubToken } = await import("./github-token.js");
  const baseUrl = options.baseUrl ?? (options.env.GITHUB_API_URL?.trim() || undefined);
  const hostname = hostOf(baseUrl);
  const token = await resolveGitHubToken(options.env, {
    configToken: options.config.github.token,
    ghCli:
      options.ghCli === false ? false : { ...options.ghCli, ...(hostname ? { hostname } : {}) },
  });
  if (!token) {
    const warning =
      `${repo} (from ${repoSource}) is on GitHub, but no token was found in GITHUB_TOKEN, ` +
      "GH_TOKEN, github.token or `gh auth token`; its issues are not read. Set GITHUB_TOKEN " +
      "(repo scope) or run `gh auth login` to use them.";
    return {
      tracker: local(),
      reason: `local tracker in ${LOCAL_ISSUES_DIR}: no GitHub token for ${repo}`,
      warning,
    };
  }
  const { GitHubTracker } = await import("./github-tracker.js");
  const tracker = new GitHubTracker({
    repo,
    token: token.token,
    baseUrl,
    limits: options.limits,
    onNotice: options.onNotice,
  });
  return {
    tracker,
    reason: `${tracker.description} (repository from ${repoSource}, token from ${describeTokenSource(token.source)})`,
    tokenSource: token.source,
  };
}
