/**
 * The one configuration schema. It gives the types, the validation messages and the defaults.
 * harness.config.yaml (written by `harness init` from templates/harness.config.yaml) documents
 * every key; tests/config keeps the two in step.
 */
import { z } from "zod";

const positiveInt = z.number().int().positive();

export const backendSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]+$/, "use letters, digits, dot, dash or underscore")
    .describe("A short unique name, used in logs, metrics and aliases."),
  kind: z
    .enum(["llama-server", "openai-compatible", "openai", "anthropic", "embedded"])
    .describe("What answers at this backend."),
  url: z
    .string()
    .optional()
    .describe("Base URL (llama-server, openai-compatible; optional for openai/anthropic)."),
  models: z
    .array(z.string().min(1))
    .default(["*"])
    .describe('Model ids this backend serves; "*" serves any.'),
  model: z
    .string()
    .optional()
    .describe("Upstream model id to send, or for embedded a GGUF path or hf: reference."),
  weight: z.number().positive().default(1).describe("Relative share for weighted strategies."),
  slots: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("Parallel requests it serves; read from llama-server /props when unset."),
  apiKey: z
    .string()
    .optional()
    .describe("Key for cloud backends; use ${ENV_VAR}, never a literal."),
  contextSize: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("embedded: context tokens per slot (default: as much as memory allows)."),
  threads: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("embedded: CPU threads (default: llama.cpp's choice)."),
});

export const thinkingLevelSchema = z.enum(["off", "low", "medium", "high"]);

export const configSchema = z.strictObject({
  version: z.literal(1).default(1).describe("Config format version."),
  project: z
    .strictObject({
      name: z.string().default("").describe("Project name, for reports."),
      defaultBranch: z.string().min(1).default("main").describe("Branch that PRs target."),
      testCommand: z
        .string()
        .default("")
        .describe("Command that runs the tests; workers run it before opening a PR."),
    })
    .prefault({}),
  github: z
    .strictObject({
      repo: z
        .string()
        .regex(/^$|^[\w.-]+\/[\w.-]+$/, "must look like owner/name")
        .default("")
        .describe("owner/name of the GitHub repository; empty uses the local tracker."),
      token: z
        .string()
        .default("")
        .describe("GitHub token; empty falls back to `gh auth token`. Never given to agents."),
    })
    .prefault({}),
  schedule: z
    .strictObject({
      cron: z.string().min(1).default("*/15 * * * *").describe("When the loop runs (cron syntax)."),
      maxIssuesPerRun: positiveInt.default(5).describe("Issues validated and planned per run."),
      workPollSeconds: positiveInt
        .default(60)
        .describe("harness daemon: how often idle workers look for new plans in the queue."),
      digestCron: z
        .string()
        .min(1)
        .default("0 7 * * *")
        .describe("harness daemon: when the daily digest is written (cron syntax)."),
    })
    .prefault({}),
  trust: z
    .strictObject({
      authorAssociations: z
        .array(
          z.enum([
            "OWNER",
            "MEMBER",
            "COLLABORATOR",
            "CONTRIBUTOR",
            "FIRST_TIME_CONTRIBUTOR",
            "NONE",
          ]),
        )
        .default(["OWNER", "MEMBER", "COLLABORATOR"])
        .describe("Issue authors whose issues are worked automatically."),
      allowUsers: z.array(z.string()).default([]).describe("Extra GitHub logins to trust."),
      approvalLabel: z
        .string()
        .default("harness:approved")
        .describe("A maintainer adds this label to let harness work any issue."),
    })
    .prefault({}),
  router: z
    .strictObject({
      host: z.string().default("127.0.0.1").describe("Address the router listens on."),
      port: z.number().int().min(0).max(65535).default(8788).describe("Port it listens on."),
      token: z
        .string()
        .default("")
        .describe("Bearer token clients must send; required when host is not loopback."),
      strategy: z
        .enum(["prefix-affinity", "round-robin", "least-busy", "latency"])
        .default("prefix-affinity")
        .describe("How a backend is picked among the healthy ones."),
      backends: z.array(backendSchema).default([]).describe("Model backends."),
      aliases: z
        .record(z.string(), z.array(z.string().min(1)).min(1))
        .default({})
        .describe("Model aliases: name -> ordered pools of backend names, tried in order."),
      timeouts: z
        .strictObject({
          connectMs: positiveInt.default(2_000).describe("Connecting to a backend."),
          firstByteMs: positiveInt.default(120_000).describe("Until the first response byte."),
          idleMs: positiveInt.default(60_000).describe("Silence in the middle of a stream."),
        })
        .prefault({}),
      breaker: z
        .strictObject({
          consecutiveFailures: positiveInt.default(3).describe("Failures in a row that open it."),
          failureRate: z
            .number()
            .min(0)
            .max(1)
            .default(0.5)
            .describe("Failure share that opens it."),
          minimumRequests: positiveInt.default(10).describe("Requests before the rate counts."),
          windowMs: positiveInt.default(60_000).describe("Window for the failure rate."),
          cooldownMs: positiveInt
            .default(5_000)
            .describe("Open time before a probe is let through."),
        })
        .prefault({}),
      healthIntervalMs: positiveInt.default(5_000).describe("How often backends are checked."),
      maxQueue: z
        .number()
        .int()
        .min(0)
        .default(64)
        .describe("Requests that may wait for a free slot before the router answers 503."),
      maxQueueWaitMs: positiveInt.default(30_000).describe("How long a request may wait."),
    })
    .prefault({}),
  models: z
    .strictObject({
      default: z.string().min(1).default("default").describe("Model (or alias) used by tasks."),
      tasks: z
        .record(z.string(), z.string().min(1))
        .default({})
        .describe("Per task kind: model or alias, e.g. triage: fast."),
      thinking: z
        .record(z.string(), thinkingLevelSchema)
        .default({
          triage: "low",
          plan: "high",
          implement: "medium",
          review: "medium",
          report: "low",
          translate: "off",
        })
        .describe("Thinking budget per task kind: off, low, medium, high."),
    })
    .prefault({}),
  agents: z
    .strictObject({
      runner: z
        .enum(["builtin", "claude", "codex"])
        .default("builtin")
        .describe("Which agent runs work items."),
    })
    .prefault({}),
  queue: z
    .strictObject({
      driver: z
        .enum(["file", "redis"])
        .default("file")
        .describe("file: .harness/queue on this machine; redis: shared by several machines."),
      url: z
        .string()
        .optional()
        .describe("Redis URL for the redis driver, e.g. redis://host:6379/0."),
      name: z
        .string()
        .regex(/^[a-zA-Z0-9_.-]+$/, "use letters, digits, dot, dash or underscore")
        .default("harness")
        .describe("Queue name (the redis key prefix part); one per repository."),
      leaseMs: positiveInt
        .min(1_000)
        .default(30_000)
        .describe("Lease on a claimed item; workers renew it every third of it."),
      maxAttempts: positiveInt.max(100).default(3).describe("Attempts before an item fails."),
      backoffMs: positiveInt.default(5_000).describe("First retry delay; doubles per attempt."),
    })
    .prefault({}),
  fanOut: z
    .strictObject({
      maxWorkers: z
        .union([positiveInt.max(64), z.literal("auto")])
        .default(4)
        .describe('Workers running at once; "auto" follows the router\'s free slots.'),
      maxItemsPerWorker: positiveInt.max(50).default(4).describe("Items (documents) per worker."),
    })
    .prefault({}),
  translate: z
    .strictObject({
      frontMatterKeys: z
        .array(z.string().min(1))
        .default(["title", "description", "summary"])
        .describe("Markdown front-matter keys whose values are translated; others are kept."),
      htmlAttributes: z
        .array(z.string().min(1))
        .default(["alt", "title", "aria-label", "placeholder"])
        .describe("HTML attributes whose values are translated."),
      chunkTokens: positiveInt
        .min(50)
        .default(1_500)
        .describe("Tokens of document text per model request (segments are never split)."),
      contextSegments: z
        .number()
        .int()
        .min(0)
        .max(10)
        .default(2)
        .describe("Neighbouring segments sent before and after a chunk as context only."),
      glossary: z
        .string()
        .default("")
        .describe("Glossary YAML file (kept terms, fixed translations); empty: none."),
      segmentRetries: z
        .number()
        .int()
        .min(0)
        .max(5)
        .default(2)
        .describe("Retries of a segment whose placeholders or glossary terms broke."),
    })
    .prefault({}),
  plan: z
    .strictObject({
      splitAboveFiles: positiveInt
        .default(8)
        .describe("A plan touching more files than this becomes an epic of smaller parts."),
    })
    .prefault({}),
  work: z
    .strictObject({
      maxConcurrent: positiveInt.max(64).default(2).describe("Work items worked at once."),
      maxOpenPullRequests: positiveInt
        .default(5)
        .describe("Open harness pull requests awaiting review; no new work beyond it."),
      testAttempts: positiveInt
        .max(10)
        .default(3)
        .describe("Runs of the test command per item; failures go back to the agent in between."),
      testTimeoutMinutes: positiveInt.default(20).describe("Time limit of one test run."),
      reviewRounds: z
        .number()
        .int()
        .min(0)
        .max(5)
        .default(2)
        .describe("Reviewer rounds; blocking findings go back to the implementer. 0: no review."),
      copyEnvFiles: z
        .array(z.string().min(1))
        .default([])
        .describe("Env files copied from the repository into each worktree (never committed)."),
      remote: z
        .string()
        .default("origin")
        .describe("Git remote branches are pushed to; none configured: nothing is pushed."),
      merge: z
        .boolean()
        .default(false)
        .describe("Merge a PR when tests and review pass and it touches no sensitive path."),
      sensitivePaths: z
        .array(z.string().min(1))
        .default([
          ".github/**",
          ".claude/**",
          "**/auth/**",
          "**/*auth*",
          "package.json",
          "package-lock.json",
          "**/requirements*.txt",
          "**/go.mod",
          "**/Cargo.toml",
          "harness.config.yaml",
        ])
        .describe("Paths (globs) a human must merge: auth, CI, dependencies, agent settings."),
    })
    .prefault({}),
  reports: z
    .strictObject({
      dir: z
        .string()
        .min(1)
        .regex(/^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$)).+$/, "a folder inside the repository")
        .default("reports")
        .describe("Folder for tech reports (committed on the PR branch) and run digests."),
      prose: z
        .boolean()
        .default(true)
        .describe("Ask the reporter for a report's prose when .claude/agents/reporter.md exists."),
      progress: z
        .boolean()
        .default(true)
        .describe("After each item, append to PROGRESS.md and tick PLAN.md in this checkout."),
      fileFollowUps: z
        .boolean()
        .default(false)
        .describe("File follow-up findings as new issues labelled harness:follow-up, once each."),
    })
    .prefault({}),
  budgets: z
    .strictObject({
      maxTurns: positiveInt.default(40).describe("Agent turns per work item."),
      maxTokens: positiveInt.default(400_000).describe("Tokens per work item."),
      maxWallMinutes: positiveInt.default(30).describe("Wall-clock minutes per work item."),
      maxCostUsd: z.number().nonnegative().default(5).describe("Cloud spend per run, in USD."),
      maxItemsPerRun: positiveInt.default(5).describe("Work items started per run."),
      maxTokensPerRun: positiveInt.default(2_000_000).describe("Tokens per run, all stages."),
      maxRunMinutes: positiveInt.default(120).describe("Wall-clock minutes per run."),
      maxItemsPerDay: positiveInt.default(20).describe("Work items started per day (UTC)."),
      maxTokensPerDay: positiveInt.default(10_000_000).describe("Tokens per day (UTC)."),
      maxCostUsdPerDay: z
        .number()
        .nonnegative()
        .default(20)
        .describe("Cloud spend per day (UTC), in USD."),
      maxSpawnDepth: z
        .number()
        .int()
        .min(0)
        .max(1)
        .default(1)
        .describe("1: an orchestrator may start workers; workers never start agents."),
    })
    .prefault({}),
});

export type HarnessConfig = z.infer<typeof configSchema>;
export type BackendConfig = z.infer<typeof backendSchema>;

export function defaultConfig(): HarnessConfig {
  return configSchema.parse({});
}
