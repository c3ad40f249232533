/**
 * DOCX: one segment per paragraph with run boundaries as placeholders; the translated document
 * re-opens (valid zip, well-formed XML) with bold, italic, hyperlink and footnote runs still in
 * place and the text translated; parts without changes are copied unchanged; identity changes
 * nothing; broken files are input errors. Documents are generated with the `docx` package, and
 * one is written by hand for what `docx` does not produce (runs split mid-word, tabs).
 */
import { DOMParser, type Document as XmlDocument, type Element } from "@xmldom/xmldom";
import {
  Document,
  ExternalHyperlink,
  Footer,
  FootnoteReferenceRun,
  Header,
  HeadingLevel,
  Packer,
  Paragraph,
  Tab,
  Table,
  TableCell,
  TableRow,
  TextRun,
} from "docx";
import JSZip from "jszip";
import { beforeAll, describe, expect, it } from "vitest";

import { InputError } from "../../../src/errors.js";
import { adapterFor } from "../../../src/translate/formats/index.js";
import type { ExtractedDocument } from "../../../src/translate/types.js";
import { expectWellFormedSegments, options, pseudo } from "./support.js";

const W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

async function sampleDocx(): Promise<Uint8Array> {
  const document = new Document({
    footnotes: { 1: { children: [new Paragraph("A footnote explains the details.")] } },
    sections: [
      {
        headers: { default: new Header({ children: [new Paragraph("Quarterly report")] }) },
        footers: { default: new Footer({ children: [new Paragraph("Confidential draft")] }) },
        children: [
          new Paragraph({ text: "Main title", heading: HeadingLevel.HEADING_1 }),
          new Paragraph({
            children: [
              new TextRun("Plain start, "),
              new TextRun({ text: "bold part", bold: true }),
              new TextRun(" and "),
              new TextRun({ text: "italic", italics: true }),
              new TextRun(". See "),
              new ExternalHyperlink({
                link: "https://example.com/docs",
                children: [new TextRun({ text: "the site", style: "Hyperlink" })],
              }),
              new TextRun("."),
              new FootnoteReferenceRun(1),
            ],
          }),
          new Paragraph({
            children: [new TextRun("Name:"), new TextRun({ children: [new Tab(), "Dear {name}"] })],
          }),
          new Table({
            rows: [
              new TableRow({
                children: [
                  new TableCell({ children: [new Paragraph("First cell")] }),
                  new TableCell({ children: [new Paragraph("42")] }),
                ],
              }),
            ],
          }),
        ],
      },
    ],
  });
  return new Uint8Array(await Packer.toBuffer(document));
}

/** A minimal package written by hand: one word split over three runs, a tab, a break. */
async function handWrittenDocx(body: string): Promise<Uint8Array> {
  const zip = new JSZip();
  zip.file(
    "[Content_Types].xml",
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
  );
  zip.file(
    "_rels/.rels",
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
  );
  zip.file(
    "word/document.xml",
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<w:document xmlns:w="${W}"><w:body>${body}</w:body></w:document>`,
  );
  return zip.generateAsync({ type: "uint8array" });
}

async function entries(bytes: Uint8Array): Promise<Map<string, string>> {
  const zip = await JSZip.loadAsync(bytes);
  const files = new Map<string, string>();
  for (const [path, file] of Object.entries(zip.files)) {
    if (!file.dir) files.set(path, await file.async("string"));
  }
  return files;
}

function strictXml(xml: string): XmlDocument {
  return new DOMParser({
    onError: (level, message) => {
      if (level !== "warning") throw new Error(message);
    },
  }).parseFromString(xml, "application/xml");
}

/** Each run of a part: its text and whether it is bold, italic, inside a hyperlink. */
function runs(
  document: XmlDocument,
): Array<{ text: string; bold: boolean; italic: boolean; link: boolean }> {
  const found = document.getElementsByTagNameNS(W, "r");
  const out = [];
  for (let i = 0; i < found.length; i++) {
    const run = found.item(i)! as Element;
    const texts = run.getElementsByTagNameNS(W, "t");
    let text = "";
    for (let j = 0; j < texts.length; j++) text += texts.item(j)!.textContent ?? "";
    out.push({
      text,
      bold: run.getElementsByTagNameNS(W, "b").length > 0,
      italic: run.getElementsByTagNameNS(W, "i").length > 0,
      link: (run.parentNode as Element).localName === "hyperlink",
    });
  }
  return out;
}

async function extractDocx(bytes: Uint8Array): Promise<ExtractedDocument> {
  return adapterFor("report.docx")!.extract(bytes, options);
}

describe("DOCX adapter", () => {
  let source: Uint8Array;
  beforeAll(async () => {
    source = await sampleDocx();
  });

  it("makes one segment per paragraph, with run boundaries as placeholders", async () => {
    const document = await extractDocx(source);
    expectWellFormedSegments(document);
    expect(document.segments.map((segment) => [segment.kind, segment.text])).toEqual([
      ["heading", "Main title"],
      ["paragraph", "Plain start, ⟦1⟧bold part⟦2⟧ and ⟦3⟧italic⟦4⟧. See ⟦5⟧the site⟦6⟧."],
      ["paragraph", "Name:⟦1⟧Dear ⟦2⟧"],
      ["table-cell", "First cell"],
      ["header", "Quarterly report"],
      ["footer", "Confidential draft"],
      ["footnote", "A footnote explains the details."],
    ]);
  });

  it("changes nothing for an identity translation", async () => {
    const document = await extractDocx(source);
    const [file] = await document.render(document.segments.map((segment) => segment.text));
    expect(file!.extension).toBe(".docx");
    expect(await entries(file!.bytes)).toEqual(await entries(source));
  });

  it("writes a document that re-opens with its formatting, links and other parts intact", async () => {
    const document = await extractDocx(source);
    const translations = document.segments.map((segment) => pseudo(segment.text));
    const [file] = await document.render(translations);
    const before = await entries(source);
    const after = await entries(file!.bytes);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [path, xml] of after) {
      if (path.endsWith(".xml") || path.endsWith(".rels"))
        expect(() => strictXml(xml)).not.toThrow();
      if (!/^word\/(document|header1|footer1|footnotes)\.xml$/.test(path))
        expect(xml).toBe(before.get(path));
    }
    const body = strictXml(after.get("word/document.xml")!);
    const bodyRuns = runs(body);
    expect(bodyRuns).toHaveLength(runs(strictXml(before.get("word/document.xml")!)).length);
    expect(bodyRuns).toContainEqual({ text: "BOLD PART", bold: true, italic: false, link: false });
    expect(bodyRuns).toContainEqual({ text: "ITALIC", bold: false, italic: true, link: false });
    expect(bodyRuns).toContainEqual({ text: "THE SITE", bold: false, italic: false, link: true });
    expect(bodyRuns).toContainEqual({
      text: "DEAR {name}»",
      bold: false,
      italic: false,
      link: false,
    });
    expect(after.get("word/document.xml")).toMatch(/<w:hyperlink [^>]*r:id="[^"]+"/);
    expect(body.getElementsByTagNameNS(W, "footnoteReference")).toHaveLength(1);
    expect(body.getElementsByTagNameNS(W, "tab")).toHaveLength(1);
    expect(
      after
        .get("word/document.xml")!
        .startsWith('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'),
    ).toBe(true);
    expect(after.get("word/header1.xml")).toContain("«QUARTERLY REPORT»");
    expect(after.get("word/footnotes.xml")).toContain("«A FOOTNOTE EXPLAINS THE DETAILS.»");

    // Reading the translation back gives the translations as segments.
    const reread = await extractDocx(file!.bytes);
    expect(reread.segments.map((segment) => segment.text)).toEqual(translations);
  });

  it("keeps the translated word order when a translation moves formatted words", async () => {
    const document = await extractDocx(source);
    const translations = document.segments.map((segment) =>
      segment.text.startsWith("Plain")
        ? "⟦5⟧Die Seite⟦6⟧ zeigt ⟦3⟧kursiv⟦4⟧ und ⟦1⟧fett⟦2⟧, einfach."
        : segment.text,
    );
    const [file] = await document.render(translations);
    const body = strictXml((await entries(file!.bytes)).get("word/document.xml")!);
    const paragraph = body.getElementsByTagNameNS(W, "p").item(1)!;
    expect(paragraph.textContent).toBe("Die Seite zeigt kursiv und fett, einfach.");
  });

  it("pours a paragraph split over runs of one format into its first run", async () => {
    const bytes = await handWrittenDocx(
      '<w:p><w:r w:rsidR="1"><w:t>Hel</w:t></w:r><w:r w:rsidR="2"><w:t>lo wor</w:t></w:r><w:r><w:t>ld</w:t><w:tab/><w:t xml:space="preserve"> again</w:t></w:r><w:r><w:br/></w:r></w:p>',
    );
    const document = await extractDocx(bytes);
    expect(document.segments.map((segment) => segment.text)).toEqual(["Hello world⟦1⟧ again"]);
    const [file] = await document.render(["  Hallo Welt⟦1⟧ nochmal"]);
    const xml = (await entries(file!.bytes)).get("word/document.xml")!;
    expect(xml).toContain(
      '<w:r w:rsidR="1"><w:t xml:space="preserve">  Hallo Welt</w:t></w:r><w:r w:rsidR="2"><w:t xml:space="preserve"/></w:r><w:r><w:t xml:space="preserve"/><w:tab/><w:t xml:space="preserve"> nochmal</w:t></w:r><w:r><w:br/></w:r>',
    );
    expect(
      xml.startsWith('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<w:document'),
    ).toBe(true);
  });

  it("rejects a broken file, a zip that is not Word, and malformed XML", async () => {
    await expect(extractDocx(new TextEncoder().encode("not a zip at all"))).rejects.toThrow(
      InputError,
    );
    const truncated = source.slice(0, source.length / 2);
    await expect(extractDocx(truncated)).rejects.toThrow(InputError);
    const notWord = new JSZip();
    notWord.file("hello.txt", "hi");
    await expect(extractDocx(await notWord.generateAsync({ type: "uint8array" }))).rejects.toThrow(
      /not a Word document/,
    );
    await expect(
      extractDocx(await handWrittenDocx("<w:p><w:r><w:t>Broken</w:r></w:p>")),
    ).rejects.toThrow(/not well-formed XML/);
  });
});
