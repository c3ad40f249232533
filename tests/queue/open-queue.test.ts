/** Choosing the queue driver from the config, and where the file queue lives. */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";

import { ConfigError } from "../../src/errors.js";
import { defaultConfig } from "../../src/config/schema.js";
import {
  describeQueueLocation,
  findRepoRoot,
  openQueue,
  queueDir,
  redactUrl,
} from "../../src/queue/open-queue.js";
import { startRedis, skipRedisTests, type RedisServer } from "../support/redis-server.js";
import { createTempGitRepo, type TempGitRepo } from "../support/temp-git-repo.js";

let repo: TempGitRepo | undefined;
let redis: RedisServer | undefined;
afterEach(async () => {
  repo?.cleanup();
  repo = undefined;
  await redis?.dispose();
  redis = undefined;
});

describe("openQueue", () => {
  it("finds the repository from a sub-folder and keeps the file queue in .harness/queue", async () => {
    repo = createTempGitRepo({ "src/index.ts": "export {};\n" });
    const sub = path.join(repo.root, "src", "deep");
    mkdirSync(sub, { recursive: true });
    const root = findRepoRoot(sub);
    expect(root).toBe(repo.root);
    expect(findRepoRoot(sub, path.join(repo.root, "harness.config.yaml"))).toBe(repo.root);

    const queue = await openQueue({ config: defaultConfig(), root });
    try {
      expect(queue.driver).toBe("file");
      await queue.enqueue({ id: "1-a", title: "a" });
      expect((await queue.stats()).pending).toBe(1);
    } finally {
      await queue.close();
    }
    expect(describeQueueLocation(defaultConfig(), root)).toBe(queueDir(root));
    expect(queueDir(root)).toBe(path.join(repo.root, ".harness", "queue"));
  });

  it("refuses the redis driver without a URL and never prints a password", async () => {
    const config = defaultConfig();
    config.queue = { ...config.queue, driver: "redis" };
    await expect(openQueue({ config, root: "/tmp" })).rejects.toBeInstanceOf(ConfigError);
    expect(redactUrl("redis://user:secret@host:6379/0")).toBe("redis://user:***@host:6379/0");
    config.queue.url = "redis://:secret@host:6379";
    expect(describeQueueLocation(config, "/tmp")).not.toContain("secret");
  });

  it.skipIf(skipRedisTests)(
    "opens the Redis driver the config names",
    async () => {
      redis = await startRedis();
      const config = defaultConfig();
      config.queue = { ...config.queue, driver: "redis", url: redis.url, name: "open-test" };
      const queue = await openQueue({ config, root: "/tmp" });
      try {
        expect(queue.driver).toBe("redis");
        await queue.enqueue({ id: "1-a", title: "a" });
        expect((await queue.get("1-a"))?.title).toBe("a");
      } finally {
        await queue.close();
      }
    },
    30_000,
  );
});
