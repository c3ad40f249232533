/**
 * The translation glossary: terms never to translate (product and company names) and fixed
 * translations per target language, from a small YAML file:
 *
 * ```yaml
 * keep: [Lablup, Backend.AI]
 * translations:
 *   ko:
 *     compute session: 연산 세션
 * ```
 *
 * The engine puts only the entries that occur in a chunk into its prompt, and checks every
 * translated segment against them: a kept term that is missing from the translation, or a
 * fixed term not translated as required, sends the segment back for a retry.
 */
import { readFile } from "node:fs/promises";
import { parseDocument } from "yaml";
import { z } from "zod";
import { InputError } from "../errors.js";

const glossaryFileSchema = z.strictObject({
  keep: z.array(z.string().trim().min(1)).default([]),
  translations: z
    .record(z.string().min(1), z.record(z.string().trim().min(1), z.string().trim().min(1)))
    .default({}),
});

export interface Glossary {
  /** Terms that stay as they are in every language (matched case-sensitively). */
  keep: string[];
  /** Per target language (as written in the file): source term → required translation. */
  translations: Record<string, Record<string, string>>;
}

/** The part of a glossary that applies to one target language. */
export interface LanguageGlossary {
  keep: string[];
  /** [source term, required translation]; source terms match case-insensitively. */
  fixed: Array<[string, string]>;
}

export type GlossaryEntry =
  { kind: "keep"; term: string } | { kind: "fixed"; source: string; target: string };

export interface GlossaryViolation {
  entry: GlossaryEntry;
  /** For a person and for the retry prompt. */
  message: string;
}

export const emptyGlossary: Glossary = { keep: [], translations: {} };

/** Reads and checks a glossary file; throws InputError naming the file and the problem. */
export async function loadGlossary(file: string): Promise<Glossary> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new InputError(`cannot read the glossary ${file}: ${(error as Error).message}`, {
      hint: "pass --glossary FILE, or set translate.glossary to a YAML file in the repository",
    });
  }
  return parseGlossary(text, file);
}

export function parseGlossary(text: string, file = "glossary"): Glossary {
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const line = first.linePos?.[0]?.line;
    throw new InputError(
      `the glossary ${file}${line ? ` (line ${line})` : ""} is not valid YAML: ${first.message}`,
      { hint: glossaryHint },
    );
  }
  const parsed = glossaryFileSchema.safeParse(document.toJS() ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join(".") : "the file";
    throw new InputError(`the glossary ${file} is invalid at ${where}: ${issue.message}`, {
      hint: glossaryHint,
    });
  }
  return parsed.data;
}

const glossaryHint =
  "expected `keep: [Term, ...]` and `translations: {<lang>: {<term>: <translation>}}`";

/**
 * The entries for `language`: its own table, else the table of its primary subtag ("pt" for
 * "pt-BR"), case-insensitively; every kept term applies to all languages.
 */
export function glossaryFor(glossary: Glossary, language: string): LanguageGlossary {
  const wanted = language.toLowerCase();
  const primary = wanted.split(/[-_]/)[0];
  const tables = Object.entries(glossary.translations);
  const table =
    tables.find(([key]) => key.toLowerCase() === wanted)?.[1] ??
    tables.find(([key]) => key.toLowerCase() === primary)?.[1] ??
    tables.find(([key]) => key.toLowerCase().split(/[-_]/)[0] === primary)?.[1] ??
    {};
  return { keep: [...new Set(glossary.keep)], fixed: Object.entries(table) };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** `term` as a whole word (not inside a longer word), for finding it in source text. */
function termPattern(term: string, flags: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRegExp(term)}(?![\\p{L}\\p{N}_])`, `u${flags}`);
}

const patternCache = new Map<string, RegExp>();

function occursIn(text: string, term: string, caseInsensitive: boolean): boolean {
  const key = `${caseInsensitive ? "i" : "s"}:${term}`;
  let pattern = patternCache.get(key);
  if (!pattern) {
    pattern = termPattern(term, caseInsensitive ? "i" : "");
    if (patternCache.size > 10_000) patternCache.clear();
    patternCache.set(key, pattern);
  }
  return pattern.test(text);
}

/** The entries whose source term occurs in `text` (what a chunk's prompt lists). */
export function glossaryEntriesIn(text: string, glossary: LanguageGlossary): GlossaryEntry[] {
  const entries: GlossaryEntry[] = [];
  for (const term of glossary.keep) {
    if (occursIn(text, term, false)) entries.push({ kind: "keep", term });
  }
  for (const [source, target] of glossary.fixed) {
    if (occursIn(text, source, true)) entries.push({ kind: "fixed", source, target });
  }
  return entries;
}

/**
 * What a translation breaks of the glossary. In the translation a term is looked for as plain
 * text, not as a whole word: many languages attach endings to it ("Lablup은").
 */
export function checkGlossary(
  source: string,
  translated: string,
  glossary: LanguageGlossary,
): GlossaryViolation[] {
  const violations: GlossaryViolation[] = [];
  for (const entry of glossaryEntriesIn(source, glossary)) {
    if (entry.kind === "keep" && !translated.includes(entry.term)) {
      violations.push({ entry, message: `"${entry.term}" must stay as it is (not translated)` });
    } else if (
      entry.kind === "fixed" &&
      !translated.toLowerCase().includes(entry.target.toLowerCase())
    ) {
      violations.push({
        entry,
        message: `"${entry.source}" must be translated as "${entry.target}"`,
      });
    }
  }
  return violations;
}

/** The glossary lines of a prompt: one entry per line. */
export function formatGlossaryEntries(entries: readonly GlossaryEntry[]): string[] {
  return entries.map((entry) =>
    entry.kind === "keep"
      ? `- ${entry.term}: keep as it is, never translate it`
      : `- ${entry.source}: always translate as ${entry.target}`,
  );
}
