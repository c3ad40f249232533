/**
 * Digests over pipeline runs, from their recorded summaries (`summary.json`): what a person
 * reads over coffee. The facts (`digestFacts`) are counted here once, and both the text and
 * `harness report digest --json` come from them: issues seen and triaged by verdict, planned,
 * worked with outcomes, pull requests opened or updated, failures with their reasons, what was
 * skipped and why, budgets used, tokens and time per stage, and backend health as the router
 * measured it. One run's digest (`run-digest.ts`) shows the same sections for that run; the
 * daemon's daily digest and `harness report digest --since` render this one.
 *
 * No issue text appears (titles and bodies are untrusted): numbers, verdicts, ids and harness's
 * own messages, one line each.
 */
import type { WorkedItem } from "../workflows/pipeline-contract.js";
import type { CycleSummary } from "../workflows/run-cycle.js";
import type { BackendHealth } from "./router-health.js";
import {
  addUsage,
  addUsageByStage,
  emptyStageUsage,
  pipelineStages,
  usageByStage,
  type StageUsage,
  type UsageByStage,
} from "./usage.js";

export interface DigestFailure {
  runId: string;
  /** "triage #12", "plan #12", "work issue-12", or a stage name when the stage itself failed. */
  where: string;
  reason: string;
}

export interface DigestFacts {
  kind: "run-digest";
  runs: Array<{
    runId: string;
    startedAt: string;
    ms: number;
    failed: boolean;
    stoppedBy?: string;
  }>;
  from?: string;
  to?: string;
  issues: {
    seen: number;
    triaged: number;
    unchanged: number;
    deferred: number;
    verdicts: Record<string, number>;
  };
  plan: {
    issues: number;
    items: number;
    alreadyPlanned: number;
    untrusted: number;
    deferred: number;
  };
  work: {
    items: number;
    outcomes: Record<string, number>;
    pullRequests: Array<{
      runId: string;
      id: string;
      issue: number;
      outcome: string;
      number: number;
      url: string;
    }>;
    opened: number;
    updated: number;
  };
  failures: DigestFailure[];
  budget: {
    itemsStarted: number;
    tokens: number;
    costUsd: number;
    /** What stopped runs early, with how many runs each stopped. */
    stops: Record<string, number>;
    /** The last run's figures for today (UTC) against the day's limits. */
    day?: CycleSummary["budget"]["day"];
    dayLimits?: CycleSummary["budget"]["limits"]["day"];
  };
  usage: UsageByStage;
  health: {
    backends: BackendHealth[];
    /** Runs without figures from the router, and why (the first reason). */
    unavailableRuns: number;
    unavailableReason?: string;
  };
}

const PR_OUTCOMES = new Set(["pr-opened", "pr-updated", "review-blocked", "part-done"]);

function count(into: Record<string, number>, key: string, by = 1): void {
  into[key] = (into[key] ?? 0) + by;
}

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, " ").replace(/\|/g, "\\|").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A run's usage: recorded in its summary; older runs without it count zero. */
export function runUsage(run: CycleSummary): UsageByStage {
  return run.usage ?? usageByStage([]);
}

function addHealth(into: Map<string, BackendHealth>, backends: readonly BackendHealth[]): void {
  for (const backend of backends) {
    const sum = into.get(backend.name);
    if (!sum) {
      into.set(backend.name, { ...backend });
      continue;
    }
    sum.requests += backend.requests;
    sum.failures += backend.failures;
    sum.errors += backend.errors;
    sum.breakerTrips += backend.breakerTrips;
    sum.inputTokens += backend.inputTokens;
    sum.cachedTokens += backend.cachedTokens;
    sum.state = backend.state;
    sum.breaker = backend.breaker;
    if (sum.inputTokens > 0) sum.cacheHitRatio = sum.cachedTokens / sum.inputTokens;
    else delete sum.cacheHitRatio;
  }
}

function workFailure(runId: string, item: WorkedItem): DigestFailure | undefined {
  const failed = ["tests-failed", "secret-found", "agent-failed", "failed"].includes(item.outcome);
  if (!failed) return undefined;
  return {
    runId,
    where: `work ${item.id} (#${item.issue})`,
    reason: `${item.outcome}${item.error ? `: ${item.error}` : ""}`,
  };
}

/** Counts the runs (any order); runs are listed oldest first. */
export function digestFacts(runs: readonly CycleSummary[]): DigestFacts {
  const ordered = [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const facts: DigestFacts = {
    kind: "run-digest",
    runs: ordered.map((run) => ({
      runId: run.runId,
      startedAt: run.startedAt,
      ms: run.ms,
      failed: run.failed,
      ...(run.stoppedBy ? { stoppedBy: run.stoppedBy } : {}),
    })),
    ...(ordered[0] ? { from: ordered[0].startedAt } : {}),
    ...(ordered.at(-1) ? { to: ordered.at(-1)!.finishedAt } : {}),
    issues: { seen: 0, triaged: 0, unchanged: 0, deferred: 0, verdicts: {} },
    plan: { issues: 0, items: 0, alreadyPlanned: 0, untrusted: 0, deferred: 0 },
    work: { items: 0, outcomes: {}, pullRequests: [], opened: 0, updated: 0 },
    failures: [],
    budget: { itemsStarted: 0, tokens: 0, costUsd: 0, stops: {} },
    usage: addUsageByStage(ordered.map(runUsage)),
    health: { backends: [], unavailableRuns: 0 },
  };
  const health = new Map<string, BackendHealth>();
  for (const run of ordered) {
    const { triage, plan, work } = run.stages;
    if (triage.summary) {
      facts.issues.seen += triage.summary.seen;
      facts.issues.triaged += triage.summary.triaged;
      facts.issues.unchanged += triage.summary.skippedUnchanged;
      facts.issues.deferred += triage.summary.deferred;
      for (const item of triage.summary.items) count(facts.issues.verdicts, item.verdict);
      for (const failure of triage.summary.failures) {
        facts.failures.push({
          runId: run.runId,
          where: `triage #${failure.issue}`,
          reason: failure.error,
        });
      }
    }
    if (plan.summary) {
      for (const planned of plan.summary.planned) {
        if (!planned.created) continue;
        facts.plan.issues++;
        facts.plan.items += planned.items.length;
      }
      facts.plan.alreadyPlanned += plan.summary.alreadyPlanned.length;
      facts.plan.untrusted += plan.summary.untrusted.length;
      facts.plan.deferred += plan.summary.deferred.length;
      for (const failure of plan.summary.failures) {
        facts.failures.push({
          runId: run.runId,
          where: `plan #${failure.issue}`,
          reason: failure.error,
        });
      }
    }
    for (const item of work.summary?.items ?? []) {
      facts.work.items++;
      count(facts.work.outcomes, item.outcome);
      if (item.pullRequest && PR_OUTCOMES.has(item.outcome)) {
        facts.work.pullRequests.push({
          runId: run.runId,
          id: item.id,
          issue: item.issue,
          outcome: item.outcome,
          number: item.pullRequest.number,
          url: item.pullRequest.url,
        });
        if (item.outcome === "pr-opened") facts.work.opened++;
        else facts.work.updated++;
      }
      const failure = workFailure(run.runId, item);
      if (failure) facts.failures.push(failure);
    }
    for (const name of ["triage", "plan", "work"] as const) {
      const error = run.stages[name].error;
      if (error) facts.failures.push({ runId: run.runId, where: `${name} stage`, reason: error });
    }
    facts.budget.itemsStarted += run.budget.run.items;
    facts.budget.tokens += run.budget.run.tokens;
    facts.budget.costUsd += run.budget.run.costUsd;
    if (run.stoppedBy) count(facts.budget.stops, run.stoppedBy);
    facts.budget.day = run.budget.day;
    facts.budget.dayLimits = run.budget.limits.day;
    if (run.routerHealth?.backends) addHealth(health, run.routerHealth.backends);
    else if (run.routerHealth) {
      facts.health.unavailableRuns++;
      facts.health.unavailableReason ??= run.routerHealth.unavailable;
    }
  }
  facts.health.backends = [...health.values()];
  return facts;
}

function formatCount(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

export function formatMs(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1_000);
  return seconds > 0 ? `${minutes} min ${seconds} s` : `${minutes} min`;
}

function formatUsd(value: number): string {
  return `$${value.toFixed(2)}`;
}

function counted(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? "none" : entries.map(([name, n]) => `${n} ${name}`).join(", ");
}

/** The at-a-glance lines (a bullet list). */
export function glanceLines(facts: DigestFacts): string[] {
  const { issues, plan, work, budget } = facts;
  const usageTotal = stageTotal(facts.usage);
  const allTokens = usageTotal.inputTokens + usageTotal.outputTokens;
  const skipped = [
    ...(issues.unchanged > 0 ? [`${issues.unchanged} unchanged since their verdict`] : []),
    ...(issues.deferred > 0 ? [`${issues.deferred} left for a later run`] : []),
  ];
  const notPlanned = [
    ...(plan.alreadyPlanned > 0 ? [`${plan.alreadyPlanned} already planned`] : []),
    ...(plan.untrusted > 0 ? [`${plan.untrusted} not planned, author not trusted`] : []),
    ...(plan.deferred > 0 ? [`${plan.deferred} deferred by a budget`] : []),
  ];
  return [
    `- Issues seen: ${issues.seen}${skipped.length > 0 ? ` (${skipped.join(", ")})` : ""}`,
    `- Issues triaged: ${issues.triaged} (${counted(issues.verdicts)})`,
    `- Issues planned: ${plan.issues} (${plan.items} queue item(s))${notPlanned.length > 0 ? `; ${notPlanned.join(", ")}` : ""}`,
    `- Work items started: ${budget.itemsStarted}; outcomes: ${counted(work.outcomes)}`,
    `- Pull requests: ${work.opened} opened, ${work.updated} updated`,
    `- Failures: ${facts.failures.length}`,
    `- Tokens, all stages: ${formatCount(allTokens)} in and out (${formatCount(usageTotal.cachedTokens)} of the input cached); counted by the budgets: ${formatCount(budget.tokens)}; cloud cost: ${formatUsd(budget.costUsd)}`,
  ];
}

function usageCells(usage: StageUsage): string {
  return [
    formatCount(usage.modelCalls),
    formatCount(usage.inputTokens),
    formatCount(usage.outputTokens),
    formatCount(usage.cachedTokens),
    formatCount(usage.agentRuns),
    formatMs(usage.ms),
  ].join(" | ");
}

/** The stages a digest shows: the report stage's own time is not known while it writes. */
const digestStages = pipelineStages.filter((stage) => stage !== "report");

function stageTotal(usage: UsageByStage): StageUsage {
  const sum = emptyStageUsage();
  for (const stage of digestStages) {
    addUsage(sum, usage[stage]);
    sum.ms += usage[stage].ms;
    sum.agentRuns += usage[stage].agentRuns;
    sum.failedCalls += usage[stage].failedCalls;
  }
  return sum;
}

/** Tokens and time per stage. */
export function usageLines(usage: UsageByStage): string[] {
  const stages = digestStages;
  const sum = stageTotal(usage);
  return [
    "| Stage | Model calls | Tokens in | Tokens out | Cached | Agent runs | Time |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...stages.map((stage) => `| ${stage} | ${usageCells(usage[stage])} |`),
    `| **total** | ${usageCells(sum)} |`,
  ];
}

/** Backend health as the router measured it over the period. */
export function healthLines(facts: DigestFacts["health"]): string[] {
  const lines: string[] = [];
  if (facts.backends.length > 0) {
    lines.push(
      "| Backend | Requests | Failures | Errors | Breaker trips | Cache hit ratio | Now |",
      "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
      ...facts.backends.map(
        (backend) =>
          `| ${oneLine(backend.name, 60)} | ${formatCount(backend.requests)} | ${formatCount(backend.failures)} | ${formatCount(backend.errors)} | ${formatCount(backend.breakerTrips)} | ${
            backend.cacheHitRatio === undefined
              ? "-"
              : `${(backend.cacheHitRatio * 100).toFixed(1)}%`
          } | ${oneLine(backend.state, 20)}, breaker ${oneLine(backend.breaker, 20)} |`,
      ),
    );
  }
  if (facts.unavailableRuns > 0) {
    if (lines.length > 0) lines.push("");
    lines.push(
      `No figures from the router for ${facts.unavailableRuns} run(s)${facts.unavailableReason ? `: ${oneLine(facts.unavailableReason)}` : ""}.`,
    );
  }
  if (lines.length === 0) lines.push("No backend figures were recorded.");
  return lines;
}

export function failureLines(failures: readonly DigestFailure[], limit = 30): string[] {
  const lines = failures
    .slice(0, limit)
    .map((failure) => `- ${failure.where} (run ${failure.runId}): ${oneLine(failure.reason)}`);
  if (failures.length > limit) lines.push(`- and ${failures.length - limit} more`);
  return lines;
}

export function budgetLines(facts: DigestFacts): string[] {
  const { budget } = facts;
  const lines = [
    `- Used: ${budget.itemsStarted} item(s) started, ${formatCount(budget.tokens)} tokens, ${formatUsd(budget.costUsd)}.`,
  ];
  if (budget.day && budget.dayLimits) {
    lines.push(
      `- Today (UTC) at the last run: ${budget.day.items} of ${budget.dayLimits.items} items, ${formatCount(
        budget.day.tokens,
      )} of ${formatCount(budget.dayLimits.tokens)} tokens, ${formatUsd(budget.day.costUsd)} of ${formatUsd(
        budget.dayLimits.costUsd,
      )}.`,
    );
  }
  for (const [reason, runs] of Object.entries(budget.stops)) {
    lines.push(`- Stopped ${runs} run(s): ${oneLine(reason)}`);
  }
  return lines;
}

export interface RenderDigestOptions {
  title: string;
  /** The link of a run's own digest, relative to where this digest is written. */
  runLink: (runId: string) => string;
}

export function renderDigest(facts: DigestFacts, options: RenderDigestOptions): string {
  const failedRuns = facts.runs.filter((run) => run.failed).length;
  const stopped = facts.runs.filter((run) => run.stoppedBy).length;
  const span = facts.from && facts.to ? ` from ${facts.from} to ${facts.to}` : "";
  const lines = [
    `# ${options.title}`,
    "",
    `${facts.runs.length} run(s)${span}; ${failedRuns} with a failed stage; ${stopped} stopped early.`,
    "",
    ...glanceLines(facts),
  ];
  if (facts.work.pullRequests.length > 0) {
    lines.push(
      "",
      "## Pull requests",
      "",
      ...facts.work.pullRequests.map(
        (pull) =>
          `- #${pull.issue} (\`${pull.id}\`): ${pull.outcome}, [PR #${pull.number}](${pull.url})`,
      ),
    );
  }
  if (facts.failures.length > 0) lines.push("", "## Failures", "", ...failureLines(facts.failures));
  lines.push("", "## Budgets", "", ...budgetLines(facts));
  lines.push("", "## Tokens and time per stage", "", ...usageLines(facts.usage));
  lines.push("", "## Backend health", "", ...healthLines(facts.health));
  if (facts.runs.length > 0) {
    lines.push("", "## Runs", "", "| Run | Time | Stopped by |", "| --- | ---: | --- |");
    for (const run of facts.runs) {
      lines.push(
        `| [${run.runId}](${options.runLink(run.runId)})${run.failed ? " (failed stage)" : ""} | ${formatMs(run.ms)} | ${oneLine(run.stoppedBy ?? "-", 80)} |`,
      );
    }
  }
  lines.push("");
  return lines.join("\n");
}

/** `24h`, `90m`, `7d`, `2w` → milliseconds; undefined when it is not one. */
export function parseSince(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$/i.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = (match[2] ?? "").toLowerCase();
  const ms = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[unit];
  return ms === undefined || !(value > 0) ? undefined : Math.round(value * ms);
}
