/**
 * Segments of an HTML document or fragment (parse5 with source locations), spliced back by
 * offsets. A run of inline content inside a block (text, <a>, <b>, <em>, <code>, <br>, …) is one
 * segment with the inline tags as placeholders, so a sentence is never cut at a link. Script,
 * style, template and elements marked translate="no" (or class="notranslate") are left alone
 * entirely; the text of code, pre, kbd, samp, var, textarea, svg and math too, though their
 * configured attributes are translated. Configured attributes (alt, title, placeholder, …),
 * <meta name="description"> content and the labels of submit buttons are segments of their own.
 * Used by the HTML adapter and for the HTML blocks of Markdown.
 */
import { parse, parseFragment, type DefaultTreeAdapterTypes } from "parse5";

import { SegmentBuilder } from "../placeholders.js";
import type { SourceMarkup, SourceSplicer } from "./source-splicer.js";
import { foldLineBreaks, unfoldLineBreaks } from "./source-text.js";

type ChildNode = DefaultTreeAdapterTypes.ChildNode;
type Element = DefaultTreeAdapterTypes.Element;
type ParentNode = DefaultTreeAdapterTypes.ParentNode;
type TextNode = DefaultTreeAdapterTypes.TextNode;

/** Elements whose text is not translated (their attributes may be). */
// prettier-ignore
const CONTENT_NOT_TRANSLATED = new Set([
  "code", "pre", "kbd", "samp", "var", "textarea", "noscript", "svg", "math", "iframe", "object",
]);
/** Elements of which nothing is translated. */
const NOTHING_TRANSLATED = new Set(["script", "style", "template"]);
// prettier-ignore
const INLINE_ELEMENTS = new Set([
  "a", "abbr", "b", "bdi", "bdo", "big", "br", "button", "cite", "code", "data", "del", "dfn",
  "em", "font", "i", "img", "input", "ins", "kbd", "label", "mark", "q", "s", "samp", "small",
  "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr",
]);
// prettier-ignore
const VOID_ELEMENTS = new Set([
  "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
  "wbr",
]);
// prettier-ignore
const TRANSLATED_META = new Set([
  "description", "og:title", "og:description", "og:site_name", "twitter:title",
  "twitter:description",
]);

export interface HtmlSegmentsOptions {
  /** The HTML text: the splicer's whole source, or one block of it. */
  html: string;
  /** Where `html` starts in the splicer's source. */
  offset: number;
  /** Parse as a fragment (an HTML block of Markdown) rather than a document. */
  fragment: boolean;
  /** Attributes whose values are translated (lowercase names). */
  attributes: readonly string[];
}

interface Piece {
  start: number;
  end: number;
  /** Decoded text for a text piece; undefined for markup. */
  text?: string;
  /** Markup that may be left outside the segment when at its edges (a comment, an image). */
  detachable?: boolean;
}

export function addHtmlSegments(splicer: SourceSplicer, options: HtmlSegmentsOptions): void {
  const { html, offset } = options;
  const attributes = new Set(options.attributes.map((name) => name.toLowerCase()));
  const root = options.fragment
    ? parseFragment(html, { sourceCodeLocationInfo: true })
    : parse(html, { sourceCodeLocationInfo: true });

  const walkElement = (element: Element): void => {
    if (!isTranslated(element)) return;
    addAttributeSegments(element);
    if (isContentTranslated(element)) walkChildren(element.childNodes, segmentKind(element));
  };

  const walkChildren = (children: readonly ChildNode[], kind: string): void => {
    let run: ChildNode[] = [];
    for (const child of children) {
      if (isInlineContent(child)) {
        run.push(child);
        continue;
      }
      addRun(run, kind);
      run = [];
      if (isElement(child)) walkElement(child);
    }
    addRun(run, kind);
  };

  const addRun = (run: readonly ChildNode[], kind: string): void => {
    if (run.length === 0) return;
    const pieces: Piece[] = [];
    if (flattenRun(run, pieces)) addRunSegment(pieces, kind);
    else {
      // Misnested markup the parser repaired: fall back to one segment per text node.
      for (const text of textNodesOf(run)) {
        const location = text.sourceCodeLocation;
        if (!location) continue;
        const start = offset + location.startOffset;
        addRunSegment([{ start, end: offset + location.endOffset, text: text.value }], kind);
      }
    }
    for (const element of translatedElementsOf(run)) addAttributeSegments(element);
  };

  const addRunSegment = (pieces: Piece[], kind: string): void => {
    trimPieces(pieces, splicer.source);
    if (pieces.length === 0) return;
    const builder = new SegmentBuilder<SourceMarkup>({
      variables: "prose",
      literal: (text) => ({ literal: escapeHtmlText(text) }),
    });
    // Line breaks and the indentation after them come back as they were.
    const breaks: string[] = [];
    for (const piece of pieces) {
      if (piece.text === undefined) {
        builder.addMarkup({ start: piece.start, end: piece.end });
        continue;
      }
      const folded = foldLineBreaks(piece.text, /[ \t]*/y);
      // The parser turns CRLF into LF: take the breaks from the source where they match.
      const raw = foldLineBreaks(splicer.source.slice(piece.start, piece.end), /[ \t]*/y);
      const sameBreaks = raw.breaks.length === folded.breaks.length;
      breaks.push(...(sameBreaks ? raw.breaks : folded.breaks));
      builder.addText(folded.text);
    }
    splicer.add({
      start: pieces[0]!.start,
      end: pieces.at(-1)!.end,
      kind,
      segment: builder.build(),
      encodeText: (translated) =>
        unfoldLineBreaks(escapeHtmlText(translated.trim()), breaks, { fallback: " " }),
    });
  };

  /** Pieces of a run in source order; false when the run is not contiguous in the source. */
  const flattenRun = (nodes: readonly ChildNode[], pieces: Piece[]): boolean => {
    for (const node of nodes) {
      const location = node.sourceCodeLocation;
      if (!location) return false;
      const start = offset + location.startOffset;
      const end = offset + location.endOffset;
      const previous = pieces.at(-1);
      if (previous && previous.end !== start) return false;
      if (node.nodeName === "#text") {
        pieces.push({ start, end, text: (node as TextNode).value });
      } else if (node.nodeName === "#comment") {
        pieces.push({ start, end, detachable: true });
      } else if (isElement(node)) {
        if (!isContentTranslated(node) || VOID_ELEMENTS.has(node.tagName)) {
          // A line break, an image or a form field at the edge of a run stays outside it.
          pieces.push({ start, end, detachable: VOID_ELEMENTS.has(node.tagName) });
          continue;
        }
        const { startTag, endTag } = node.sourceCodeLocation ?? {};
        if (!startTag || !endTag) return false;
        pieces.push({ start, end: offset + startTag.endOffset });
        if (!flattenRun(node.childNodes, pieces)) return false;
        if (pieces.at(-1)!.end !== offset + endTag.startOffset) return false;
        pieces.push({ start: offset + endTag.startOffset, end });
      }
    }
    return true;
  };

  const addAttributeSegments = (element: Element): void => {
    const locations = element.sourceCodeLocation?.attrs;
    if (!locations) return;
    for (const attribute of element.attrs) {
      const location = locations[attribute.name];
      if (!location || !isTranslatedAttribute(element, attribute.name, attributes)) continue;
      const raw = html.slice(location.startOffset, location.endOffset);
      const equals = /^[^=]*=\s*/.exec(raw);
      if (!equals) continue;
      const quote =
        raw[equals[0].length] === '"' || raw[equals[0].length] === "'"
          ? raw[equals[0].length]!
          : "";
      const builder = new SegmentBuilder<SourceMarkup>({
        variables: "prose",
        literal: (literal) => ({ literal }),
      });
      const outputQuote = quote || '"';
      splicer.add({
        start: offset + location.startOffset + equals[0].length,
        end: offset + location.endOffset,
        kind: `attribute:${attribute.name}`,
        segment: builder.addText(attribute.value).build(),
        encodeValue: (value) => outputQuote + escapeHtmlAttribute(value, outputQuote) + outputQuote,
      });
    }
  };

  walkChildren(root.childNodes, "paragraph");
}

function isElement(node: ChildNode | ParentNode): node is Element {
  return "tagName" in node;
}

function attributeOf(element: Element, name: string): string | undefined {
  return element.attrs.find((attribute) => attribute.name === name)?.value;
}

/** Whether anything of an element (attributes, text) may be translated. */
function isTranslated(element: Element): boolean {
  if (NOTHING_TRANSLATED.has(element.tagName)) return false;
  if (attributeOf(element, "translate")?.toLowerCase() === "no") return false;
  return !(attributeOf(element, "class") ?? "").split(/\s+/).includes("notranslate");
}

/** Whether an element's text may be translated. */
function isContentTranslated(element: Element): boolean {
  return isTranslated(element) && !CONTENT_NOT_TRANSLATED.has(element.tagName);
}

function isTranslatedAttribute(
  element: Element,
  name: string,
  attributes: ReadonlySet<string>,
): boolean {
  if (attributes.has(name)) return true;
  if (element.tagName === "meta" && name === "content") {
    const key = (
      attributeOf(element, "name") ??
      attributeOf(element, "property") ??
      ""
    ).toLowerCase();
    return TRANSLATED_META.has(key);
  }
  if (element.tagName === "input" && name === "value") {
    return ["submit", "button", "reset"].includes(
      (attributeOf(element, "type") ?? "").toLowerCase(),
    );
  }
  return false;
}

/** Text, comments and inline elements holding only inline content belong to a run. */
function isInlineContent(node: ChildNode): boolean {
  if (node.nodeName === "#text" || node.nodeName === "#comment") return true;
  if (!isElement(node) || !INLINE_ELEMENTS.has(node.tagName)) return false;
  if (!isContentTranslated(node)) return true;
  return node.childNodes.every(isInlineContent);
}

function translatedElementsOf(nodes: readonly ChildNode[]): Element[] {
  return nodes.flatMap((node) =>
    !isElement(node) || !isTranslated(node)
      ? []
      : isContentTranslated(node)
        ? [node, ...translatedElementsOf(node.childNodes)]
        : [node],
  );
}

function textNodesOf(nodes: readonly ChildNode[]): TextNode[] {
  return nodes.flatMap((node) => {
    if (node.nodeName === "#text") return [node as TextNode];
    return isElement(node) && isContentTranslated(node) ? textNodesOf(node.childNodes) : [];
  });
}

function segmentKind(element: Element): string {
  if (/^h[1-6]$/.test(element.tagName)) return "heading";
  if (element.tagName === "li") return "list-item";
  if (element.tagName === "td" || element.tagName === "th") return "table-cell";
  if (element.tagName === "title") return "title";
  return "paragraph";
}

/**
 * Drops whitespace and comments at the edges of a run: they stay outside the segment. The
 * decoded text and the source may differ (entities, CRLF), so each side is trimmed on its own.
 */
function trimPieces(pieces: Piece[], source: string): void {
  for (;;) {
    const first = pieces[0];
    if (!first || first.text === undefined) {
      if (first?.detachable) {
        pieces.shift();
        continue;
      }
      break;
    }
    const text = first.text.replace(/^[ \t\n\r\f]+/, "");
    if (text === "") {
      pieces.shift();
      continue;
    }
    first.start += /^[ \t\n\r\f]*/.exec(source.slice(first.start, first.end))![0].length;
    first.text = text;
    break;
  }
  for (;;) {
    const last = pieces.at(-1);
    if (!last || last.text === undefined) {
      if (last?.detachable) {
        pieces.pop();
        continue;
      }
      break;
    }
    const text = last.text.replace(/[ \t\n\r\f]+$/, "");
    if (text === "") {
      pieces.pop();
      continue;
    }
    last.end -= /[ \t\n\r\f]*$/.exec(source.slice(last.start, last.end))![0].length;
    last.text = text;
    break;
  }
}

export function escapeHtmlText(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\u00a0/g, "&nbsp;");
}

function escapeHtmlAttribute(value: string, quote: string): string {
  const escaped = value.replace(/&/g, "&amp;").replace(/\u00a0/g, "&nbsp;");
  return quote === "'" ? escaped.replace(/'/g, "&#39;") : escaped.replace(/"/g, "&quot;");
}
