/**
 * What a translation run reports: per-document progress updates, the final summary (also the
 * `--json` result record and the source of the Markdown report), and the helpers that fill it.
 */
import type { FlaggedSegment } from "./translate-chunk.js";
import type { DocumentResult } from "./translate-document.js";
import type { SourceFile, SourceProblem } from "./translate-files.js";
import type { TokenCounts } from "./translate-manifest.js";
import type { DocumentFormat } from "./types.js";

export interface DocumentUpdate {
  source: string;
  status: "translated" | "unchanged" | "failed";
  segments: number;
  flagged: number;
  error?: string;
  documentsDone: number;
  documentsTotal: number;
  /** Segments finished by this run so far (translated, flagged or kept). */
  segmentsDone: number;
}

export interface DocumentFailure {
  source: string;
  error: string;
}

export interface FlaggedSegmentReport extends FlaggedSegment {
  source: string;
}

/** One document of a dry run's plan. */
export interface PlannedDocument {
  source: string;
  format: DocumentFormat;
  status: "todo" | "unchanged";
  segments: number;
  /** Segments with text to translate. */
  toTranslate: number;
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

export interface TranslateRunSummary {
  language: string;
  from: string;
  model: string;
  dryRun: boolean;
  /** Documents this run looked at (supported files found). */
  documents: number;
  translated: DocumentResult[];
  /** Done in an earlier run and unchanged since (or finished by the run this one resumed). */
  unchanged: string[];
  failures: DocumentFailure[];
  /** Not finished when the run was cancelled. */
  cancelled: string[];
  /** Inputs and files that were not translated: unsupported, missing, outside the repository. */
  problems: SourceProblem[];
  /** Files in named folders that no adapter reads, by extension. */
  skippedInFolders: Record<string, number>;
  segments: { total: number; translated: number; flagged: number };
  flagged: FlaggedSegmentReport[];
  tokens: TokenCounts;
  requests: number;
  retries: number;
  promptChars: number;
  /** What each format of this run loses (PDF: layout, images). */
  notes: Partial<Record<DocumentFormat, string[]>>;
  batchSize: number;
  batches: number;
  /** The most workers that ran at once. */
  workers: number;
  jobId?: string;
  ms: number;
  startedAt: string;
  aborted: boolean;
  /** Dry run: the documents and the estimate. */
  plan?: PlannedDocument[];
  estimate?: { requests: number; inputTokens: number; outputTokens: number };
  manifest: string;
}

/** A supported source file of the run, with its hash and whether the manifest has it done. */
export interface Candidate {
  file: SourceFile;
  sourceHash: string;
  current: boolean;
  /** The bytes hashed, kept for the document's first read (dropped by it). */
  bytes?: Uint8Array;
}

/** An error's message, with its hint when it has one (typed harness errors). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const hint = (error as { hint?: unknown }).hint;
    return typeof hint === "string" && hint !== "" ? `${error.message} (${hint})` : error.message;
  }
  return String(error);
}

/** Adds the totals of the documents translated (segments, flags, tokens, notes). */
export function addTotals(summary: TranslateRunSummary): void {
  for (const result of summary.translated) {
    summary.segments.total += result.segments;
    summary.segments.translated += result.translated;
    summary.segments.flagged += result.flagged.length;
    summary.flagged.push(...result.flagged.map((flag) => ({ ...flag, source: result.source })));
    summary.tokens.input += result.tokens.input;
    summary.tokens.output += result.tokens.output;
    summary.tokens.cached += result.tokens.cached;
    summary.requests += result.requests;
    summary.retries += result.retries;
    summary.promptChars += result.promptChars;
    if (result.format && result.notes.length > 0) summary.notes[result.format] = result.notes;
  }
}
