/**
 * Word documents (.docx): each paragraph (`w:p`) of the body, headers, footers, footnotes and
 * endnotes is one segment. Its text runs are translated together; wherever the formatting, the
 * container (a hyperlink, a tracked insertion, a field) changes or an object sits between
 * texts (a tab, a break, a picture, a footnote mark), the segment holds a placeholder, and the
 * translation is poured back into the same runs: the text before the first placeholder into
 * the first run group, and so on. Run properties, hyperlinks, styles and everything else stay as
 * they were; parts without a changed paragraph are copied unchanged.
 *
 * The placeholders are taken in the order they come back: if a translation moves a formatted
 * phrase, the text stays in the translated order and the formatting stays where it was.
 */
import { DOMParser, XMLSerializer, type Document, type Element } from "@xmldom/xmldom";
import JSZip from "jszip";

import { InputError } from "../../errors.js";
import {
  SegmentBuilder,
  hasTranslatableText,
  splitAtPlaceholders,
  usableTranslation,
  type BuiltSegment,
} from "../placeholders.js";
import type { AdapterOptions, ExtractedDocument, Segment } from "../types.js";

const W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace";
const ELEMENT_NODE = 1;

/** A run boundary (the next group of text elements starts) or protected text. */
type DocxMarkup = { next: true } | { literal: string };

// prettier-ignore
const CONTAINERS = new Set([
  "hyperlink", "ins", "smartTag", "sdt", "sdtContent", "fldSimple", "customXml", "dir", "bdo",
  "moveTo",
]);
// prettier-ignore
const TRANSPARENT = new Set([
  "pPr", "rPr", "sdtPr", "sdtEndPr", "bookmarkStart", "bookmarkEnd", "proofErr",
  "commentRangeStart", "commentRangeEnd", "permStart", "permEnd", "lastRenderedPageBreak",
  "moveFromRangeStart", "moveFromRangeEnd", "moveToRangeStart", "moveToRangeEnd",
]);

interface DocxParagraph {
  /** Groups of `w:t` elements sharing one formatting, in document order. */
  slots: Element[][];
  segment: BuiltSegment<DocxMarkup>;
  kind: string;
}

interface TranslatedPart {
  path: string;
  kind: string;
  /** Paragraph numbers (in the part's document order) that are segments. */
  segmentParagraphs: number[];
}

export async function extractDocx(
  source: Uint8Array,
  _options: AdapterOptions,
): Promise<ExtractedDocument> {
  const zip = await openZip(source);
  const parts: TranslatedPart[] = [];
  const segments: Segment[] = [];
  for (const { path, kind } of await translatedParts(zip)) {
    const { document } = await readPart(zip, path);
    const segmentParagraphs: number[] = [];
    collectParagraphs(document, kind).forEach((paragraph, number) => {
      if (!hasTranslatableText(paragraph.segment.text)) return;
      segmentParagraphs.push(number);
      segments.push({
        index: segments.length,
        text: paragraph.segment.text,
        placeholders: [...paragraph.segment.placeholders],
        kind: paragraph.kind,
      });
    });
    if (segmentParagraphs.length > 0) parts.push({ path, kind, segmentParagraphs });
  }

  return {
    format: "docx",
    segments,
    async render(translations) {
      const output = await openZip(source);
      let index = 0;
      for (const part of parts) {
        const { document, prolog } = await readPart(output, part.path);
        const paragraphs = collectParagraphs(document, part.kind);
        let changed = false;
        for (const number of part.segmentParagraphs) {
          const segment = segments[index]!;
          const translated = usableTranslation(segment, translations[index] ?? segment.text);
          index++;
          if (translated === segment.text) continue;
          writeParagraph(document, paragraphs[number]!, translated);
          changed = true;
        }
        if (changed) {
          const xml = prolog + new XMLSerializer().serializeToString(document.documentElement!);
          output.file(part.path, xml);
        }
      }
      const bytes = await output.generateAsync({ type: "uint8array", compression: "DEFLATE" });
      return [{ extension: ".docx", bytes }];
    },
    notes: [
      "Formatting is kept per run; when a translation reorders formatted words, the words keep " +
        "the translated order and the formatting stays at its place in the sentence.",
      "Text in charts, SmartArt, comments and drawing shapes is not translated; text boxes are.",
    ],
  };
}

async function openZip(source: Uint8Array): Promise<JSZip> {
  try {
    return await JSZip.loadAsync(source);
  } catch (error) {
    throw new InputError(`The DOCX file is not a valid zip archive: ${(error as Error).message}`, {
      hint: "Open and save it again in Word or LibreOffice; password-protected documents cannot be translated.",
      cause: error,
    });
  }
}

const PART_ORDER = ["header", "footer", "footnote", "endnote"];

/** The main document part and the headers, footers, footnotes and endnotes beside it. */
async function translatedParts(zip: JSZip): Promise<Array<{ path: string; kind: string }>> {
  let main = "word/document.xml";
  const relationships = await zip.file("_rels/.rels")?.async("string");
  const target =
    relationships?.match(/Type="[^"]*\/officeDocument"[^>]*Target="\/?([^"]+)"/)?.[1] ??
    relationships?.match(/Target="\/?([^"]+)"[^>]*Type="[^"]*\/officeDocument"/)?.[1];
  if (target) main = target;
  if (!zip.file(main)) {
    throw new InputError(`The DOCX file has no ${main}: it is not a Word document.`, {
      hint: "Only Word documents (.docx) are supported; save other files as .docx first.",
    });
  }
  const folder = main.slice(0, main.lastIndexOf("/") + 1);
  const others = Object.keys(zip.files)
    .filter((path) => path.startsWith(folder))
    .flatMap((path) => {
      const name = path.slice(folder.length);
      const match = /^(header|footer|footnotes|endnotes)\d*\.xml$/.exec(name);
      if (!match) return [];
      const kind =
        match[1] === "footnotes" ? "footnote" : match[1] === "endnotes" ? "endnote" : match[1]!;
      return [{ path, kind }];
    })
    .sort(
      (a, b) =>
        PART_ORDER.indexOf(a.kind) - PART_ORDER.indexOf(b.kind) ||
        a.path.localeCompare(b.path, "en", { numeric: true }),
    );
  return [{ path: main, kind: "document" }, ...others];
}

async function readPart(zip: JSZip, path: string): Promise<{ document: Document; prolog: string }> {
  const xml = (await zip.file(path)?.async("string")) ?? "";
  let document: Document;
  try {
    document = new DOMParser({ onError: () => undefined }).parseFromString(xml, "application/xml");
  } catch (error) {
    throw new InputError(
      `The DOCX file's ${path} is not well-formed XML: ${(error as Error).message}`,
      {
        hint: "Open and save it again in Word or LibreOffice, then run again.",
        cause: error,
      },
    );
  }
  if (!document.documentElement) {
    throw new InputError(`The DOCX file's ${path} is empty or not XML.`, {
      hint: "Open and save it again in Word or LibreOffice, then run again.",
    });
  }
  const rootStart = /<(?![?!])/.exec(xml)?.index ?? 0;
  return { document, prolog: xml.slice(0, rootStart) };
}

function wordChildren(element: Element): Element[] {
  const children: Element[] = [];
  for (let node = element.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === ELEMENT_NODE) children.push(node as Element);
  }
  return children;
}

function isWord(element: Element, localName: string): boolean {
  return element.namespaceURI === W && element.localName === localName;
}

/** Every paragraph of a part, in document order (text-box paragraphs included). */
function collectParagraphs(document: Document, partKind: string): DocxParagraph[] {
  const elements = document.getElementsByTagNameNS(W, "p");
  const paragraphs: DocxParagraph[] = [];
  for (let i = 0; i < elements.length; i++) {
    paragraphs.push(readParagraph(elements.item(i)!, partKind));
  }
  return paragraphs;
}

function readParagraph(paragraph: Element, partKind: string): DocxParagraph {
  const builder = new SegmentBuilder<DocxMarkup>({
    variables: "prose",
    literal: (literal) => ({ literal }),
  });
  const slots: Element[][] = [];
  let slotKey: string | undefined;
  let containers = 0;
  const serializer = new XMLSerializer();
  const visit = (container: Element, containerId: number): void => {
    for (const child of wordChildren(container)) {
      if (child.namespaceURI === W && TRANSPARENT.has(child.localName!)) continue;
      if (child.namespaceURI === W && CONTAINERS.has(child.localName!)) {
        visit(child, ++containers);
        slotKey = undefined;
        continue;
      }
      if (!isWord(child, "r")) {
        slotKey = undefined; // an object: math, a deletion, anything unknown
        continue;
      }
      const properties = wordChildren(child).find((element) => isWord(element, "rPr"));
      const key = `${containerId}|${properties ? serializer.serializeToString(properties) : ""}`;
      for (const content of wordChildren(child)) {
        if (content.namespaceURI === W && TRANSPARENT.has(content.localName!)) continue;
        if (!isWord(content, "t")) {
          slotKey = undefined; // tab, break, drawing, field character, footnote mark…
          continue;
        }
        if (slotKey !== key) {
          if (slots.length > 0) builder.addMarkup({ next: true });
          slots.push([]);
          slotKey = key;
        }
        slots.at(-1)!.push(content);
        builder.addText(content.textContent ?? "");
      }
    }
  };
  visit(paragraph, 0);
  return { slots, segment: builder.build(), kind: paragraphKind(paragraph, partKind) };
}

function paragraphKind(paragraph: Element, partKind: string): string {
  if (partKind !== "document") return partKind;
  const properties = wordChildren(paragraph).find((element) => isWord(element, "pPr"));
  const style = properties && wordChildren(properties).find((element) => isWord(element, "pStyle"));
  if (/^(?:heading|title|subtitle)/i.test(style?.getAttributeNS(W, "val") ?? "")) return "heading";
  if (properties && wordChildren(properties).some((element) => isWord(element, "numPr"))) {
    return "list-item";
  }
  for (let node = paragraph.parentNode; node; node = node.parentNode) {
    if (node.nodeType === ELEMENT_NODE && isWord(node as Element, "tc")) return "table-cell";
  }
  return "paragraph";
}

/** Characters XML 1.0 does not allow, which a model might produce. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function writeParagraph(document: Document, paragraph: DocxParagraph, translated: string): void {
  const texts = paragraph.slots.map(() => "");
  let slot = 0;
  for (const part of splitAtPlaceholders(translated)) {
    if ("text" in part) {
      texts[slot] += part.text;
      continue;
    }
    for (const markup of paragraph.segment.markup.get(part.token) ?? []) {
      if ("next" in markup) slot = Math.min(slot + 1, texts.length - 1);
      else texts[slot] += markup.literal;
    }
  }
  paragraph.slots.forEach((elements, index) => {
    elements.forEach((element, position) => {
      const text =
        position === 0 ? texts[index]!.replace(INVALID_XML, "").replace(/\s*\n\s*/g, " ") : "";
      while (element.firstChild) element.removeChild(element.firstChild);
      if (text !== "") element.appendChild(document.createTextNode(text));
      element.setAttributeNS(XML_NAMESPACE, "xml:space", "preserve");
    });
  });
}
