/**
 * Finds a GitHub token without calling the network and without ever showing it: only where it
 * came from is reported. Order: GITHUB_TOKEN, GH_TOKEN, github.token in the config, `gh auth token`.
 */
import type { CheckResult, DoctorEnvironment } from "./check-result.js";

export const GITHUB_TOKEN_FIX =
  "create a fine-grained token with Issues and Pull requests read/write " +
  "(https://github.com/settings/personal-access-tokens/new) and export GITHUB_TOKEN=..., " +
  "or install the gh CLI and run gh auth login";

export async function checkGithubToken(
  environment: DoctorEnvironment,
  configuredToken?: string,
): Promise<CheckResult> {
  for (const variable of ["GITHUB_TOKEN", "GH_TOKEN"] as const) {
    if (environment.env[variable]?.trim()) {
      return { name: "github-token", status: "ok", detail: `found in ${variable}` };
    }
  }
  if (configuredToken?.trim()) {
    return {
      name: "github-token",
      status: "ok",
      detail: "found in github.token in harness.config.yaml",
    };
  }
  // `gh auth token` reads gh's local credential store; stdout is the token, so it is only tested
  // for being non-empty and then dropped.
  const outcome = await environment.run("gh", ["auth", "token"], {
    cwd: environment.cwd,
    timeoutMs: 5_000,
  });
  if (outcome.found && outcome.exitCode === 0 && outcome.stdout.trim() !== "") {
    return {
      name: "github-token",
      status: "ok",
      detail: "from `gh auth token` (gh CLI is logged in)",
    };
  }
  const why = !outcome.found
    ? "GITHUB_TOKEN and GH_TOKEN are not set and the gh CLI is not installed"
    : outcome.timedOut
      ? "GITHUB_TOKEN and GH_TOKEN are not set and `gh auth token` timed out"
      : "GITHUB_TOKEN and GH_TOKEN are not set and the gh CLI is not logged in";
  return {
    name: "github-token",
    status: "warn",
    detail: `no GitHub token: ${why}`,
    fix: GITHUB_TOKEN_FIX,
  };
}
