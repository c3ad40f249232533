/**
 * Splits a document's segments into chunks, one model request each: whole segments in
 * document order up to a token budget, plus a few neighbouring segments on each side that the
 * prompt marks as context (not to translate), so terms and style carry over chunk borders.
 * A segment is never split; one larger than the budget is a chunk of its own.
 */
import { hasTranslatableText } from "./placeholders.js";
import type { Segment } from "./types.js";

export interface ChunkingOptions {
  /** Tokens of segment text per chunk (config `translate.chunkTokens`). */
  chunkTokens: number;
  /** Segments of context before and after each chunk (config `translate.contextSegments`). */
  contextSegments: number;
}

export interface TranslationChunk {
  /** The segments to translate, consecutive in `segments` order. */
  segments: Segment[];
  /** Up to `contextSegments` segments right before the first one (context only). */
  before: Segment[];
  /** Up to `contextSegments` segments right after the last one (context only). */
  after: Segment[];
  /** Estimated tokens of `segments` (the budget counts these). */
  tokens: number;
}

/** A context segment is cut to this many characters: it only sets the scene. */
export const maxContextChars = 600;

/** Scripts written without spaces, where a token is about one character (or less). */
const denseScript =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/u;

/**
 * Estimated tokens of `text`, a little on the high side for common BPE vocabularies: about 4
 * ASCII characters a token, 2 characters a token for other alphabets (Cyrillic, Greek,
 * accented Latin), and one token per CJK, kana, Hangul or Thai character.
 */
export function estimateTokens(text: string): number {
  let ascii = 0;
  let dense = 0;
  let other = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code < 0x80) ascii++;
    else if (denseScript.test(char)) dense++;
    else other++;
  }
  return Math.ceil(ascii / 4 + other / 2 + dense);
}

/**
 * The segments worth a model request: ones with letters once placeholders are taken out.
 * A segment of only markup, numbers or punctuation keeps its own text.
 */
export function needsTranslation(segment: Segment): boolean {
  return hasTranslatableText(segment.text);
}

/** Chunks over `segments` (all of a document's segments, or the subset still to translate). */
export function planChunks(
  segments: readonly Segment[],
  options: ChunkingOptions,
  /** The whole document, for context around a subset; default `segments`. */
  document: readonly Segment[] = segments,
): TranslationChunk[] {
  const budget = Math.max(1, options.chunkTokens);
  const positionOf = new Map(document.map((segment, position) => [segment.index, position]));
  const chunks: TranslationChunk[] = [];
  let current: Segment[] = [];
  let tokens = 0;
  const close = () => {
    if (current.length === 0) return;
    chunks.push({
      segments: current,
      ...contextAround(current, document, positionOf, options),
      tokens,
    });
    current = [];
    tokens = 0;
  };
  for (const segment of segments) {
    const cost = estimateTokens(segment.text);
    if (current.length > 0 && tokens + cost > budget) close();
    current.push(segment);
    tokens += cost;
  }
  close();
  return chunks;
}

function contextAround(
  chunk: readonly Segment[],
  document: readonly Segment[],
  positionOf: ReadonlyMap<number, number>,
  options: ChunkingOptions,
): { before: Segment[]; after: Segment[] } {
  const count = Math.max(0, options.contextSegments);
  if (count === 0) return { before: [], after: [] };
  const first = positionOf.get(chunk[0]!.index) ?? 0;
  const last = positionOf.get(chunk.at(-1)!.index) ?? first;
  const clip = (segment: Segment): Segment =>
    segment.text.length > maxContextChars
      ? { ...segment, text: `${segment.text.slice(0, maxContextChars)}…` }
      : segment;
  return {
    before: document.slice(Math.max(0, first - count), first).map(clip),
    after: document.slice(last + 1, last + 1 + count).map(clip),
  };
}
