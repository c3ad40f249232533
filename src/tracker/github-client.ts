/**
 * The one place an Octokit is built: @octokit/rest with the throttling plugin (waits out primary
 * and secondary rate limits a bounded number of times, spaces writes as GitHub asks) and the
 * retry plugin (network failures and 5xx answers, with backoff). Octokit's own logger goes to
 * the injected notice sink, never to the console.
 */
import { createHash } from "node:crypto";

import { retry } from "@octokit/plugin-retry";
import { throttling, type ThrottlingOptions } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";

import { harnessVersion } from "../version.js";
import { redact } from "./github-errors.js";
import type { TrackerNoticeSink } from "./types.js";

const HarnessOctokit = Octokit.plugin(throttling, retry);
export type GitHubClient = InstanceType<typeof HarnessOctokit>;

export const GITHUB_API_URL = "https://api.github.com";

/** How patient the client is. Defaults suit a scheduled run; tests shrink the waits. */
export interface GitHubLimits {
  /** Waits for a rate limit (primary or secondary) before a request gives up. Default 2. */
  rateLimitRetries?: number;
  /** A rate limit that lifts later than this (seconds) fails at once. Default 60. */
  maxRateLimitWaitSeconds?: number;
  /** Retries of network failures and 5xx answers (after 1, 4, 9 s). Default 3. */
  retries?: number;
  /** Milliseconds in one second of waiting; tests set 1 to make waits short. Default 1000. */
  msPerSecond?: number;
  /**
   * Space writes as GitHub asks of API clients (one a second, one every three seconds for
   * writes that notify people, such as comments and pull requests). Default true; only an
   * emulator should be written to without it.
   */
  paceWrites?: boolean;
}

export interface GitHubClientOptions {
  token: string;
  /** API base; GitHub Enterprise uses `https://<host>/api/v3`. Default api.github.com. */
  baseUrl?: string;
  limits?: GitHubLimits;
  onNotice?: TrackerNoticeSink;
}

type BottleneckGroup = NonNullable<ThrottlingOptions["write"]>;

/** A stand-in for a Bottleneck group that runs every job at once (no pacing). */
function unpacedGroup(): BottleneckGroup {
  const limiter = {
    schedule: (...args: unknown[]) => {
      // schedule([options,] job, ...jobArgs), as Bottleneck takes it.
      const [first, ...rest] = args;
      const [job, ...jobArgs] = (typeof first === "function" ? args : rest) as [
        (...jobArgs: unknown[]) => unknown,
        ...unknown[],
      ];
      return Promise.resolve().then(() => job(...jobArgs));
    },
  };
  return { key: () => limiter } as unknown as BottleneckGroup;
}

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const limits = options.limits ?? {};
  const notify = options.onNotice ?? (() => {});
  const baseUrl = (options.baseUrl ?? GITHUB_API_URL).replace(/\/+$/, "");
  const rateLimitRetries = limits.rateLimitRetries ?? 2;
  const maxWait = limits.maxRateLimitWaitSeconds ?? 60;
  const msPerSecond = limits.msPerSecond ?? 1000;

  const onLimit =
    (which: string) =>
    (
      retryAfter: number,
      request: { method: string; url: string },
      _octokit: unknown,
      count: number,
    ) => {
      const route = `${request.method} ${request.url}`;
      if (count >= rateLimitRetries || retryAfter > maxWait) {
        notify({
          kind: "warning",
          message:
            `GitHub's ${which} rate limit stopped ${route}; ` +
            (retryAfter > maxWait ? `it lifts in ${retryAfter} s, too long to wait` : "giving up"),
        });
        return false;
      }
      notify({
        kind: "rate-limited",
        message: `GitHub's ${which} rate limit hit on ${route}; retry ${count + 1} of ${rateLimitRetries} in ${retryAfter} s`,
        retryAfterSeconds: retryAfter,
      });
      return true;
    };

  const throttle: ThrottlingOptions = {
    // Requests with the same token share pacing across trackers in this process.
    id: createHash("sha256").update(`${baseUrl}\n${options.token}`).digest("hex").slice(0, 16),
    retryAfterBaseValue: msPerSecond,
    fallbackSecondaryRateRetryAfter: 60,
    onRateLimit: onLimit("primary"),
    onSecondaryRateLimit: onLimit("secondary"),
    ...(limits.paceWrites === false
      ? { write: unpacedGroup(), notifications: unpacedGroup() }
      : {}),
  };

  const quiet = () => {};
  return new HarnessOctokit({
    auth: options.token,
    baseUrl,
    userAgent: `harness/${harnessVersion()}`,
    throttle,
    retry: {
      retries: limits.retries ?? 3,
      retryAfterBaseValue: msPerSecond,
      // Rate limits (403, 429) belong to the throttling plugin; the rest are answers to act on
      // (405: a pull request GitHub will not merge; asking again changes nothing).
      doNotRetry: [400, 401, 403, 404, 405, 409, 410, 422, 429, 451],
    },
    log: {
      debug: quiet,
      info: quiet,
      warn: (message: string) =>
        notify({ kind: "warning", message: redact(String(message), options.token) }),
      // Failed requests become typed errors; logging them too would say it twice.
      error: quiet,
    },
  });
}
