/**
 * Where reports live, relative to the repository:
 *
 *   <reports.dir>/<date>-issue-<n>.md     an issue's tech report, committed on its PR branch
 *   <reports.dir>/runs/<run-id>.md        a run's digest, in this checkout
 *   <reports.dir>/runs/daily-<day>.md     the daemon's daily digest, in this checkout
 *   .harness/runs/<item-id>/report.md     the last report of a work item (what the PR shows)
 *   .harness/runs/<item-id>/facts.json    its fact sheet (`harness report <issue> --json`)
 *
 * The issue report goes on the branch, not into this checkout: a worker writing into the
 * checkout would leave files in a person's working tree for every item, and on the branch the
 * report is reviewed and merged with the change it describes. `.harness/` keeps a copy for
 * `harness report` and for items whose branch never got pushed.
 */
import path from "node:path";

/** `.harness/runs`: the same folder as `RUNS_DIR` of run-digest.ts (a test keeps them equal). */
export const RUNS_FOLDER = path.join(".harness", "runs");
export const FACT_SHEET_FILE = "facts.json";
export const ITEM_REPORT_FILE = "report.md";

/** `.harness/runs/<item-id>` */
export function itemFolder(itemId: string): string {
  return path.join(RUNS_FOLDER, itemId);
}

/** `<date>-issue-<n>.md` */
export function issueReportName(date: string, issue: number): string {
  return `${date}-issue-${issue}.md`;
}

/** Matches an issue report's file name; group 1 is the date. */
export function issueReportPattern(issue: number): RegExp {
  return new RegExp(`^(\\d{4}-\\d{2}-\\d{2})-issue-${issue}\\.md$`);
}

/** `<dir>/runs/<run-id>.md` */
export function runDigestPath(reportsDir: string, runId: string): string {
  return path.join(reportsDir, "runs", `${runId}.md`);
}

/** `<dir>/runs/daily-<day>.md` */
export function dailyDigestReportPath(reportsDir: string, day: string): string {
  return path.join(reportsDir, "runs", `daily-${day}.md`);
}
