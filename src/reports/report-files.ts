/**
 * Report files on disk: atomic writes, the issue report's place on the branch (an existing
 * `<date>-issue-<n>.md` is updated in place, so regenerating it never makes a second file), and
 * reading a work item's fact sheet back.
 */
import { randomUUID } from "node:crypto";
import { mkdir, readFile, readdir, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";

import { asFactSheet, type FactSheet } from "./fact-sheet.js";
import {
  FACT_SHEET_FILE,
  ITEM_REPORT_FILE,
  RUNS_FOLDER,
  issueReportName,
  issueReportPattern,
  itemFolder,
} from "./report-paths.js";

export async function writeFileAtomically(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, file);
}

/**
 * The issue report's path relative to the worktree: the existing `<dir>/<date>-issue-<n>.md`
 * on the branch if there is one, else one dated `date`.
 */
export async function issueReportFile(
  worktree: string,
  reportsDir: string,
  issue: number,
  date: string,
): Promise<string> {
  const pattern = issueReportPattern(issue);
  try {
    const existing = (await readdir(path.join(worktree, reportsDir)))
      .filter((name) => pattern.test(name))
      .sort();
    if (existing[0]) return path.join(reportsDir, existing[0]);
  } catch {
    // No reports folder yet.
  }
  return path.join(reportsDir, issueReportName(date, issue));
}

/** Writes the item's `report.md` and `facts.json` under `.harness/runs/<item-id>/`. */
export async function writeItemReport(
  repoRoot: string,
  sheet: FactSheet,
  report: string,
): Promise<{ reportPath: string; factsPath: string }> {
  const folder = itemFolder(sheet.item.id);
  const reportPath = path.join(folder, ITEM_REPORT_FILE);
  const factsPath = path.join(folder, FACT_SHEET_FILE);
  await writeFileAtomically(path.join(repoRoot, factsPath), `${JSON.stringify(sheet, null, 2)}\n`);
  await writeFileAtomically(path.join(repoRoot, reportPath), `${report}\n`);
  return { reportPath, factsPath };
}

export interface StoredItemReport {
  itemId: string;
  sheet: FactSheet;
  /** The report's text, when it was written. */
  report?: string;
  factsPath: string;
  reportPath: string;
}

async function readStored(repoRoot: string, itemId: string): Promise<StoredItemReport | undefined> {
  const factsPath = path.join(itemFolder(itemId), FACT_SHEET_FILE);
  const reportPath = path.join(itemFolder(itemId), ITEM_REPORT_FILE);
  let sheet: FactSheet | undefined;
  try {
    sheet = asFactSheet(JSON.parse(await readFile(path.join(repoRoot, factsPath), "utf8")));
  } catch {
    return undefined;
  }
  if (!sheet) return undefined;
  let report: string | undefined;
  try {
    report = await readFile(path.join(repoRoot, reportPath), "utf8");
  } catch {
    report = undefined;
  }
  return { itemId, sheet, factsPath, reportPath, ...(report !== undefined ? { report } : {}) };
}

/**
 * The latest stored report of an issue: its whole-issue item, or the part of its epic whose
 * fact sheet was written last.
 */
export async function findIssueReport(
  repoRoot: string,
  issue: number,
): Promise<StoredItemReport | undefined> {
  let names: string[];
  try {
    names = await readdir(path.join(repoRoot, RUNS_FOLDER));
  } catch {
    return undefined;
  }
  const pattern = new RegExp(`^issue-${issue}(?:-part-\\d+)?$`);
  let latest: { stored: StoredItemReport; at: number } | undefined;
  for (const name of names.filter((entry) => pattern.test(entry))) {
    const stored = await readStored(repoRoot, name);
    if (!stored) continue;
    const at = await stat(path.join(repoRoot, stored.factsPath)).then(
      (stats) => stats.mtimeMs,
      () => 0,
    );
    if (!latest || at > latest.at) latest = { stored, at };
  }
  return latest?.stored;
}
