/**
 * Where the GitHub token comes from: GITHUB_TOKEN, GH_TOKEN, the config, then a real `gh auth
 * token` run (a fake `gh` script first on PATH stands in for the gh CLI).
 */
import { chmodSync, writeFileSync } from "node:fs";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { describeTokenSource, resolveGitHubToken } from "../../src/tracker/github-token.js";
import { createTempDir, type TempDir } from "../support/temp-dir.js";

let bin: TempDir;
const folders: TempDir[] = [];
const SYSTEM_PATH = "/usr/bin:/bin";

/** A folder whose `gh` behaves as `script` says; PATH for it. */
async function fakeGh(script: string): Promise<string> {
  const folder = await createTempDir("fake-gh");
  folders.push(folder);
  const file = path.join(folder.path, "gh");
  writeFileSync(file, `#!/bin/sh\n${script}\n`);
  chmodSync(file, 0o755);
  return `${folder.path}:${SYSTEM_PATH}`;
}

let loggedIn: string;
let loggedOut: string;
let hanging: string;
let noisy: string;

beforeAll(async () => {
  bin = await createTempDir("gh-none");
  loggedIn = await fakeGh(
    [
      'if [ "$1 $2" != "auth token" ]; then exit 2; fi',
      'if [ "$3" = "--hostname" ]; then echo "gho_enterprise_$4"; exit 0; fi',
      "echo gho_from_gh_cli",
    ].join("\n"),
  );
  loggedOut = await fakeGh('echo "no oauth token found for github.com" >&2\nexit 1');
  hanging = await fakeGh("sleep 5\necho gho_too_late");
  noisy = await fakeGh('echo "gho_two words"');
});

afterAll(async () => {
  await bin?.remove();
  for (const folder of folders) await folder.remove();
});

describe("resolveGitHubToken", () => {
  it("takes GITHUB_TOKEN first, then GH_TOKEN, then the config, then gh", async () => {
    const env = { PATH: loggedIn, GITHUB_TOKEN: " ghp_env ", GH_TOKEN: "ghp_gh_env" };
    expect(await resolveGitHubToken(env, { configToken: "ghp_config" })).toEqual({
      token: "ghp_env",
      source: "GITHUB_TOKEN",
    });
    expect(
      await resolveGitHubToken(
        { PATH: loggedIn, GH_TOKEN: "ghp_gh_env" },
        { configToken: "ghp_config" },
      ),
    ).toEqual({ token: "ghp_gh_env", source: "GH_TOKEN" });
    expect(
      await resolveGitHubToken(
        { PATH: loggedIn, GITHUB_TOKEN: "  " },
        { configToken: "ghp_config" },
      ),
    ).toEqual({ token: "ghp_config", source: "config" });
    expect(await resolveGitHubToken({ PATH: loggedIn })).toEqual({
      token: "gho_from_gh_cli",
      source: "gh-cli",
    });
  });

  it("asks gh for the Enterprise host when one is given", async () => {
    expect(
      await resolveGitHubToken({ PATH: loggedIn }, { ghCli: { hostname: "ghe.example.com" } }),
    ).toEqual({ token: "gho_enterprise_ghe.example.com", source: "gh-cli" });
  });

  it("finds nothing when gh is logged out, missing, hanging, or says something odd", async () => {
    expect(await resolveGitHubToken({ PATH: loggedOut })).toBeUndefined();
    expect(await resolveGitHubToken({ PATH: `${bin.path}:${SYSTEM_PATH}` })).toBeUndefined();
    const started = Date.now();
    expect(
      await resolveGitHubToken({ PATH: hanging }, { ghCli: { timeoutMs: 300 } }),
    ).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await resolveGitHubToken({ PATH: noisy })).toBeUndefined();
  });

  it("does not run gh when told not to", async () => {
    expect(await resolveGitHubToken({ PATH: loggedIn }, { ghCli: false })).toBeUndefined();
  });

  it("describes the source without the token", () => {
    expect(describeTokenSource("GITHUB_TOKEN")).toBe("the GITHUB_TOKEN environment variable");
    expect(describeTokenSource("gh-cli")).toContain("gh auth token");
  });
});
