/**
 * Starts every check at once (they are independent) and hands back their promises in a fixed
 * order, so a view can print each line as soon as it and all lines above it are known.
 */
import { loadConfig } from "../config/load-config.js";
import { AGENT_CLIS, checkAgentCli, summarizeAgentClis } from "./check-agent-clis.js";
import { checkConfig } from "./check-config.js";
import { checkGitInstalled, checkGitRepository } from "./check-git.js";
import { checkGithubToken } from "./check-github-token.js";
import { checkNodeVersion } from "./check-node-version.js";
import type { CheckResult, DoctorEnvironment } from "./check-result.js";

export function startDoctorChecks(environment: DoctorEnvironment): Promise<CheckResult>[] {
  const config = loadConfig({ cwd: environment.cwd, env: environment.env });
  const agentClis = AGENT_CLIS.map((cli) =>
    guard(cli.command, () => checkAgentCli(environment, cli)),
  );
  return [
    guard("node", () => checkNodeVersion(environment.nodeVersion)),
    guard("git", () => checkGitInstalled(environment)),
    guard("git-repository", () => checkGitRepository(environment)),
    guard("config", () => checkConfig(config, environment.cwd)),
    guard("github-token", async () =>
      checkGithubToken(environment, (await config).config?.github.token),
    ),
    ...agentClis,
    guard("agent-cli", async () => summarizeAgentClis(await Promise.all(agentClis))),
  ];
}

/** A check that throws is a bug in harness; it still becomes one failed line, not a crash. */
async function guard(name: string, check: () => Promise<CheckResult>): Promise<CheckResult> {
  try {
    return await check();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      name,
      status: "fail",
      detail: `the check itself crashed: ${message}`,
      fix: "this is a bug in harness; please report it with the output of harness doctor",
    };
  }
}
