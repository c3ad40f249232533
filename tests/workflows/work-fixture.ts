/**
 * What the work stage's tests share: a real git repository (a tiny Node project whose test
 * fails until greet() says "Hello, harness") with a bare repository as `origin`, so pushes are
 * real; the file queue and the local tracker in it; one issue with its plan item; and the
 * scripted calls of the built-in implementer and of the reviewer.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { configSchema, type HarnessConfig } from "../../src/config/schema.js";
import { createCollectingSink, type HarnessEvent } from "../../src/events.js";
import { workBranchName } from "../../src/git/branch-names.js";
import type { FakeModelClient } from "../../src/models/fake-model-client.js";
import type { FakeResponse } from "../../src/models/model-script.js";
import { createFileQueue } from "../../src/queue/file-queue.js";
import { queueDir } from "../../src/queue/open-queue.js";
import type { Queue } from "../../src/queue/types.js";
import { createLocalIssue, createLocalTracker } from "../../src/tracker/local-tracker.js";
import type { Tracker } from "../../src/tracker/types.js";
import {
  createMemoryDaySpendStore,
  createPipelineBudget,
  type PipelineBudget,
} from "../../src/workflows/pipeline-budget.js";
import {
  planItemId,
  type PlanItemData,
  type WorkOptions,
} from "../../src/workflows/pipeline-contract.js";
import { createTempGitRepo, type TempGitRepo } from "../support/temp-git-repo.js";

export const fakeToken = `ghp_${randomBytes(18).toString("hex")}`;

export const PLAN = [
  "# Greet harness instead of the world",
  "",
  "## Goal",
  "",
  "greet() returns Hello, harness.",
  "",
  "## Steps",
  "",
  "1. Change the string in src/greet.js.",
  "",
  "## Risks",
  "",
  "- Callers that compare the greeting text.",
  "",
].join("\n");

export const GOOD_GREET = 'export function greet() {\n  return "Hello, harness";\n}\n';
export const BAD_GREET = 'export function greet() {\n  return "Hello, harnes";\n}\n';

export function progressEntry(issue: number): string {
  return `# Progress\n\n## 2026-11-22\n\n- greet() says Hello, harness (#${issue}); node test.js passes.\n`;
}

export interface WorkFixture {
  repo: TempGitRepo;
  /** The bare repository that is `origin`. */
  origin: string;
  queue: Queue;
  tracker: Tracker;
  events: HarnessEvent[];
  /** Advances the queue's clock (leases, delays). */
  advance(ms: number): void;
  baseCommit: string;
  cleanup(): Promise<void>;
}

export async function createWorkFixture(): Promise<WorkFixture> {
  const repo = createTempGitRepo({
    "src/greet.js": 'export function greet() {\n  return "Hello, world";\n}\n',
    "test.js": [
      'import { greet } from "./src/greet.js";',
      'if (greet() !== "Hello, harness") {',
      "  console.log(`FAIL: got ${JSON.stringify(greet())}`);",
      "  process.exit(1);",
      "}",
      'console.log("PASS");',
      "",
    ].join("\n"),
    "package.json": '{ "type": "module" }\n',
    "PROGRESS.md": "# Progress\n",
    ".gitignore": ".harness/\n",
  });
  const origin = realpathSync(mkdtempSync(path.join(os.tmpdir(), "harness-origin-")));
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", origin]);
  repo.git("remote", "add", "origin", origin);
  repo.git("push", "-q", "origin", "main");
  let offset = 0;
  const queue = await createFileQueue({
    dir: queueDir(repo.root),
    settings: { leaseMs: 30_000, backoffMs: 1_000 },
    clock: { now: () => Date.now() + offset },
  });
  const sink = createCollectingSink();
  return {
    repo,
    origin,
    queue,
    tracker: createLocalTracker(repo.root),
    events: sink.events,
    advance: (ms) => {
      offset += ms;
    },
    baseCommit: repo.git("rev-parse", "HEAD").trim(),
    async cleanup() {
      await queue.close();
      repo.cleanup();
      rmSync(origin, { recursive: true, force: true });
    },
  };
}

export function workConfig(overrides: Record<string, unknown> = {}): HarnessConfig {
  const { work, project, ...rest } = overrides as {
    work?: Record<string, unknown>;
    project?: Record<string, unknown>;
  };
  return configSchema.parse({
    github: { token: fakeToken },
    project: { testCommand: "node test.js", ...project },
    work: { reviewRounds: 1, ...work },
    ...rest,
  });
}

/** One issue on the local tracker and its plan item in the queue. */
export async function addIssueWithPlan(
  fixture: WorkFixture,
  options: { title?: string; body?: string; data?: Partial<PlanItemData>; id?: string } = {},
): Promise<{ issue: number; id: string; branch: string }> {
  const title = options.title ?? "Greet harness";
  const {
    issue: { number },
  } = await createLocalIssue(fixture.repo.root, {
    title,
    body: options.body ?? "greet() should say Hello, harness.",
  });
  const id = options.id ?? planItemId(number);
  const branch = workBranchName(number, title);
  const data: PlanItemData = {
    kind: "issue-plan",
    issue: number,
    issueTitle: title,
    branch,
    baseCommit: fixture.baseCommit,
    issueHash: "hash",
    files: ["src/greet.js"],
    tests: ["test.js"],
    size: "s",
    dependsOn: [],
    ...options.data,
  };
  await fixture.queue.enqueue({ id, title, body: PLAN, data: { ...data } });
  return { issue: number, id, branch };
}

export function budgetFor(config: HarnessConfig): PipelineBudget {
  return createPipelineBudget({ config, store: createMemoryDaySpendStore() });
}

export function workOptions(
  fixture: WorkFixture,
  client: FakeModelClient,
  config: HarnessConfig,
  extra: Partial<WorkOptions> = {},
): WorkOptions {
  return {
    repoRoot: fixture.repo.root,
    config,
    tracker: fixture.tracker,
    queue: fixture.queue,
    client,
    routerUrl: "http://127.0.0.1:9",
    budget: budgetFor(config),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_TOKEN: fakeToken,
      GH_TOKEN: fakeToken,
    },
    events: { emit: (event) => void fixture.events.push(event) },
    now: () => new Date("2026-11-22T10:00:00Z"),
    // The fake answers in request order: one item at a time.
    concurrency: 1,
    ...extra,
  };
}

/** A built-in agent turn that calls one tool. */
export function call(name: string, input: unknown): FakeResponse {
  return { toolCalls: [{ name, input }], usage: { inputTokens: 100, outputTokens: 20 } };
}

export function finish(summary: string): FakeResponse {
  return call("finish", { status: "done", summary });
}

/** The implementer's happy run: fix, PROGRESS.md entry, its own test run, finish. */
export function implementerFixes(issue: number, extra: FakeResponse[] = []): FakeResponse[] {
  return [
    call("write_file", { path: "src/greet.js", content: GOOD_GREET }),
    call("write_file", { path: "PROGRESS.md", content: progressEntry(issue) }),
    ...extra,
    call("run_command", { command: "node test.js" }),
    finish("greet() now says Hello, harness; node test.js passes."),
  ];
}

export function review(approve: boolean, findings: unknown[] = []): FakeResponse {
  return {
    json: { approve, findings },
    usage: { inputTokens: 50, outputTokens: 10 },
    match: { systemIncludes: "You are the reviewer." },
  };
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** The branches the bare origin has. */
export function originBranches(fixture: WorkFixture): string[] {
  return git(fixture.origin, "for-each-ref", "--format=%(refname:short)", "refs/heads")
    .split("\n")
    .filter(Boolean)
    .sort();
}
