/** Node must be at least the version package.json's `engines` asks for. */
import type { CheckResult } from "./check-result.js";

export const MINIMUM_NODE_VERSION = { major: 20, minor: 19 } as const;

export async function checkNodeVersion(nodeVersion: string): Promise<CheckResult> {
  const wanted = `${MINIMUM_NODE_VERSION.major}.${MINIMUM_NODE_VERSION.minor}`;
  const fix = `install Node ${wanted} or newer (https://nodejs.org, or \`nvm install 20\`)`;
  const version = nodeVersion.replace(/^v/, "");
  const match = /^(\d+)\.(\d+)/.exec(version);
  if (!match) {
    return {
      name: "node",
      status: "fail",
      detail: `cannot read the Node version "${nodeVersion}"`,
      fix,
    };
  }
  const major = Number(match[1]);
  const minor = Number(match[2]);
  const recentEnough =
    major > MINIMUM_NODE_VERSION.major ||
    (major === MINIMUM_NODE_VERSION.major && minor >= MINIMUM_NODE_VERSION.minor);
  return recentEnough
    ? { name: "node", status: "ok", detail: `Node ${version}` }
    : { name: "node", status: "fail", detail: `Node ${version} is older than ${wanted}`, fix };
}
