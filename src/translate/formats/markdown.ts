/**
 * Markdown and MDX through remark (GFM, front matter, math; MDX adds JSX and expressions).
 * Headings, paragraphs, list items, table cells, footnotes, image alt text and link text are
 * segments; translations are spliced into the original source by the parser's offsets, so code
 * blocks, URLs, HTML, math, reference definitions and all layout stay byte for byte.
 *
 * Inside a segment, inline code, emphasis markers, link and image syntax (`[`, `](url)`), inline
 * HTML, math, footnote references, JSX tags and expressions become placeholders. Link text stays
 * translatable; the text of a shortcut reference (`[name]`) does not, because it names its
 * definition. Line breaks inside a paragraph come back with the original container prefixes
 * (list indentation, `> `). Front-matter values of the configured keys are translated through
 * the YAML syntax tree (yaml-values.ts); HTML blocks through html-segments.ts.
 *
 * Speed: one frozen processor per flavor serves every document, and what only some documents
 * need is loaded on first use: remark-mdx (MDX files), parse5 (documents with HTML blocks), the
 * YAML reader (front matter with keys to translate). Parsing is CPU work on the one thread.
 */
import remarkFrontmatter from "remark-frontmatter";
import remarkGfm from "remark-gfm";
import remarkMath from "remark-math";
import remarkParse from "remark-parse";
import { unified, type Processor } from "unified";

import { InputError } from "../../errors.js";
import { SegmentBuilder } from "../placeholders.js";
import type { AdapterOptions, ExtractedDocument, Segment } from "../types.js";
import type { addHtmlSegments as AddHtmlSegments } from "./html-segments.js";
import { localeValue, translatedLocaleValue, type LocaleValue } from "./locale-values.js";
import { SourceSplicer, type SourceMarkup, type SourceReplacement } from "./source-splicer.js";
import {
  decodeSourceText,
  encodeSourceText,
  foldLineBreaks,
  unfoldLineBreaks,
} from "./source-text.js";
import type * as YamlValues from "./yaml-values.js";
import type { YamlStringValue } from "./yaml-values.js";

export type MarkdownFlavor = "markdown" | "mdx";

/** The parts of an mdast node this adapter reads (MDX nodes included). */
interface MdNode {
  type: string;
  position?: { start: { offset?: number }; end: { offset?: number } };
  children?: MdNode[];
  value?: string;
  referenceType?: string;
  attributes?: MdNode[];
  name?: string | null;
}

/** What starts a continuation line of a paragraph: container indentation and `>` markers. */
const LINE_PREFIX = /[ \t]*(?:>[ \t]*)*/y;
const CHARACTER_REFERENCE = /&(?:[A-Za-z][A-Za-z\d]{1,31}|#\d{1,7}|#[xX][\da-fA-F]{1,6});/g;
/** A translated line starting like this would change the structure: join it instead. */
const STRUCTURAL_LINE_START =
  /^\s*(?:[-+*][ \t]|#{1,6}(?:[ \t]|$)|>|\d{1,9}[.)][ \t]|[=-]+\s*$|`{3}|~{3}|\|)/;

const processors = new Map<MarkdownFlavor, Promise<Processor>>();

/** The parser of a flavor, built once (a frozen processor parses any number of documents). */
function processorFor(flavor: MarkdownFlavor): Promise<Processor> {
  let processor = processors.get(flavor);
  if (!processor) {
    processor = buildProcessor(flavor);
    processors.set(flavor, processor);
    processor.catch(() => processors.delete(flavor));
  }
  return processor;
}

async function buildProcessor(flavor: MarkdownFlavor): Promise<Processor> {
  const processor = unified().use(remarkParse);
  if (flavor === "mdx") processor.use((await import("remark-mdx")).default);
  processor.use(remarkGfm).use(remarkFrontmatter, ["yaml", "toml"]).use(remarkMath);
  return processor.freeze() as unknown as Processor;
}

let htmlSegments: Promise<typeof AddHtmlSegments> | undefined;
let yamlValues: Promise<typeof YamlValues> | undefined;

/** Loads what every document of `flavor` needs, ahead of the first one. */
export async function loadMarkdown(flavor: MarkdownFlavor): Promise<void> {
  await processorFor(flavor);
}

export async function extractMarkdown(
  source: Uint8Array,
  options: AdapterOptions,
  extension: string,
  flavor: MarkdownFlavor,
): Promise<ExtractedDocument> {
  const what = flavor === "mdx" ? "MDX file" : "Markdown file";
  const { text, bom } = decodeSourceText(source, what);
  const tree = parseMarkdown(await processorFor(flavor), text);
  const splicer = new SourceSplicer(text);
  const frontMatter = await readFrontMatter(text, tree, options.frontMatterKeys);
  const addHtml =
    flavor === "markdown" && containsNode(tree, "html")
      ? await (htmlSegments ??= import("./html-segments.js").then(
          (module) => module.addHtmlSegments,
        ))
      : undefined;
  new MarkdownSegments(text, splicer, options, addHtml).addBlock(tree, undefined);

  const frontSegments: Segment[] = frontMatter.entries.map((entry, index) => ({
    index,
    text: entry.segment.text,
    placeholders: [...entry.segment.placeholders],
    kind: `front-matter:${keyPath(entry.value.path)}`,
  }));
  const segments = [...frontSegments, ...splicer.segments(frontSegments.length)];
  return {
    format: "markdown",
    segments,
    async render(translations) {
      const replacements: SourceReplacement[] = [];
      const newValues = new Map<number, string>();
      frontMatter.entries.forEach((entry, index) => {
        const value = translatedLocaleValue(entry, translations[index] ?? entry.segment.text);
        if (value !== entry.value.value) newValues.set(entry.value.offset, value);
      });
      if (newValues.size > 0 && frontMatter.yaml) {
        const { start, end } = frontMatter;
        const yaml = frontMatter.yaml.writeYamlStringValues(text.slice(start, end), newValues);
        replacements.push({ start, end, text: yaml });
      }
      const body = splicer.render(translations.slice(frontSegments.length), replacements);
      return [{ extension, bytes: encodeSourceText(body, bom) }];
    },
    notes: [
      "Code, URLs, HTML tags, math, reference definitions and layout are kept as they are.",
      "The text of shortcut references ([name]) is kept, because it names its definition.",
      ...(flavor === "mdx"
        ? [
            "JSX expressions and imports are kept; only string attributes " +
              "listed in htmlAttributes are translated.",
          ]
        : []),
      ...(frontMatter.problem ? [frontMatter.problem] : []),
    ],
  };
}

function parseMarkdown(processor: Processor, text: string): MdNode {
  try {
    return processor.parse(text) as MdNode;
  } catch (error) {
    throw new InputError(`The MDX file cannot be parsed: ${(error as Error).message}`, {
      hint: "Fix the MDX syntax (an unclosed tag or { expression) and run again.",
      cause: error,
    });
  }
}

/** Whether a node of `type` is anywhere in the tree. */
function containsNode(node: MdNode, type: string): boolean {
  return node.type === type || (node.children ?? []).some((child) => containsNode(child, type));
}

function keyPath(path: ReadonlyArray<string | number>): string {
  return path.filter((part) => typeof part === "string").join(".");
}

interface FrontMatter {
  /** The YAML between the fences. */
  start: number;
  end: number;
  entries: Array<LocaleValue & { value: YamlStringValue }>;
  /** Why the front matter is not translated, when it cannot be read. */
  problem?: string;
  /** The YAML reader and writer, loaded when there is front matter to translate. */
  yaml?: typeof YamlValues;
}

async function readFrontMatter(
  text: string,
  tree: MdNode,
  keys: readonly string[],
): Promise<FrontMatter> {
  const none: FrontMatter = { start: 0, end: 0, entries: [] };
  const node = tree.children?.[0];
  const nodeStart = node?.position?.start.offset;
  if (node?.type !== "yaml" || nodeStart === undefined || node.value === undefined) return none;
  const start = text.indexOf("\n", nodeStart) + 1;
  const end = start + node.value.length;
  if (start === 0 || text.slice(start, end) !== node.value) return none;
  const wanted = new Set(keys);
  if (wanted.size === 0) return none;
  const yaml = await (yamlValues ??= import("./yaml-values.js"));
  let values: YamlStringValue[];
  try {
    values = yaml.readYamlStringValues(node.value, "front matter");
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { ...none, problem: `${error.message} It is kept as it is.` };
  }
  const entries = values.flatMap((value) => {
    if (!wanted.has(keyPath(value.path))) return [];
    const entry = localeValue(value.value);
    return entry ? [{ ...entry, value: { ...value } }] : [];
  });
  return { start, end, entries, yaml };
}

interface InlineOptions {
  kind: string;
  /** Headings and table cells: a translation must stay on one line. */
  singleLine: boolean;
  tableCell: boolean;
}

class MarkdownSegments {
  constructor(
    private readonly source: string,
    private readonly splicer: SourceSplicer,
    private readonly options: AdapterOptions,
    /** Reads HTML blocks (Markdown only, and only when the document has some). */
    private readonly addHtmlSegments: typeof AddHtmlSegments | undefined,
  ) {}

  addBlock(node: MdNode, parent: MdNode | undefined): void {
    switch (node.type) {
      case "paragraph":
        this.addInline(node, {
          kind: this.paragraphKind(node, parent),
          singleLine: false,
          tableCell: false,
        });
        return;
      case "heading": {
        const atx = /^[ \t]*#/.test(this.source.slice(start(node)));
        this.addInline(node, { kind: "heading", singleLine: atx, tableCell: false });
        return;
      }
      case "tableCell":
        this.addInline(node, { kind: "table-cell", singleLine: true, tableCell: true });
        return;
      case "html":
        this.addHtmlBlock(node);
        return;
      case "mdxJsxFlowElement":
        this.addJsxAttributes(node);
        break;
      case "root":
      case "blockquote":
      case "list":
      case "listItem":
      case "footnoteDefinition":
      case "table":
      case "tableRow":
        break;
      default:
        return; // code, math, definitions, front matter, thematic breaks, ESM, expressions
    }
    for (const child of node.children ?? []) this.addBlock(child, node);
  }

  private paragraphKind(node: MdNode, parent: MdNode | undefined): string {
    const children = (node.children ?? []).filter(
      (child) => !(child.type === "text" && child.value?.trim() === ""),
    );
    if (children.length === 1 && children[0]!.type === "image") return "alt";
    if (parent?.type === "listItem") return "list-item";
    if (parent?.type === "footnoteDefinition") return "footnote";
    return "paragraph";
  }

  private addInline(node: MdNode, inline: InlineOptions): void {
    const children = node.children ?? [];
    if (children.length === 0 || !hasPosition(children[0]!) || !hasPosition(children.at(-1)!)) {
      return;
    }
    const breaks: string[] = [];
    const builder = new SegmentBuilder<SourceMarkup>({
      variables: "prose",
      literal: (literal) => ({ literal }),
    });
    const segmentStart = start(children[0]!);
    const segmentEnd = end(children.at(-1)!);
    this.addChildren(children, segmentStart, segmentEnd, builder, breaks);
    this.splicer.add({
      start: segmentStart,
      end: segmentEnd,
      kind: inline.kind,
      segment: builder.build(),
      encodeText: (translated) => {
        let text = translated.trim();
        if (inline.singleLine) text = text.replace(/\s*\n\s*/g, " ");
        if (inline.tableCell) text = text.replace(/(?<!\\)\|/g, "\\|");
        if (inline.singleLine) return text;
        return unfoldLineBreaks(text, breaks, {
          fallback: " ",
          joinLine: (line) => STRUCTURAL_LINE_START.test(line),
        });
      },
    });
  }

  /** The phrasing children between `from` and `to`; gaps between them are markup. */
  private addChildren(
    children: readonly MdNode[],
    from: number,
    to: number,
    builder: SegmentBuilder<SourceMarkup>,
    breaks: string[],
  ): void {
    let position = from;
    for (const child of children) {
      if (!hasPosition(child)) continue;
      if (start(child) > position) builder.addMarkup({ start: position, end: start(child) });
      this.addPhrasing(child, builder, breaks);
      position = end(child);
    }
    if (to > position) builder.addMarkup({ start: position, end: to });
  }

  private addText(raw: string, builder: SegmentBuilder<SourceMarkup>, breaks: string[]): void {
    const folded = foldLineBreaks(raw, LINE_PREFIX);
    breaks.push(...folded.breaks);
    // Character references (&copy;, &#8212;) are markup: a model would mangle them.
    let position = 0;
    for (const match of folded.text.matchAll(CHARACTER_REFERENCE)) {
      builder.addText(folded.text.slice(position, match.index));
      builder.addMarkup({ literal: match[0] });
      position = match.index + match[0].length;
    }
    builder.addText(folded.text.slice(position));
  }

  private addPhrasing(node: MdNode, builder: SegmentBuilder<SourceMarkup>, breaks: string[]): void {
    const nodeStart = start(node);
    const nodeEnd = end(node);
    const whole = () => builder.addMarkup({ start: nodeStart, end: nodeEnd });
    switch (node.type) {
      case "text":
        this.addText(this.source.slice(nodeStart, nodeEnd), builder, breaks);
        return;
      case "emphasis":
      case "strong":
      case "delete":
        this.addWrapped(node, builder, breaks);
        return;
      case "link":
        // Autolinks (<https://…>, www.example.com) are URLs, not text.
        if (this.source[nodeStart] === "[") this.addWrapped(node, builder, breaks);
        else whole();
        return;
      case "linkReference":
        if (node.referenceType === "full") this.addWrapped(node, builder, breaks);
        else whole();
        return;
      case "image":
      case "imageReference":
        this.addImage(node, builder, breaks);
        return;
      case "mdxJsxTextElement":
        this.addJsxAttributes(node);
        this.addWrapped(node, builder, breaks);
        return;
      default:
        whole(); // inline code, HTML, math, breaks, footnote references, expressions
    }
  }

  /** Opening syntax, the children, closing syntax: `**`…`**`, `[`…`](url)`, `<b>`…`</b>`. */
  private addWrapped(node: MdNode, builder: SegmentBuilder<SourceMarkup>, breaks: string[]): void {
    const children = (node.children ?? []).filter(hasPosition);
    if (children.length === 0) {
      builder.addMarkup({ start: start(node), end: end(node) });
      return;
    }
    const contentStart = start(children[0]!);
    const contentEnd = end(children.at(-1)!);
    builder.addMarkup({ start: start(node), end: contentStart });
    this.addChildren(children, contentStart, contentEnd, builder, breaks);
    builder.addMarkup({ start: contentEnd, end: end(node) });
  }

  /** `![alt](src)`: the alt text is translated, the rest is markup. */
  private addImage(node: MdNode, builder: SegmentBuilder<SourceMarkup>, breaks: string[]): void {
    const nodeStart = start(node);
    const nodeEnd = end(node);
    const altStart = nodeStart + 2;
    const altEnd = closingBracket(this.source, altStart, nodeEnd);
    const translatable =
      altEnd !== undefined &&
      this.source.slice(altStart, altEnd).trim() !== "" &&
      (node.type === "image" || node.referenceType === "full");
    if (!translatable) {
      builder.addMarkup({ start: nodeStart, end: nodeEnd });
      return;
    }
    builder.addMarkup({ start: nodeStart, end: altStart });
    this.addText(this.source.slice(altStart, altEnd), builder, breaks);
    builder.addMarkup({ start: altEnd, end: nodeEnd });
  }

  /** String attributes of JSX elements that are configured for translation (title, alt…). */
  private addJsxAttributes(node: MdNode): void {
    const wanted = new Set(this.options.htmlAttributes.map((name) => name.toLowerCase()));
    for (const attribute of node.attributes ?? []) {
      if (attribute.type !== "mdxJsxAttribute" || !hasPosition(attribute)) continue;
      if (!wanted.has((attribute.name ?? "").toLowerCase())) continue;
      const value = (attribute as { value?: unknown }).value;
      if (typeof value !== "string") continue;
      const raw = this.source.slice(start(attribute), end(attribute));
      const equals = /^[^=]*=\s*/.exec(raw);
      const quote = equals ? raw[equals[0].length] : undefined;
      if (!equals || (quote !== '"' && quote !== "'")) continue;
      const builder = new SegmentBuilder<SourceMarkup>({
        variables: "prose",
        literal: (literal) => ({ literal }),
      });
      this.splicer.add({
        start: start(attribute) + equals[0].length,
        end: end(attribute),
        kind: `attribute:${attribute.name}`,
        segment: builder.addText(value).build(),
        encodeValue: (text) => {
          const useQuote =
            text.includes(quote) && !text.includes(quote === '"' ? "'" : '"')
              ? quote === '"'
                ? "'"
                : '"'
              : quote;
          return (
            useQuote + text.replaceAll(useQuote, useQuote === '"' ? "&quot;" : "&#39;") + useQuote
          );
        },
      });
    }
  }

  /** An HTML block: its text through the HTML segmenter, when its source is the value as is. */
  private addHtmlBlock(node: MdNode): void {
    if (!this.addHtmlSegments || node.value === undefined || !hasPosition(node)) return;
    if (this.source.slice(start(node), end(node)) !== node.value) return;
    this.addHtmlSegments(this.splicer, {
      html: node.value,
      offset: start(node),
      fragment: true,
      attributes: this.options.htmlAttributes,
    });
  }
}

function hasPosition(node: MdNode): boolean {
  return node.position?.start.offset !== undefined && node.position.end.offset !== undefined;
}

function start(node: MdNode): number {
  return node.position!.start.offset!;
}

function end(node: MdNode): number {
  return node.position!.end.offset!;
}

/** The `]` closing a bracket opened just before `from`, honouring escapes and nesting. */
function closingBracket(source: string, from: number, limit: number): number | undefined {
  let depth = 0;
  for (let index = from; index < limit; index++) {
    const char = source[index];
    if (char === "\\") index++;
    else if (char === "[") depth++;
    else if (char === "]") {
      if (depth === 0) return index;
      depth--;
    }
  }
  return undefined;
}
