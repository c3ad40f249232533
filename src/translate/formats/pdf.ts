/**
 * PDF: the text layer is read page by page (pdf.js through unpdf, in content order, which is
 * reading order for ordinary documents), grouped into lines by baseline and into paragraphs by
 * the gaps between lines and changes of font size. Each paragraph is a segment. A PDF cannot be
 * written back, so the translation becomes a Markdown file (pages separated by `---` after a
 * `<!-- page N -->` comment) and a Word file (one section, hence one new page, per PDF page).
 */
import { InputError } from "../../errors.js";
import {
  SegmentBuilder,
  hasTranslatableText,
  restorePlaceholders,
  usableTranslation,
  type BuiltSegment,
} from "../placeholders.js";
import type { AdapterOptions, ExtractedDocument, Segment } from "../types.js";

interface PdfTextItem {
  str: string;
  y: number;
  fontSize: number;
  hasEOL: boolean;
}

interface PdfLine {
  text: string;
  y: number;
  size: number;
}

interface PdfParagraph {
  text: string;
  size: number;
  heading: boolean;
  /** Set when the paragraph has something to translate. */
  segment?: BuiltSegment<{ literal: string }>;
}

export async function extractPdf(
  source: Uint8Array,
  _options: AdapterOptions,
): Promise<ExtractedDocument> {
  const pages = (await readPdfItems(source)).map((items) => paragraphsOf(linesOf(items)));
  markHeadings(pages);
  const segments: Segment[] = [];
  const segmented: PdfParagraph[] = [];
  pages.forEach((paragraphs, pageIndex) => {
    for (const paragraph of paragraphs) {
      const builder = new SegmentBuilder<{ literal: string }>({
        variables: "prose",
        literal: (literal) => ({ literal }),
      });
      const segment = builder.addText(paragraph.text).build();
      if (!hasTranslatableText(segment.text)) continue;
      paragraph.segment = segment;
      segmented.push(paragraph);
      segments.push({
        index: segments.length,
        text: segment.text,
        placeholders: [...segment.placeholders],
        kind: `page-${pageIndex + 1}`,
      });
    }
  });
  if (segments.length === 0) {
    throw new InputError("The PDF file has no text layer to translate (a scanned image?).", {
      hint: "Run OCR on it first (e.g. ocrmypdf), then translate the result.",
    });
  }

  return {
    format: "pdf",
    segments,
    async render(translations) {
      const texts = new Map<PdfParagraph, string>();
      segmented.forEach((paragraph, index) => {
        const segment = paragraph.segment!;
        const translated = usableTranslation(segment, translations[index] ?? segment.text);
        texts.set(
          paragraph,
          restorePlaceholders(translated, segment.markup, (m) => m.literal).trim(),
        );
      });
      const translatedPages = pages.map((paragraphs) =>
        paragraphs.map((paragraph) => ({
          text: texts.get(paragraph) ?? paragraph.text,
          heading: paragraph.heading,
        })),
      );
      const { renderPdfMarkdown, renderPdfDocx } = await import("./pdf-render.js");
      return [
        { extension: ".md", bytes: new TextEncoder().encode(renderPdfMarkdown(translatedPages)) },
        { extension: ".docx", bytes: await renderPdfDocx(translatedPages) },
      ];
    },
    notes: [
      "A PDF is rebuilt as plain paragraphs (Markdown and Word, one section per page): the exact " +
        "layout, fonts, columns, images, tables (their cells become paragraphs), links and " +
        "form fields are lost; headings are guessed from the font size.",
    ],
  };
}

async function readPdfItems(source: Uint8Array): Promise<PdfTextItem[][]> {
  const header = new TextDecoder("latin1").decode(source.subarray(0, 1024));
  if (!header.includes("%PDF-")) {
    throw new InputError("The PDF file is not a PDF (no %PDF- header).", {
      hint: "Check the file: it may be another format with a .pdf extension.",
    });
  }
  const { getDocumentProxy, extractTextItems } = await import("unpdf");
  try {
    // pdf.js may take over the buffer it is given: hand it a copy.
    const proxy = await getDocumentProxy(new Uint8Array(source), { verbosity: 0 });
    try {
      const { items } = await extractTextItems(proxy);
      return items;
    } finally {
      await proxy.destroy();
    }
  } catch (error) {
    const name = (error as Error).name;
    if (name === "PasswordException") {
      throw new InputError("The PDF file is password-protected.", {
        hint: "Remove the password (e.g. qpdf --decrypt) and run again.",
        cause: error,
      });
    }
    throw new InputError(`The PDF file cannot be read: ${(error as Error).message}`, {
      hint: "Check that the file is a complete, uncorrupted PDF.",
      cause: error,
    });
  }
}

const LIGATURES = /[\uFB00-\uFB06]/g;

/** Items on one baseline (until an end of line) make a line. */
function linesOf(items: readonly PdfTextItem[]): PdfLine[] {
  const lines: PdfLine[] = [];
  let current: PdfLine | undefined;
  let ended = true;
  for (const item of items) {
    const str = item.str.replace(LIGATURES, (ligature) => ligature.normalize("NFKC"));
    const size = Math.abs(item.fontSize) || 10;
    const sameLine = current && !ended && Math.abs(current.y - item.y) <= size * 0.5;
    if (!current || !sameLine) {
      if (current) lines.push(current);
      current = { text: str, y: item.y, size };
    } else {
      current.text += str;
      current.size = Math.max(current.size, size);
    }
    ended = item.hasEOL;
  }
  if (current) lines.push(current);
  return lines.map((line) => ({ ...line, text: line.text.replace(/\s+/g, " ").trim() }));
}

/**
 * Lines make a paragraph until a blank line, a gap wider than one and a half lines, a change
 * of font size, or a jump upwards (a new column).
 */
function paragraphsOf(lines: readonly PdfLine[]): PdfParagraph[] {
  const paragraphs: PdfParagraph[] = [];
  let current: PdfParagraph | undefined;
  let previous: PdfLine | undefined;
  for (const line of lines) {
    if (line.text === "") {
      current = undefined;
      previous = undefined;
      continue;
    }
    const gap = previous ? previous.y - line.y : 0;
    const continues =
      current !== undefined &&
      previous !== undefined &&
      gap > 0 &&
      gap <= 1.5 * Math.max(previous.size, line.size) &&
      Math.abs(previous.size - line.size) <= 0.15 * Math.max(previous.size, line.size);
    if (continues) {
      current!.text = joinLines(current!.text, line.text);
    } else {
      current = { text: line.text, size: line.size, heading: false };
      paragraphs.push(current);
    }
    previous = line;
  }
  return paragraphs;
}

/** Joins wrapped lines; a word hyphenated at the end of a line is put back together. */
function joinLines(text: string, next: string): string {
  if (/\p{L}-$/u.test(text) && /^\p{Ll}/u.test(next)) return text.slice(0, -1) + next;
  return `${text} ${next}`;
}

/** Short paragraphs set clearly larger than the body text are headings. */
function markHeadings(pages: PdfParagraph[][]): void {
  const weight = new Map<number, number>();
  for (const paragraph of pages.flat()) {
    const size = Math.round(paragraph.size);
    weight.set(size, (weight.get(size) ?? 0) + paragraph.text.length);
  }
  const body = [...weight.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
  for (const paragraph of pages.flat()) {
    paragraph.heading = body > 0 && paragraph.size >= body * 1.2 && paragraph.text.length <= 200;
  }
}
