/**
 * What the stages of the issue pipeline (triage → plan → work → report) agree on: how a ground
 * plan sits in the work queue, the ids and branch of an issue's items, and the signatures of the
 * plan and work stages that `harness run --once` and `harness daemon` call.
 *
 * A plan item is one queue item whose `body` is the ground plan in the plan format of
 * `.claude/skills/plan-issue/references/plan-format.md` (Markdown a person reads and may edit
 * while the item is pending) and whose `data` is `PlanItemData`. An issue too big for one worker
 * becomes an epic: parts `issue-<n>-part-<k>`, each depending on the part before, all worked on
 * the one branch of the issue, so the issue still gets exactly one pull request.
 */
import { z } from "zod";

import type { HarnessConfig } from "../config/schema.js";
import type { EventSink } from "../events.js";
import type { ModelClient } from "../models/model-client.js";
import type { Queue } from "../queue/types.js";
import type { Tracker } from "../tracker/types.js";
import type { PipelineBudget } from "./pipeline-budget.js";
import type { TriageStateStore } from "./triage-state.js";

/** Plan sizes: s and m fit one worker; l is split into parts when it lists many files. */
export const planSizes = ["s", "m", "l"] as const;

export const planItemDataSchema = z.object({
  kind: z.literal("issue-plan"),
  issue: z.number().int().positive(),
  /** The issue's title when planned (for the branch name, which must not change later). */
  issueTitle: z.string(),
  /** `harness/<issue>-<slug>`: every part of the issue works on this one branch. */
  branch: z.string().min(1),
  /** The commit of the default branch the plan was made against. */
  baseCommit: z.string().min(1),
  /** hashIssueText(title, body) at planning time: an edited issue is planned again. */
  issueHash: z.string().min(1),
  files: z.array(z.string()),
  tests: z.array(z.string()),
  size: z.enum(planSizes),
  /** Present on the parts of an epic; `part` counts from 1. */
  epic: z
    .object({ part: z.number().int().positive(), parts: z.number().int().positive() })
    .optional(),
  /** Item ids that must be done before this one may be worked. */
  dependsOn: z.array(z.string()).default([]),
});

export type PlanItemData = z.infer<typeof planItemDataSchema>;

/** `issue-<n>` for a whole issue, `issue-<n>-part-<k>` for part k of an epic. */
export function planItemId(issue: number, part?: number): string {
  return part === undefined ? `issue-${issue}` : `issue-${issue}-part-${part}`;
}

/** The issue number a plan item id belongs to, or undefined for other items. */
export function issueOfItemId(id: string): number | undefined {
  const match = /^issue-(\d+)(?:-part-\d+)?$/.exec(id);
  return match ? Number(match[1]) : undefined;
}

/** Comment markers on the issue (tracker `upsertComment`), one comment each. */
export const PLAN_COMMENT_MARKER = "plan";
/** Marker of the tech report comment on the pull request. */
export const REPORT_COMMENT_MARKER = "tech-report";
/** Label on every pull request harness opens (the open-PR cap counts these). */
export const HARNESS_PR_LABEL = "harness";
/** Issue labels mirroring where the work stands (one at a time). */
export const issueProgressLabels = [
  "harness:planned",
  "harness:in-progress",
  "harness:pr-open",
] as const;

/** The task kinds in `models.tasks` / `models.thinking`. */
export const PLAN_TASK = "plan";
export const IMPLEMENT_TASK = "implement";
export const REVIEW_TASK = "review";

/** What every stage gets. */
export interface StageContext {
  repoRoot: string;
  config: HarnessConfig;
  tracker: Tracker;
  queue: Queue;
  /** Model calls (through the router) for the planner and the reviewer. */
  client: ModelClient;
  /** The router's base URL, for agent runners that talk to it themselves. */
  routerUrl: string;
  /**
   * When set, the router is started on demand: call it for the real URL before an agent runner
   * that talks to the router itself (Claude Code, Codex) starts. `routerUrl` is then only the
   * configured address.
   */
  resolveRouterUrl?: () => Promise<string>;
  /** Per-run and per-day caps shared by the stages of a cycle. */
  budget: PipelineBudget;
  /** The parent's environment; agents only ever get its safe part (agentEnvironment). */
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  events?: EventSink;
  now?: () => Date;
}

export interface PlanOptions extends StageContext {
  /** Triage's state: which issues are valid, and the text hash they were judged with. */
  triageState: TriageStateStore;
  /** Plan only this issue (it must have a valid verdict). */
  issue?: number;
}

export interface PlannedIssue {
  issue: number;
  /** The ids enqueued (one, or the parts of an epic). */
  items: string[];
  /** False when every item already existed (a rerun): nothing was changed. */
  created: boolean;
  epic: boolean;
}

export interface PlanSummary {
  planned: PlannedIssue[];
  /** Valid issues left alone because their author is not trusted (triaged only). */
  untrusted: number[];
  /** Valid issues already in the queue with the same text hash. */
  alreadyPlanned: number[];
  /** Not reached because a budget ran out; named in `stoppedBy`. */
  deferred: number[];
  failures: Array<{ issue: number; error: string }>;
  stoppedBy?: string;
}

export interface WorkOptions extends StageContext {
  /** Workers at once; default `work.maxConcurrent`. */
  concurrency?: number;
  /** Work only this queue item. */
  itemId?: string;
  /**
   * true: take items until the queue has none ready (or a cap or budget stops it), then return.
   * The daemon calls it again on its own rhythm.
   */
  untilIdle?: boolean;
}

export type WorkOutcome =
  | "pr-opened"
  | "pr-updated"
  | "part-done"
  | "tests-failed"
  | "review-blocked"
  | "secret-found"
  | "agent-failed"
  /** An error stopped the item (tracker, git, push, trust); `error` says which. */
  | "failed"
  | "released";

export interface WorkedItem {
  id: string;
  issue: number;
  outcome: WorkOutcome;
  branch: string;
  pullRequest?: { number: number; url: string };
  /** Runs of the project's test command, and whether the last one passed. */
  testRuns: number;
  testsPassed: boolean;
  reviewRounds: number;
  tokens: number;
  costUsd: number;
  /** Where the tech report was written. */
  reportPath?: string;
  /** The tech report's path on the branch (`<reports.dir>/<date>-issue-<n>.md`), when committed. */
  reportFile?: string;
  /** True when harness merged the pull request (`work.merge` and every condition met). */
  merged?: boolean;
  error?: string;
}

export interface WorkSummary {
  items: WorkedItem[];
  /** Why the stage stopped taking items (a cap or a budget), when one did. */
  stoppedBy?: string;
}

export type PlanStage = (options: PlanOptions) => Promise<PlanSummary>;
export type WorkStage = (options: WorkOptions) => Promise<WorkSummary>;
