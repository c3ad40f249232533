/**
 * PDF: text read per page in reading order, wrapped lines joined into paragraphs, headings told
 * apart by size; the translation becomes a Markdown file and a Word file with one section per
 * page; what is lost is said in the notes; files that are not PDFs, truncated PDFs and PDFs
 * without text are input errors. PDFs are generated with pdf-lib.
 */
import JSZip from "jszip";
import { PDFDocument, StandardFonts } from "pdf-lib";
import remarkParse from "remark-parse";
import { unified } from "unified";
import { beforeAll, describe, expect, it } from "vitest";

import { InputError } from "../../../src/errors.js";
import { adapterFor } from "../../../src/translate/formats/index.js";
import type { ExtractedDocument } from "../../../src/translate/types.js";
import { expectWellFormedSegments, options, pseudo } from "./support.js";

type Page = Array<{ text: string; size: number; gapBefore?: number }>;

async function makePdf(pages: Page[]): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  pages.forEach((lines, index) => {
    const page = pdf.addPage([595, 842]);
    let y = 790;
    for (const line of lines) {
      y -= line.gapBefore ?? line.size * 1.25;
      page.drawText(line.text, { x: 60, y, size: line.size, font });
    }
    page.drawText(String(index + 1), { x: 295, y: 40, size: 9, font });
  });
  return pdf.save();
}

const report: Page[] = [
  [
    { text: "Annual report", size: 20 },
    { text: "The harness translated twelve thousand files this year,", size: 11, gapBefore: 40 },
    { text: "most of them Markdown documents from open source projects.", size: 11 },
    { text: "Nobody had to fix a broken table by hand.", size: 11, gapBefore: 30 },
  ],
  [
    { text: "Next steps", size: 20 },
    { text: "We will add support for slides and spread-", size: 11, gapBefore: 40 },
    { text: "sheets in the coming months.", size: 11 },
  ],
  [{ text: "Thank you for reading.", size: 11 }],
];

async function extractPdf(bytes: Uint8Array): Promise<ExtractedDocument> {
  return adapterFor("report.pdf")!.extract(bytes, options);
}

describe("PDF adapter", () => {
  let source: Uint8Array;
  beforeAll(async () => {
    source = await makePdf(report);
  });

  it("reads paragraphs page by page, joining wrapped and hyphenated lines", async () => {
    const document = await extractPdf(source);
    expectWellFormedSegments(document);
    expect(document.segments.map((segment) => [segment.kind, segment.text])).toEqual([
      ["page-1", "Annual report"],
      [
        "page-1",
        "The harness translated twelve thousand files this year, most of them Markdown documents from open source projects.",
      ],
      ["page-1", "Nobody had to fix a broken table by hand."],
      ["page-2", "Next steps"],
      ["page-2", "We will add support for slides and spreadsheets in the coming months."],
      ["page-3", "Thank you for reading."],
    ]);
    expect(document.notes.join(" ")).toMatch(/layout.*lost/);
  });

  it("renders a Markdown file with one part per page and a Word file with one section per page", async () => {
    const document = await extractPdf(source);
    const files = await document.render(document.segments.map((segment) => pseudo(segment.text)));
    expect(files.map((file) => file.extension)).toEqual([".md", ".docx"]);

    const markdown = new TextDecoder().decode(files[0]!.bytes);
    expect(
      markdown.startsWith("<!-- page 1 -->\n\n## «ANNUAL REPORT»\n\n«THE HARNESS TRANSLATED"),
    ).toBe(true);
    expect(markdown).toContain("\n\n---\n\n<!-- page 2 -->\n\n## «NEXT STEPS»\n\n");
    expect(markdown).toContain(
      "«WE WILL ADD SUPPORT FOR SLIDES AND SPREADSHEETS IN THE COMING MONTHS.»",
    );
    expect(markdown.endsWith("<!-- page 3 -->\n\n«THANK YOU FOR READING.»\n\n3\n")).toBe(true);
    const tree = unified().use(remarkParse).parse(markdown);
    expect(tree.children.filter((node) => node.type === "thematicBreak")).toHaveLength(2);
    expect(tree.children.filter((node) => node.type === "heading")).toHaveLength(2);

    const zip = await JSZip.loadAsync(files[1]!.bytes);
    const xml = await zip.file("word/document.xml")!.async("string");
    expect(xml.match(/<w:sectPr/g)).toHaveLength(3);
    const order = [
      "«ANNUAL REPORT»",
      "«NOBODY HAD TO FIX",
      "«NEXT STEPS»",
      "«THANK YOU FOR READING.»",
    ].map((text) => xml.indexOf(text));
    expect(order.every((position) => position >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Each section starts on a new page.
    expect(xml.match(/<w:type w:val="nextPage"\/>/g)).toHaveLength(3);
    expect(xml).toContain('<w:pStyle w:val="Heading2"/>');
  });

  it("escapes Markdown syntax that the PDF text happens to contain", async () => {
    const bytes = await makePdf([[{ text: "1. Use *stars* and [brackets] freely", size: 11 }]]);
    const document = await extractPdf(bytes);
    const [markdown] = await document.render(document.segments.map((segment) => segment.text));
    expect(new TextDecoder().decode(markdown!.bytes)).toContain(
      "1\\. Use \\*stars\\* and \\[brackets\\] freely",
    );
  });

  it("rejects files that are not PDFs, truncated PDFs and PDFs without text", async () => {
    await expect(extractPdf(new TextEncoder().encode("Just some text"))).rejects.toThrow(
      /not a PDF/,
    );
    await expect(extractPdf(source.slice(0, 400))).rejects.toThrow(InputError);
    const empty = await PDFDocument.create();
    empty.addPage([200, 200]).drawRectangle({ x: 10, y: 10, width: 50, height: 50 });
    await expect(extractPdf(await empty.save())).rejects.toThrow(/no text layer/);
  });
});
