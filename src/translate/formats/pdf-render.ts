/**
 * The two files a translated PDF becomes: Markdown (pages separated by a thematic break after a
 * `<!-- page N -->` comment) and Word (one section per page, so each page starts a new page).
 */
import { Document, HeadingLevel, Packer, Paragraph, SectionType, TextRun } from "docx";

export interface PdfPageParagraph {
  text: string;
  heading: boolean;
}

export function renderPdfMarkdown(pages: ReadonlyArray<readonly PdfPageParagraph[]>): string {
  const rendered = pages.map((paragraphs, index) => {
    const blocks = paragraphs.map((paragraph) =>
      paragraph.heading ? `## ${escapeMarkdown(paragraph.text)}` : escapeMarkdown(paragraph.text),
    );
    return [`<!-- page ${index + 1} -->`, ...blocks].join("\n\n");
  });
  return `${rendered.join("\n\n---\n\n")}\n`;
}

/** Plain text as Markdown text: inline syntax escaped, and what would start a block. */
function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_[\]<>|]/g, (char) => `\\${char}`)
    .replace(/^(#{1,6}(?:\s|$)|[-+=](?:\s|$)|\d{1,9}(?=[.)](?:\s|$)))/, (start) =>
      /^\d/.test(start) ? `${start}\\` : `\\${start}`,
    );
}

export async function renderPdfDocx(
  pages: ReadonlyArray<readonly PdfPageParagraph[]>,
): Promise<Uint8Array> {
  const document = new Document({
    sections: pages.map((paragraphs) => ({
      properties: { type: SectionType.NEXT_PAGE },
      children:
        paragraphs.length === 0
          ? [new Paragraph("")]
          : paragraphs.map(
              (paragraph) =>
                new Paragraph({
                  ...(paragraph.heading ? { heading: HeadingLevel.HEADING_2 } : {}),
                  children: [new TextRun(paragraph.text)],
                }),
            ),
    })),
  });
  return new Uint8Array(await Packer.toBuffer(document));
}
