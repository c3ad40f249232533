/**
 * The one ioredis client a Redis queue uses, and how its failures reach callers.
 *
 * Redis down: commands fail at once (no offline queue, no retries per request, a command
 * timeout), an operation waits `connectTimeoutMs` for a reconnection and then throws
 * `QueueUnavailableError`; the client keeps reconnecting in the background, so the queue works
 * again when Redis is back.
 */
import { Redis } from "ioredis";
import type { Command } from "ioredis";

import { HarnessError } from "../errors.js";
import { QueueUnavailableError } from "./errors.js";
import { errorMessage } from "./types.js";

export interface RedisConnectionOptions {
  url: string;
  /** Names the client in `CLIENT LIST`. */
  connectionName: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

const connectionErrorPattern =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|Connection is closed|Stream isn't writeable|enableOfflineQueue|MaxRetriesPerRequest|Command timed out|Socket closed/i;

/**
 * An ioredis client that sends the commands of one turn of the event loop as one write. ioredis
 * writes each command to the socket by itself; with many claim loops in one process, one read
 * of replies resumes several loops, and each loop's next command cost a write (and a syscall at
 * both ends) of its own. Here the first command of a turn corks the socket and the turn's end
 * (`process.nextTick`, which runs once the promise callbacks have settled) uncorks it. The order
 * of commands does not change, and none waits longer than the turn that sent it.
 */
class CoalescingRedis extends Redis {
  private corkedSocket: unknown;

  override sendCommand(command: Command, stream?: Parameters<Redis["sendCommand"]>[1]): unknown {
    // Undefined before the first connect, whatever the typings say.
    const socket = this.stream as Redis["stream"] | undefined;
    if (socket && this.corkedSocket !== socket) {
      this.corkedSocket = socket;
      socket.cork();
      process.nextTick(() => {
        this.corkedSocket = undefined;
        socket.uncork();
      });
    }
    return super.sendCommand(command, stream);
  }
}

export class RedisConnection {
  readonly client: Redis;
  /** The last connection error, for the message when an operation gives up waiting. */
  lastError: unknown;

  constructor(private readonly options: RedisConnectionOptions) {
    this.client = new CoalescingRedis(options.url, {
      // Fail fast while Redis is away instead of queueing commands forever; reconnect in the
      // background. (BullMQ wants maxRetriesPerRequest null only for blocking fetches, which a
      // manual-mode worker never makes.)
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: options.connectTimeoutMs,
      commandTimeout: options.commandTimeoutMs,
      retryStrategy: (times) => Math.min(100 * times, 1_000),
      connectionName: options.connectionName,
    });
    this.client.on("error", (error: unknown) => (this.lastError = error));
  }

  /** Resolves once the client is ready; `QueueUnavailableError` after `connectTimeoutMs`. */
  async ready(): Promise<void> {
    const { client } = this;
    if (client.status === "ready") return;
    await new Promise<void>((resolve, reject) => {
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        client.off("ready", onReady);
        reject(this.unavailable(this.lastError ?? new Error(`status ${client.status}`)));
      }, this.options.connectTimeoutMs);
      client.once("ready", onReady);
    });
  }

  /** Waits for the connection, runs the operation and turns connection failures into
   * `QueueUnavailableError`. */
  async run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.client.status !== "ready") await this.ready();
    try {
      return await operation();
    } catch (error) {
      if (error instanceof HarnessError) throw error;
      const text = errorMessage(error);
      if (connectionErrorPattern.test(text) || this.client.status !== "ready") {
        throw this.unavailable(error);
      }
      throw error;
    }
  }

  unavailable(cause: unknown): QueueUnavailableError {
    return new QueueUnavailableError(
      `Redis at ${redactUrl(this.options.url)} is not reachable (${errorMessage(cause)}).`,
      {
        hint: "Start redis-server there (or check the address), or set queue.url in harness.config.yaml to a reachable Redis; queued items are kept in Redis.",
        cause,
      },
    );
  }

  /** Quits politely when Redis answers, then drops the socket. */
  async close(): Promise<void> {
    if (this.client.status === "ready") await settleWithin(this.client.quit(), 2_000);
    this.client.disconnect();
  }
}

/** Waits for `promise` (ignoring its failure) at most `ms`. */
export function settleWithin(promise: Promise<unknown>, ms: number): Promise<unknown> {
  return Promise.race([
    promise.catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, ms).unref()),
  ]);
}

/** The first error of a MULTI or pipeline, else the replies. */
export function replies(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new Error("Redis aborted the transaction");
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}
