/**
 * The router's slice of the config, and the one rule about it that the schema cannot express:
 * a router reachable from other machines must require a token.
 */
import type { HarnessConfig } from "../config/schema.js";
import { ConfigError } from "../errors.js";

/** The parsed `router` section of harness.config.yaml. */
export type RouterConfig = HarnessConfig["router"];

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

/** Throws a ConfigError when the router would listen beyond loopback without a token. */
export function assertSafeToListen(config: RouterConfig): void {
  if (config.token === "" && !isLoopbackHost(config.host)) {
    throw new ConfigError(`router.host is ${config.host} but router.token is empty`, {
      hint: "set router.token (e.g. token: ${HARNESS_ROUTER_TOKEN}) or listen on 127.0.0.1",
    });
  }
}

/** Turns the usual reasons a listen fails into a config error that says what to change. */
export function listenError(error: Error, config: RouterConfig): Error {
  const code = (error as { code?: unknown }).code;
  const where = `${config.host}:${config.port}`;
  if (code === "EADDRINUSE") {
    return new ConfigError(`the router cannot listen on ${where}: the port is in use`, {
      hint: "stop whatever uses it (another router?) or set router.port",
      cause: error,
    });
  }
  if (code === "EACCES" || code === "EADDRNOTAVAIL") {
    return new ConfigError(`the router cannot listen on ${where} (${String(code)})`, {
      hint: "use a port above 1024 and an address of this machine in router.host",
      cause: error,
    });
  }
  return error;
}
