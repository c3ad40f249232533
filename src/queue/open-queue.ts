/**
 * Opens the queue the config names: the file queue under `<repo>/.harness/queue` (default) or
 * Redis through BullMQ. Drivers are imported on demand so commands that never touch Redis do
 * not load BullMQ.
 */
import { existsSync } from "node:fs";
import path from "node:path";

import { ConfigError } from "../errors.js";
import type { HarnessConfig } from "../config/schema.js";
import type { EventSink } from "../events.js";
import { defaultQueueSettings, type Queue, type QueueSettings } from "./types.js";

/** The repository a command works on: the config's folder, else the nearest git root, else cwd. */
export function findRepoRoot(cwd: string, configPath?: string): string {
  if (configPath) return path.dirname(configPath);
  let dir = path.resolve(cwd);
  for (;;) {
    if (existsSync(path.join(dir, ".git"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(cwd);
    dir = parent;
  }
}

export function queueDir(root: string): string {
  return path.join(root, ".harness", "queue");
}

export function queueSettings(config: HarnessConfig): QueueSettings {
  return {
    ...defaultQueueSettings,
    leaseMs: config.queue.leaseMs,
    maxAttempts: config.queue.maxAttempts,
    backoffMs: config.queue.backoffMs,
  };
}

/** Describes where the queue lives, for messages: a folder or a redis URL without password. */
export function describeQueueLocation(config: HarnessConfig, root: string): string {
  if (config.queue.driver === "file") return queueDir(root);
  return `${redactUrl(config.queue.url ?? "")} (queue ${config.queue.name})`;
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

export async function openQueue(options: {
  config: HarnessConfig;
  root: string;
  /** Names this process in leases (default host:pid). */
  worker?: string;
  /** Receives `item-recovered` when this process takes back an item whose lease ran out. */
  events?: EventSink;
}): Promise<Queue> {
  const { config } = options;
  const settings = queueSettings(config);
  if (config.queue.driver === "redis") {
    if (!config.queue.url) {
      throw new ConfigError("queue.driver is redis but queue.url is not set", {
        hint: "set queue.url to redis://host:6379/0 (or ${REDIS_URL}), or use driver: file",
      });
    }
    const { createRedisQueue } = await import("./redis-queue.js");
    return createRedisQueue({
      url: config.queue.url,
      name: config.queue.name,
      settings,
      ...(options.worker ? { worker: options.worker } : {}),
      ...(options.events ? { events: options.events } : {}),
    });
  }
  const { createFileQueue } = await import("./file-queue.js");
  return createFileQueue({
    dir: queueDir(options.root),
    settings,
    ...(options.worker ? { worker: options.worker } : {}),
    ...(options.events ? { events: options.events } : {}),
  });
}
