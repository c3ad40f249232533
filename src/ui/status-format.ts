/**
 * `harness status`: the report's shape (what `--json` prints) and its sections as text lines,
 * shared by the plain output and the ink dashboard (`status-view.tsx`), so this file loads
 * neither ink nor react.
 */
import type { QueueState, QueueStats } from "../queue/types.js";
import { formatDuration } from "./fan-out-format.js";
import {
  formatStatusCells,
  statusColumnWidths,
  type BackendStatusRow,
} from "./router-status-format.js";

export interface StatusQueueItem {
  id: string;
  state: QueueState;
  title: string;
  /** ISO timestamp of the item's last change. */
  updatedAt: string;
}

/** A running item: who holds it, since when, and when its lease runs out. */
export interface StatusWorker {
  id: string;
  title: string;
  owner: string;
  claimedAt: string;
  expiresAt: string;
  ageMs: number;
}

export interface StatusRun {
  runId: string;
  startedAt: string;
  finishedAt: string;
  failed: boolean;
  stoppedBy?: string;
  stages: Record<"triage" | "plan" | "work", { status: string; line: string }>;
  digestPath: string;
}

export interface StatusReport {
  repoRoot: string;
  /** ISO timestamp the report was taken at. */
  at: string;
  /** Set while a triage/plan cycle holds the cycle lock. */
  cycle?: { pid: number; host: string; since: string };
  queue: {
    location: string;
    stats?: QueueStats;
    /** The latest items of every state, newest change first. */
    latest: StatusQueueItem[];
    problem?: string;
  };
  workers: StatusWorker[];
  budget: {
    /** UTC day of the figures. */
    day: string;
    spent: { items: number; tokens: number; costUsd: number };
    limits: { items: number; tokens: number; costUsd: number };
  };
  router: {
    url: string;
    running: boolean;
    backends: BackendStatusRow[];
    problem?: string;
  };
  runs: StatusRun[];
  pullRequests: {
    items: Array<{ number: number; title: string; url: string; head: string }>;
    /** Why the list is missing or may be incomplete (the tracker failed). */
    note?: string;
  };
}

export type StatusTone = "normal" | "dim" | "good" | "warn" | "bad";

export interface StatusLine {
  text: string;
  tone: StatusTone;
}

export interface StatusSection {
  title: string;
  lines: StatusLine[];
}

function line(text: string, tone: StatusTone = "normal"): StatusLine {
  return { text, tone };
}

function ageOf(iso: string, at: number): string {
  const ms = at - Date.parse(iso);
  return Number.isNaN(ms) ? "?" : formatDuration(Math.max(0, ms));
}

function count(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

function clip(text: string, width: number): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

function queueSection(report: StatusReport, at: number): StatusSection {
  const { queue } = report;
  const lines: StatusLine[] = [];
  if (queue.problem) lines.push(line(`queue unavailable: ${queue.problem}`, "bad"));
  if (queue.stats) {
    const { pending, delayed, running, done, failed, corrupt } = queue.stats;
    lines.push(
      line(
        `pending ${pending}${delayed > 0 ? ` (${delayed} delayed)` : ""} · running ${running} · done ${done} · failed ${failed}${
          corrupt > 0 ? ` · corrupt ${corrupt}` : ""
        }`,
        failed > 0 || corrupt > 0 ? "warn" : "normal",
      ),
    );
  }
  const idWidth = Math.min(32, Math.max(2, ...queue.latest.map((item) => item.id.length)));
  for (const item of queue.latest) {
    lines.push(
      line(
        `${item.id.padEnd(idWidth)}  ${item.state.padEnd(7)}  ${ageOf(item.updatedAt, at).padStart(
          7,
        )}  ${clip(item.title, 60)}`,
        item.state === "failed" ? "bad" : item.state === "done" ? "dim" : "normal",
      ),
    );
  }
  if (queue.stats && queue.latest.length === 0) lines.push(line("the queue is empty", "dim"));
  return { title: `queue (${queue.location})`, lines };
}

function workersSection(report: StatusReport, at: number): StatusSection {
  if (report.workers.length === 0) {
    return { title: "workers", lines: [line("no item is being worked on", "dim")] };
  }
  return {
    title: "workers",
    lines: report.workers.map((worker) => {
      const expires = Date.parse(worker.expiresAt) - at;
      return line(
        `${worker.id}  ${worker.owner}  for ${formatDuration(worker.ageMs)}  ${
          expires < 0 ? "lease expired" : `lease ${formatDuration(expires)} left`
        }  ${clip(worker.title, 50)}`,
        expires < 0 ? "warn" : "normal",
      );
    }),
  };
}

function budgetSection(report: StatusReport): StatusSection {
  const { spent, limits, day } = report.budget;
  const tone = (used: number, limit: number): StatusTone =>
    limit > 0 && used >= limit ? "bad" : limit > 0 && used >= limit * 0.8 ? "warn" : "normal";
  return {
    title: `budget today (${day} UTC)`,
    lines: [
      line(`items started ${spent.items} / ${limits.items}`, tone(spent.items, limits.items)),
      line(
        `tokens ${count(spent.tokens)} / ${count(limits.tokens)}`,
        tone(spent.tokens, limits.tokens),
      ),
      line(
        `cloud cost $${spent.costUsd.toFixed(2)} / $${limits.costUsd.toFixed(2)}`,
        tone(spent.costUsd, limits.costUsd),
      ),
    ],
  };
}

function routerSection(report: StatusReport): StatusSection {
  const { router } = report;
  if (!router.running) {
    return {
      title: "backends",
      lines: [
        line(`router not running at ${router.url}`, "dim"),
        line("commands start one in-process when they need a model", "dim"),
      ],
    };
  }
  const widths = statusColumnWidths();
  const lines = router.backends.map((row) => {
    const cells = formatStatusCells(row);
    const text = cells
      .map((cell, index) => cell.slice(0, widths[index]! - 1).padEnd(widths[index]!))
      .join("")
      .trimEnd();
    const bad = row.breaker === "open" || row.readiness === "down";
    const warn = row.breaker === "half-open" || row.readiness === "warming";
    return line(text, bad ? "bad" : warn ? "warn" : "good");
  });
  if (router.problem) lines.push(line(router.problem, "warn"));
  if (router.backends.length === 0 && !router.problem) lines.push(line("no backends", "dim"));
  return { title: `backends (router ${router.url})`, lines };
}

function runsSection(report: StatusReport, at: number): StatusSection {
  if (report.runs.length === 0) {
    return { title: "recent runs", lines: [line("no pipeline run recorded yet", "dim")] };
  }
  const lines: StatusLine[] = [];
  for (const run of report.runs) {
    const flags = [
      ...(run.failed ? ["a stage failed"] : []),
      ...(run.stoppedBy ? [`stopped: ${run.stoppedBy}`] : []),
    ];
    lines.push(
      line(
        `${run.runId}  ${ageOf(run.startedAt, at)} ago${flags.length > 0 ? `  (${flags.join("; ")})` : ""}`,
        run.failed ? "bad" : run.stoppedBy ? "warn" : "normal",
      ),
    );
    const stages = (["triage", "plan", "work"] as const)
      .filter((name) => run.stages[name].status !== "skipped")
      .map((name) => `${name}: ${run.stages[name].line}`);
    lines.push(line(`  ${clip(stages.join(" | "), 140)}`, "dim"));
  }
  return { title: "recent runs", lines };
}

function pullsSection(report: StatusReport): StatusSection {
  const { pullRequests } = report;
  const lines = pullRequests.items.map((pull) =>
    line(`#${pull.number}  ${clip(pull.title, 60)}  ${pull.url}`),
  );
  if (pullRequests.note) lines.push(line(pullRequests.note, "warn"));
  else if (lines.length === 0) lines.push(line("none open", "dim"));
  return { title: "open harness pull requests", lines };
}

/** The dashboard's sections, in order; `at` (epoch ms) is the clock ages are measured on. */
export function statusSections(report: StatusReport, at = Date.parse(report.at)): StatusSection[] {
  const sections: StatusSection[] = [];
  if (report.cycle) {
    sections.push({
      title: "cycle",
      lines: [
        line(
          `a triage/plan cycle is running (pid ${report.cycle.pid} on ${report.cycle.host}, for ${ageOf(
            report.cycle.since,
            at,
          )})`,
          "good",
        ),
      ],
    });
  }
  sections.push(
    queueSection(report, at),
    workersSection(report, at),
    budgetSection(report),
    routerSection(report),
    runsSection(report, at),
    pullsSection(report),
  );
  return sections;
}

/** Plain text: a title line per section and its lines indented. */
export function formatStatusPlain(report: StatusReport): string[] {
  const lines: string[] = [`harness status of ${report.repoRoot} at ${report.at}`];
  for (const section of statusSections(report)) {
    lines.push("", section.title);
    for (const entry of section.lines) lines.push(`  ${entry.text}`);
  }
  return lines;
}
