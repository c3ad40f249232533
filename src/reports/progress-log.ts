/**
 * After each work item, harness adds an entry to PROGRESS.md and ticks the issue's line in
 * PLAN.md, in the repository's own checkout (`reports.progress`).
 *
 * Why the checkout and not the PR branch: the implementer already writes its own PROGRESS.md
 * entry on the branch (it merges with the change); harness's entry is the machine's log of what
 * each worker did, including items that never got a pull request, and appending it on every
 * branch would make every pair of open PRs conflict at the end of the same file.
 *
 * Safe with several workers (in one process or many): each change is made under an exclusive
 * lock file (`.harness/.locks/soul-documents.lock`, taken over when its holder died), PROGRESS.md
 * only ever grows by one `appendFile` (O_APPEND) per entry, and PLAN.md is replaced atomically.
 * Nothing is created: a repository without PROGRESS.md or PLAN.md is left alone. Entries carry
 * harness's own words and figures only, never issue text or model text, because every agent
 * reads PROGRESS.md as its instructions' context.
 */
import { appendFile, readFile } from "node:fs/promises";
import path from "node:path";

import { prepareFolder, withLock } from "../tracker/local-files.js";
import type { WorkedItem } from "../workflows/pipeline-contract.js";
import { writeFileAtomically } from "./report-files.js";

export const PROGRESS_FILE = "PROGRESS.md";
export const PLAN_FILE = "PLAN.md";
const LOCK_NAME = "soul-documents";

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Runs `task` holding the lock every PROGRESS.md and PLAN.md change takes. */
export async function withSoulDocumentLock<T>(
  repoRoot: string,
  task: () => Promise<T>,
): Promise<T> {
  const dir = path.join(repoRoot, ".harness");
  await prepareFolder(dir);
  return withLock(dir, LOCK_NAME, task, { timeoutMs: 30_000 });
}

/**
 * Appends `entry` (a block of Markdown) to PROGRESS.md with a blank line before it. False when
 * the repository has no PROGRESS.md.
 */
export async function appendProgressEntry(repoRoot: string, entry: string): Promise<boolean> {
  const file = path.join(repoRoot, PROGRESS_FILE);
  return withSoulDocumentLock(repoRoot, async () => {
    const current = await readIfPresent(file);
    if (current === undefined) return false;
    const separator =
      current === "" ? "" : current.endsWith("\n\n") ? "" : current.endsWith("\n") ? "\n" : "\n\n";
    // One write: an entry is never split, even if something else appends without the lock.
    await appendFile(file, `${separator}${entry.trimEnd()}\n`, { flag: "a" });
    return true;
  });
}

export type PlanMark = "x" | "~";

/**
 * Sets the checkbox of PLAN.md's line for `issue` (`- [ ] [I-<n>] ...`, or a checkbox line that
 * names `#<n>`) to `mark`. A done line is never reopened. Returns whether a line changed.
 */
export async function tickPlanItem(
  repoRoot: string,
  issue: number,
  mark: PlanMark,
): Promise<boolean> {
  const file = path.join(repoRoot, PLAN_FILE);
  return withSoulDocumentLock(repoRoot, async () => {
    const current = await readIfPresent(file);
    if (current === undefined) return false;
    const line = new RegExp(
      `^(\\s*[-*]\\s+\\[)([ ~xX])(\\]\\s+)(?=.*(?:\\[I-${issue}\\]|#${issue}\\b))`,
      "m",
    );
    const match = line.exec(current);
    if (!match) return false;
    const was = match[2] ?? " ";
    if (was === mark || was.toLowerCase() === "x") return false;
    const next =
      current.slice(0, match.index) +
      `${match[1]}${mark}${match[3]}` +
      current.slice(match.index + match[0].length);
    await writeFileAtomically(file, next);
    return true;
  });
}

const DONE_OUTCOMES = new Set(["pr-opened", "pr-updated", "review-blocked", "part-done"]);

/** The PROGRESS.md entry for one worked item: harness's facts only. */
export function renderProgressEntry(
  item: WorkedItem,
  options: { date: string; testCommand: string },
): string {
  const pull = item.pullRequest
    ? `pull request #${item.pullRequest.number}${item.merged ? " (merged by harness)" : ""}`
    : "no pull request";
  const tests =
    item.testRuns === 0
      ? options.testCommand === ""
        ? "no test command is configured; nothing was run"
        : "the tests were not run"
      : `\`${options.testCommand.replace(/`/g, "'")}\` ${item.testsPassed ? "passed" : "failed"} on the last of ${item.testRuns} run(s) (harness's own run); ${item.reviewRounds} review round(s)`;
  const left = item.error
    ? oneLine(item.error)
    : item.outcome === "part-done"
      ? "the next part of the epic"
      : item.merged
        ? "nothing"
        : "a person reviews and merges the pull request";
  const reports = [
    ...(item.reportFile ? [`\`${item.reportFile}\` on the branch`] : []),
    ...(item.reportPath ? [`\`${item.reportPath}\``] : []),
  ];
  return [
    `## ${options.date}: issue #${item.issue} worked by harness (${item.id})`,
    `- Done: ${item.outcome} on branch \`${item.branch}\`; ${pull}.`,
    `- Verified: ${tests}.`,
    `- Left: ${left}.`,
    ...(reports.length > 0 ? [`- Report: ${reports.join(" and ")}.`] : []),
  ].join("\n");
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 300 ? `${flat.slice(0, 299)}…` : flat;
}

/**
 * Records a worked item in PROGRESS.md and, when its issue is done (a PR that closes it, or a
 * merge), in PLAN.md: `[~]` while the pull request is open, `[x]` once harness merged it.
 * Released items (nothing was done) are not recorded.
 */
export async function recordWorkedItem(
  repoRoot: string,
  item: WorkedItem,
  options: { date: string; testCommand: string; closesIssue: boolean },
): Promise<{ progress: boolean; plan: boolean }> {
  if (item.outcome === "released") return { progress: false, plan: false };
  const progress = await appendProgressEntry(repoRoot, renderProgressEntry(item, options));
  const plan =
    options.closesIssue && DONE_OUTCOMES.has(item.outcome) && item.outcome !== "part-done"
      ? await tickPlanItem(repoRoot, item.issue, item.merged ? "x" : "~")
      : false;
  return { progress, plan };
}
