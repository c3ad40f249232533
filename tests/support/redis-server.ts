/**
 * A real redis-server for tests: a free loopback port, its own temp folder, stopped by PID.
 * Tests need Debian's `redis-server` (apt-get install -y redis-server; CI installs it). Without
 * it they fail with that hint, unless HARNESS_SKIP_REDIS_TESTS=1 says to skip them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants } from "node:fs";
import net from "node:net";
import path from "node:path";

import { createTempDir, type TempDir } from "./temp-dir.js";

/** True when HARNESS_SKIP_REDIS_TESTS=1: Redis test files skip instead of failing. */
export const skipRedisTests = process.env.HARNESS_SKIP_REDIS_TESTS === "1";

export interface RedisServer {
  url: string;
  port: number;
  /** The server's working folder (the append-only file lives here when `persist` is on). */
  dir: string;
  /** Shuts the server down (SIGTERM, which flushes the append-only file); safe to call twice. */
  stop(): Promise<void>;
  /** Starts it again on the same port and folder (after `stop`), with the data it persisted. */
  restart(): Promise<void>;
  /** SIGSTOP: the server keeps its connections but answers nothing. */
  pause(): void;
  /** SIGCONT after `pause`. */
  resume(): void;
  /** Stops the server and removes its folder. */
  dispose(): Promise<void>;
}

export interface StartRedisOptions {
  /** appendonly yes in the temp folder, so `restart` finds the data again. Default false. */
  persist?: boolean;
}

function findRedisServer(): string {
  const candidates = [
    process.env.REDIS_SERVER_BIN,
    "/usr/bin/redis-server",
    ...(process.env.PATH ?? "").split(path.delimiter).map((dir) => path.join(dir, "redis-server")),
  ];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    "redis-server is not installed: install redis-server: apt-get install -y redis-server " +
      "(or set HARNESS_SKIP_REDIS_TESTS=1 to skip the Redis tests).",
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True once something on the port answers PING with +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

async function waitForPing(port: number, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`redis-server exited with ${child.exitCode}:\n${output()}`);
    }
    if (await ping(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not answer PING on port ${port} within 10 s:\n${output()}`);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const binary = findRedisServer();
  const temp: TempDir = await createTempDir("harness-redis");
  const port = await freePort();
  let child: ChildProcess | undefined;
  let log = "";

  const launch = async () => {
    log = "";
    const args = [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      temp.path,
      "--save",
      "",
      "--appendonly",
      options.persist ? "yes" : "no",
      "--appendfsync",
      "always",
      "--daemonize",
      "no",
      "--logfile",
      "",
    ];
    const started = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    started.stdout?.on("data", (chunk: Buffer) => (log += chunk.toString()));
    started.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString()));
    child = started;
    await waitForPing(port, started, () => log);
  };

  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    running.kill("SIGCONT");
    running.kill("SIGTERM");
    await exited(running);
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir: temp.path,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
    pause: () => child?.kill("SIGSTOP"),
    resume: () => child?.kill("SIGCONT"),
    dispose: async () => {
      await stop();
      await temp.remove();
    },
  };
}
