/**
 * The one configuration schema. It gives the types, the validation messages and the defaults.
 * harness.config.yaml (written by `harness init` from templates/harness.config.yaml) documents
 * every key; tests/config keeps the two in step.
 */
import { z } from "zod";

const positiveInt = z.number().int().positive();

export const backendSchema = z.strictObject({
  name: z.string().min(1).describe("A short unique name, used in logs and metrics."),
  kind: z
    .enum(["llama-server", "embedded", "openai", "anthropic"])
    .describe("What answers at this backend."),
  url: z.string().optional().describe("Base URL (llama-server, or an OpenAI/Anthropic proxy)."),
  model: z.string().optional().describe("Model id, or a GGUF path / hf: reference for embedded."),
  apiKey: z
    .string()
    .optional()
    .describe("Key for cloud backends; use ${ENV_VAR}, never a literal."),
});

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
      port: z
        .number()
        .int()
        .min(1)
        .max(65535)
        .default(8788)
        .describe("Port the router listens on."),
      backends: z.array(backendSchema).default([]).describe("Model backends, tried in order."),
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
  fanOut: z
    .strictObject({
      maxWorkers: positiveInt.max(64).default(4).describe("Workers running at once."),
      maxItemsPerWorker: positiveInt.max(50).default(4).describe("Items (documents) per worker."),
    })
    .prefault({}),
  budgets: z
    .strictObject({
      maxTurns: positiveInt.default(40).describe("Agent turns per work item."),
      maxTokens: positiveInt.default(400_000).describe("Tokens per work item."),
      maxWallMinutes: positiveInt.default(30).describe("Wall-clock minutes per work item."),
      maxCostUsd: z.number().nonnegative().default(5).describe("Cloud spend per run, in USD."),
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
