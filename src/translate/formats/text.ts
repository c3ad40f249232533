/**
 * Plain text: each paragraph (lines between blank lines) is a segment; the whitespace around
 * and between paragraphs and the line breaks inside them (CRLF included) are kept exactly.
 */
import { SegmentBuilder } from "../placeholders.js";
import type { AdapterOptions, ExtractedDocument } from "../types.js";
import { SourceSplicer, type SourceMarkup } from "./source-splicer.js";
import {
  decodeSourceText,
  encodeSourceText,
  foldLineBreaks,
  unfoldLineBreaks,
} from "./source-text.js";

export async function extractText(
  source: Uint8Array,
  _options: AdapterOptions,
  extension = ".txt",
): Promise<ExtractedDocument> {
  const { text, bom } = decodeSourceText(source, "text file");
  const splicer = new SourceSplicer(text);
  const lineEnding = text.includes("\r\n") ? "\r\n" : "\n";
  // A paragraph: a run of lines that are not blank, without the whitespace around it.
  for (const match of text.matchAll(/\S(?:[^\n]|\n(?![ \t\r]*(?:\n|$)))*/g)) {
    const raw = match[0].trimEnd();
    const folded = foldLineBreaks(raw);
    const builder = new SegmentBuilder<SourceMarkup>({
      variables: "prose",
      literal: (literal) => ({ literal }),
    });
    builder.addText(folded.text);
    splicer.add({
      start: match.index,
      end: match.index + raw.length,
      kind: "paragraph",
      segment: builder.build(),
      encodeText: (translated) =>
        unfoldLineBreaks(translated, folded.breaks, { fallback: folded.breaks[0] ?? lineEnding }),
    });
  }
  return {
    format: "text",
    segments: splicer.segments(),
    async render(translations) {
      return [{ extension, bytes: encodeSourceText(splicer.render(translations), bom) }];
    },
    notes: [],
  };
}
