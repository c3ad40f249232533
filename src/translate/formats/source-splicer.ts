/**
 * Splicing translations into the original source text by offsets, for the text formats
 * (Markdown, HTML, plain text, JSON): every byte outside a segment stays exactly as it was.
 *
 * A segment covers a source range; its placeholders stand for source ranges (rendered
 * recursively, so a translated attribute inside a tag that is itself a placeholder still gets
 * its translation) or for literal text (a protected variable). A segment whose translation is
 * its own text, or whose placeholders do not check out, is written back from the source.
 */
import {
  hasTranslatableText,
  restorePlaceholders,
  usableTranslation,
  type BuiltSegment,
} from "../placeholders.js";
import type { Segment } from "../types.js";

/** What a placeholder stands for: a range of the source, or text as it is to be written. */
export type SourceMarkup = { start: number; end: number } | { literal: string };

export interface SplicedSegmentSpec {
  start: number;
  end: number;
  kind: string;
  segment: BuiltSegment<SourceMarkup>;
  /** Rewrites the translation (placeholders still in it) for its place in the source. */
  encodeText?: (translated: string) => string;
  /** Rewrites the whole restored value (quoting, escaping of a JSON string). */
  encodeValue?: (restored: string) => string;
}

/** Text that replaces a source range whatever the translations (front matter, computed). */
export interface SourceReplacement {
  start: number;
  end: number;
  text: string;
}

interface Placed {
  spec: SplicedSegmentSpec;
  index: number;
}

export class SourceSplicer {
  readonly source: string;
  readonly #specs: SplicedSegmentSpec[] = [];
  #placed: Placed[] | undefined;

  constructor(source: string) {
    this.source = source;
  }

  /** Adds a segment if it has something to translate. */
  add(spec: SplicedSegmentSpec): void {
    if (!hasTranslatableText(spec.segment.text) || spec.end <= spec.start) return;
    this.#specs.push(spec);
    this.#placed = undefined;
  }

  /** The segments in document order, numbered from `firstIndex`. */
  segments(firstIndex = 0): Segment[] {
    return this.#place().map(({ spec }, index) => ({
      index: firstIndex + index,
      text: spec.segment.text,
      placeholders: [...spec.segment.placeholders],
      kind: spec.kind,
    }));
  }

  /** The source with one translation per segment (same order as `segments()`) spliced in. */
  render(translations: readonly string[], replacements: readonly SourceReplacement[] = []): string {
    const placed = this.#place();
    const regions = [
      ...placed.map((entry) => ({ start: entry.spec.start, end: entry.spec.end, entry })),
      ...replacements.map((replacement) => ({ ...replacement, entry: undefined })),
    ].sort((a, b) => a.start - b.start || b.end - a.end);
    const renderRange = (start: number, end: number, skip?: Placed): string => {
      let out = "";
      let position = start;
      for (let i = firstRegionAt(regions, start); i < regions.length; i++) {
        const region = regions[i]!;
        if (region.start >= end) break;
        if (region.start < position || region.end > end) continue;
        if (skip && region.entry === skip) continue;
        out += this.source.slice(position, region.start);
        out += region.entry ? renderSegment(region.entry) : (region as SourceReplacement).text;
        position = region.end;
      }
      return out + this.source.slice(position, end);
    };
    const renderSegment = (entry: Placed): string => {
      const { spec } = entry;
      const given = translations[entry.index] ?? spec.segment.text;
      const translated = usableTranslation(spec.segment, given);
      if (translated === spec.segment.text) return renderRange(spec.start, spec.end, entry);
      const encoded = spec.encodeText ? spec.encodeText(translated) : translated;
      const restored = restorePlaceholders(encoded, spec.segment.markup, (markup) =>
        "literal" in markup ? markup.literal : renderRange(markup.start, markup.end),
      );
      return spec.encodeValue ? spec.encodeValue(restored) : restored;
    };
    return renderRange(0, this.source.length);
  }

  /**
   * Sorts the segments and drops any that would overlap another one in a way splicing cannot
   * express: a segment may only sit inside another one's placeholder range.
   */
  #place(): Placed[] {
    if (this.#placed) return this.#placed;
    const sorted = [...this.#specs].sort((a, b) => a.start - b.start || b.end - a.end);
    const kept: SplicedSegmentSpec[] = [];
    const open: SplicedSegmentSpec[] = [];
    for (const spec of sorted) {
      while (open.length > 0 && open.at(-1)!.end <= spec.start) open.pop();
      const container = open.at(-1);
      if (container && !insideMarkup(container, spec)) continue;
      kept.push(spec);
      open.push(spec);
    }
    this.#placed = kept.map((spec, index) => ({ spec, index }));
    return this.#placed;
  }
}

function insideMarkup(container: SplicedSegmentSpec, spec: SplicedSegmentSpec): boolean {
  for (const markups of container.segment.markup.values()) {
    for (const markup of markups) {
      if ("start" in markup && markup.start <= spec.start && spec.end <= markup.end) return true;
    }
  }
  return false;
}

function firstRegionAt(regions: ReadonlyArray<{ start: number }>, start: number): number {
  let low = 0;
  let high = regions.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (regions[middle]!.start < start) low = middle + 1;
    else high = middle;
  }
  return low;
}
