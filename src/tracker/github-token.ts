/**
 * Finds the GitHub token without ever showing it: callers get the token and where it came
 * from, and only the source is ever printed. Order: GITHUB_TOKEN, GH_TOKEN, `github.token` from
 * the config, then `gh auth token` when the gh CLI is installed and logged in (the same order
 * `harness doctor` reports).
 */
import { execa } from "execa";
import { killProcessGroup } from "../process-group.js";

export type GitHubTokenSource = "GITHUB_TOKEN" | "GH_TOKEN" | "config" | "gh-cli";

export interface ResolvedGitHubToken {
  token: string;
  source: GitHubTokenSource;
}

export interface ResolveGitHubTokenOptions {
  /** `github.token` from harness.config.yaml (after `${VAR}` expansion). */
  configToken?: string;
  /**
   * Ask `gh auth token` as the last resort; false skips it. `hostname` picks a GitHub Enterprise
   * host; the program is found on the PATH of `env`.
   */
  ghCli?: false | { hostname?: string; timeoutMs?: number };
}

const GH_TIMEOUT_MS = 5_000;

/** Where the token came from, in words; safe to print (it never holds the token). */
export function describeTokenSource(source: GitHubTokenSource): string {
  switch (source) {
    case "GITHUB_TOKEN":
    case "GH_TOKEN":
      return `the ${source} environment variable`;
    case "config":
      return "github.token in harness.config.yaml";
    case "gh-cli":
      return "`gh auth token` (the gh CLI is logged in)";
  }
}

export async function resolveGitHubToken(
  env: NodeJS.ProcessEnv,
  options: ResolveGitHubTokenOptions = {},
): Promise<ResolvedGitHubToken | undefined> {
  for (const variable of ["GITHUB_TOKEN", "GH_TOKEN"] as const) {
    const token = env[variable]?.trim();
    if (token) return { token, source: variable };
  }
  const configToken = options.configToken?.trim();
  if (configToken) return { token: configToken, source: "config" };
  if (options.ghCli === false) return undefined;

  const ghOptions = options.ghCli ?? {};
  const args = ["auth", "token"];
  if (ghOptions.hostname) args.push("--hostname", ghOptions.hostname);
  // No shell, stdin closed, the caller's environment only (its PATH decides which gh runs),
  // and a short timeout: a gh waiting on a keychain prompt must not stall the loop.
  // Its own process group (detached), killed whole when gh ends or times out: a wrapper
  // script's child that keeps stdout open would otherwise hold the call past the timeout.
  const subprocess = execa("gh", args, {
    env: { ...env, GH_PROMPT_DISABLED: "1", NO_COLOR: "1" },
    extendEnv: false,
    stdin: "ignore",
    reject: false,
    timeout: ghOptions.timeoutMs ?? GH_TIMEOUT_MS,
    detached: true,
    stripFinalNewline: true,
  });
  subprocess.on("exit", () => killProcessGroup(subprocess.pid));
  const result = await subprocess;
  // Not installed, not logged in, timed out: all mean "no token from gh". Its output is never
  // passed on, since stderr could echo part of a credential store's contents.
  if (result.failed || result.exitCode !== 0) return undefined;
  const token = typeof result.stdout === "string" ? result.stdout.trim() : "";
  if (token === "" || /\s/.test(token)) return undefined;
  return { token, source: "gh-cli" };
}
