/**
 * The report of a translation run, `reports/translate-<date>-<lang>.md`: what was translated,
 * what was skipped and why, segments, tokens, time, retries, every flagged segment (it kept
 * its source text), and what each format loses. Meant to be read by a person and kept; a
 * second run on the same day gets its own file (`-2`, `-3`, ...).
 */
import { existsSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { TranslateRunSummary } from "./translate-run.js";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s+/g, " ").trim();
}

function duration(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1_000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1_000)} s`;
}

export function renderTranslateReport(summary: TranslateRunSummary): string {
  const date = summary.startedAt.slice(0, 10);
  const lines: string[] = [`# Translation to ${summary.language}, ${date}`, ""];
  const status = summary.aborted ? "stopped before the end (rerun to finish)" : "finished";
  lines.push(
    `Run ${status} in ${duration(summary.ms)}, model \`${summary.model}\`, source language ` +
      `${summary.from}, ${summary.workers} worker(s) at most, batches of up to ` +
      `${summary.batchSize} documents.`,
    "",
    "## Summary",
    "",
    "| | |",
    "| --- | --- |",
    `| Documents found | ${summary.documents} |`,
    `| Translated now | ${summary.translated.length} |`,
    `| Unchanged since an earlier run | ${summary.unchanged.length} |`,
    `| Failed | ${summary.failures.length} |`,
    `| Not reached (stopped) | ${summary.cancelled.length} |`,
    `| Not translatable (unsupported, missing) | ${summary.problems.length} |`,
    `| Segments | ${summary.segments.total} (${summary.segments.translated} translated, ` +
      `${summary.segments.flagged} flagged) |`,
    `| Model requests | ${summary.requests} |`,
    `| Segment retries | ${summary.retries} |`,
    `| Tokens | ${summary.tokens.input} in (${summary.tokens.cached} cached), ` +
      `${summary.tokens.output} out |`,
    "",
  );
  if (summary.translated.length > 0) {
    lines.push("## Documents", "", "| Source | Written | Segments | Flagged | Time |");
    lines.push("| --- | --- | --- | --- | --- |");
    for (const result of summary.translated) {
      lines.push(
        `| ${cell(result.source)} | ${cell(result.targets.join(", "))} | ${result.segments} | ` +
          `${result.flagged.length} | ${duration(result.ms)} |`,
      );
    }
    lines.push("");
  }
  if (summary.flagged.length > 0) {
    lines.push(
      "## Flagged segments",
      "",
      "These kept their source text: the model's translation broke a placeholder or the " +
        "glossary on every attempt. Translate them by hand, or rerun after editing the source.",
      "",
      "| Document | Segment | Kind | Attempts | Problem |",
      "| --- | --- | --- | --- | --- |",
    );
    for (const flag of summary.flagged) {
      lines.push(
        `| ${cell(flag.source)} | ${flag.index} | ${cell(flag.kind)} | ${flag.attempts} | ` +
          `${cell(flag.reason)} |`,
      );
    }
    lines.push("");
  }
  if (summary.failures.length > 0 || summary.problems.length > 0) {
    lines.push("## Not translated", "");
    for (const failure of summary.failures) lines.push(`- ${failure.source}: ${failure.error}`);
    for (const problem of summary.problems) lines.push(`- ${problem.path}: ${problem.message}`);
    lines.push("");
  }
  const skipped = Object.entries(summary.skippedInFolders);
  if (skipped.length > 0) {
    const list = skipped.map(([extension, count]) => `${count} × ${extension}`).join(", ");
    lines.push(`Files in the folders given that no format reads were passed over: ${list}.`, "");
  }
  if (summary.cancelled.length > 0) {
    lines.push(
      "## Left for the next run",
      "",
      ...summary.cancelled.map((source) => `- ${source}`),
      "",
    );
  }
  const notes = Object.entries(summary.notes);
  if (notes.length > 0) {
    lines.push("## What the formats lose", "");
    for (const [format, formatNotes] of notes) {
      for (const note of formatNotes ?? []) lines.push(`- ${format}: ${note}`);
    }
    lines.push("");
  }
  lines.push(
    `The manifest \`${summary.manifest}\` remembers every finished document; a rerun skips ` +
      "unchanged ones and translates changed ones again.",
    "",
  );
  return lines.join("\n");
}

/** Writes the report (atomically) and returns its repository-relative path. */
export async function writeTranslateReport(
  repoRoot: string,
  summary: TranslateRunSummary,
): Promise<string> {
  const folder = path.join(repoRoot, "reports");
  const date = summary.startedAt.slice(0, 10);
  const slug = summary.language.replace(/[^A-Za-z0-9-]/g, "_");
  let name = `translate-${date}-${slug}.md`;
  for (let n = 2; existsSync(path.join(folder, name)); n++) {
    name = `translate-${date}-${slug}-${n}.md`;
  }
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, name);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, renderTranslateReport(summary), "utf8");
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return `reports/${name}`;
}
