/**
 * The agent CLIs harness can drive. Each is optional (harness has a built-in agent), so a missing
 * one is a warning with the install command; the summary warns when none is available.
 */
import { firstLine, type CheckResult, type DoctorEnvironment } from "./check-result.js";

/** An agent CLI harness knows how to run, and the npm package that installs it. */
export interface AgentCli {
  command: string;
  npmPackage: string;
}

export const AGENT_CLIS: readonly AgentCli[] = [
  { command: "claude", npmPackage: "@anthropic-ai/claude-code" },
  { command: "codex", npmPackage: "@openai/codex" },
  { command: "gemini", npmPackage: "@google/gemini-cli" },
];

const VERSION_TIMEOUT_MS = 5_000;

export async function checkAgentCli(
  environment: DoctorEnvironment,
  cli: AgentCli,
): Promise<CheckResult> {
  const install = `npm i -g ${cli.npmPackage}`;
  const outcome = await environment.run(cli.command, ["--version"], {
    cwd: environment.cwd,
    timeoutMs: VERSION_TIMEOUT_MS,
  });
  if (!outcome.found) {
    return { name: cli.command, status: "warn", detail: "not installed (optional)", fix: install };
  }
  if (outcome.timedOut) {
    return {
      name: cli.command,
      status: "warn",
      detail: `installed, but \`${cli.command} --version\` gave no answer within ${VERSION_TIMEOUT_MS / 1000} s`,
      fix: `run ${cli.command} --version by hand; reinstall with ${install} if it hangs`,
    };
  }
  const version = firstLine(outcome.stdout) || firstLine(outcome.stderr);
  if (outcome.exitCode !== 0) {
    return {
      name: cli.command,
      status: "warn",
      detail: `installed, but \`${cli.command} --version\` failed${version ? `: ${version}` : ""}`,
      fix: `reinstall with ${install}`,
    };
  }
  return { name: cli.command, status: "ok", detail: version || "installed" };
}

/** One line about the set: which CLIs answered, or a warning that only the built-in agent is left. */
export function summarizeAgentClis(results: readonly CheckResult[]): CheckResult {
  const available = results.filter((result) => result.status === "ok").map((result) => result.name);
  if (available.length > 0) {
    return {
      name: "agent-cli",
      status: "ok",
      detail: `${available.length} of ${results.length} available: ${available.join(", ")}`,
    };
  }
  return {
    name: "agent-cli",
    status: "warn",
    detail: "no agent CLI is available; harness will use its built-in agent",
    fix: `install one: ${AGENT_CLIS.map((cli) => `npm i -g ${cli.npmPackage}`).join(", or ")}`,
  };
}
