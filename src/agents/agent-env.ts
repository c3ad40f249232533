/**
 * The environment an agent's process (and every command it runs) gets. It is built from an
 * allow-list, not a deny-list: a variable reaches the agent only if its name is known to be
 * harmless (locale, terminal, tool locations, git identity). A deny-list has to guess every
 * way a secret can be named (GITHUB_TOKEN, GH_ENTERPRISE_TOKEN, AWS_*, NPM_TOKEN,
 * DATABASE_URL with a password in it, a CI's own names, ...) and fails open on the one it
 * missed; an allow-list fails closed, and the worst case is a tool that cannot find its cache.
 *
 * Left out on purpose:
 * - every *_TOKEN / *_API_KEY / *_SECRET / *_PASSWORD, AWS_*, GH_*, NPM_* and npm_config_* (an
 *   npm `_authToken` can hide there), DATABASE_URL-style connection strings;
 * - SSH_AUTH_SOCK, GPG_AGENT_INFO, XDG_RUNTIME_DIR, DBUS_SESSION_BUS_ADDRESS: sockets of
 *   agents that sign or unlock on the user's behalf;
 * - NODE_OPTIONS: the harness's own `--inspect` / `--require` flags must not leak into the
 *   project's test runs;
 * - GIT_ASKPASS, GIT_SSH_COMMAND, SSH_ASKPASS: credential helpers.
 * Proxy variables pass only without credentials in them (`http://user:pass@proxy` is dropped),
 * and then loopback is added to NO_PROXY so the agent still reaches the local router.
 *
 * `extra` (the router URL, a router token, runner settings) is added after the filter: the
 * caller chose those values.
 */

/** Names passed through unchanged when the parent has them. */
export const SAFE_ENV_NAMES: ReadonlySet<string> = new Set([
  // Where things are and who is running.
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "TMPDIR",
  "TMP",
  "TEMP",
  // Language and terminal.
  "LANG",
  "LANGUAGE",
  "TZ",
  "TERM",
  "COLORTERM",
  "NO_COLOR",
  "FORCE_COLOR",
  "CI",
  // Per-user tool folders (config, caches); the files in them are not environment variables.
  "XDG_CONFIG_HOME",
  "XDG_CACHE_HOME",
  "XDG_DATA_HOME",
  "XDG_STATE_HOME",
  // Toolchains the project's own commands need.
  "JAVA_HOME",
  "GOPATH",
  "GOROOT",
  "GOCACHE",
  "GOMODCACHE",
  "CARGO_HOME",
  "RUSTUP_HOME",
  "PYENV_ROOT",
  "VIRTUAL_ENV",
  "CONDA_PREFIX",
  "NVM_DIR",
  "NVM_BIN",
  "PNPM_HOME",
  "BUN_INSTALL",
  "DENO_DIR",
  "VOLTA_HOME",
  // Git identity and config location (never its credential helpers).
  "GIT_AUTHOR_NAME",
  "GIT_AUTHOR_EMAIL",
  "GIT_COMMITTER_NAME",
  "GIT_COMMITTER_EMAIL",
  "GIT_CONFIG_GLOBAL",
  "GIT_CONFIG_NOSYSTEM",
]);

/** Prefixes passed through: locale categories only. */
const SAFE_ENV_PREFIXES: readonly string[] = ["LC_"];

const PROXY_NAMES: readonly string[] = [
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "ALL_PROXY",
  "http_proxy",
  "https_proxy",
  "all_proxy",
];

const LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1"];

/** True when `name` may pass from the harness's environment to an agent's. */
export function isSafeEnvName(name: string): boolean {
  return SAFE_ENV_NAMES.has(name) || SAFE_ENV_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/**
 * The agent's environment: the allow-listed part of `env`, proxies without credentials (with
 * loopback exempted), then `extra`. Never pass `process.env` to an agent without this.
 */
export function agentEnvironment(
  env: NodeJS.ProcessEnv,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && isSafeEnvName(name)) result[name] = value;
  }
  let proxied = false;
  for (const name of PROXY_NAMES) {
    const value = env[name];
    if (value && !hasCredentials(value)) {
      result[name] = value;
      proxied = true;
    }
  }
  if (proxied) {
    for (const name of ["NO_PROXY", "no_proxy"]) {
      result[name] = withLoopback(env[name] ?? env.NO_PROXY ?? env.no_proxy ?? "");
    }
  }
  return { ...result, ...extra };
}

function hasCredentials(proxyUrl: string): boolean {
  try {
    const url = new URL(proxyUrl.includes("://") ? proxyUrl : `http://${proxyUrl}`);
    return url.username !== "" || url.password !== "";
  } catch {
    // Not a URL we can read: it could be anything, so it does not pass.
    return true;
  }
}

function withLoopback(noProxy: string): string {
  const entries = noProxy
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  for (const host of LOOPBACK_HOSTS) if (!entries.includes(host)) entries.push(host);
  return entries.join(",");
}
