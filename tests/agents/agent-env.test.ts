import { describe, expect, it } from "vitest";
import { agentEnvironment, isSafeEnvName } from "../../src/agents/agent-env.js";

describe("agentEnvironment", () => {
  const parent = {
    PATH: "/usr/local/bin:/usr/bin",
    HOME: "/home/dev",
    USER: "dev",
    SHELL: "/bin/bash",
    LANG: "en_US.UTF-8",
    LC_ALL: "en_US.UTF-8",
    TERM: "xterm-256color",
    TMPDIR: "/tmp",
    CI: "true",
    GIT_AUTHOR_NAME: "Dev",
    // Everything below must be dropped.
    GITHUB_TOKEN: "ghp_1",
    GH_TOKEN: "gho_2",
    GH_ENTERPRISE_TOKEN: "ghe_3",
    ANTHROPIC_API_KEY: "sk-ant-4",
    ANTHROPIC_AUTH_TOKEN: "tok-5",
    OPENAI_API_KEY: "sk-6",
    NPM_TOKEN: "npm_7",
    npm_config__authToken: "npm_8",
    AWS_ACCESS_KEY_ID: "AKIA9",
    AWS_SECRET_ACCESS_KEY: "aws10",
    AWS_PROFILE: "prod",
    DATABASE_URL: "postgres://user:pw11@db/app",
    STRIPE_SECRET: "sk_live_12",
    SMTP_PASSWORD: "pw13",
    SENTRY_AUTH_TOKEN: "st14",
    SSH_AUTH_SOCK: "/tmp/ssh-agent.sock",
    GPG_AGENT_INFO: "/run/gpg",
    XDG_RUNTIME_DIR: "/run/user/1000",
    NODE_OPTIONS: "--inspect",
    GIT_ASKPASS: "/usr/bin/askpass",
    HARNESS_HOME: "/home/dev/.harness",
  };

  it("keeps only allow-listed names", () => {
    expect(agentEnvironment(parent)).toEqual({
      PATH: "/usr/local/bin:/usr/bin",
      HOME: "/home/dev",
      USER: "dev",
      SHELL: "/bin/bash",
      LANG: "en_US.UTF-8",
      LC_ALL: "en_US.UTF-8",
      TERM: "xterm-256color",
      TMPDIR: "/tmp",
      CI: "true",
      GIT_AUTHOR_NAME: "Dev",
    });
  });

  it("leaves no secret value behind", () => {
    const text = JSON.stringify(agentEnvironment(parent));
    for (const secret of [
      "ghp_1",
      "gho_2",
      "ghe_3",
      "sk-ant-4",
      "tok-5",
      "sk-6",
      "npm_7",
      "npm_8",
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/AKIA9|aws10|pw11|sk_live_12|pw13|st14|ssh-agent/);
  });

  it("adds extra after the filter, even names the filter would drop", () => {
    const env = agentEnvironment(parent, {
      ANTHROPIC_BASE_URL: "http://127.0.0.1:8788",
      ANTHROPIC_API_KEY: "router-token",
      PATH: "/opt/bin",
    });
    expect(env.ANTHROPIC_BASE_URL).toBe("http://127.0.0.1:8788");
    expect(env.ANTHROPIC_API_KEY).toBe("router-token");
    expect(env.PATH).toBe("/opt/bin");
    expect(env.GITHUB_TOKEN).toBeUndefined();
  });

  it("does not change the parent", () => {
    const copy = { ...parent };
    agentEnvironment(parent, { X: "1" });
    expect(parent).toEqual(copy);
  });

  it("passes proxies without credentials and exempts loopback from them", () => {
    const env = agentEnvironment({
      HTTPS_PROXY: "http://proxy.corp:3128",
      https_proxy: "http://proxy.corp:3128",
      NO_PROXY: "internal.corp, .local",
    });
    expect(env.HTTPS_PROXY).toBe("http://proxy.corp:3128");
    expect(env.https_proxy).toBe("http://proxy.corp:3128");
    expect(env.NO_PROXY).toBe("internal.corp,.local,127.0.0.1,localhost,::1");
    expect(env.no_proxy).toBe(env.NO_PROXY);
  });

  it("drops a proxy with a password in it, and leaves NO_PROXY alone without proxies", () => {
    const env = agentEnvironment({
      HTTP_PROXY: "http://me:secret@proxy.corp:3128",
      NO_PROXY: "internal.corp",
    });
    expect(env).toEqual({});
    expect(agentEnvironment({ HTTPS_PROXY: "proxy.corp:3128" }).HTTPS_PROXY).toBe(
      "proxy.corp:3128",
    );
  });

  it("answers isSafeEnvName for names and locale prefixes", () => {
    expect(isSafeEnvName("PATH")).toBe(true);
    expect(isSafeEnvName("LC_CTYPE")).toBe(true);
    expect(isSafeEnvName("MY_API_KEY")).toBe(false);
    expect(isSafeEnvName("path")).toBe(false);
  });
});
