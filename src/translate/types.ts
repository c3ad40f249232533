/**
 * What the format adapters (`formats/*.ts`) and the translation engine agree on.
 *
 * An adapter reads one document and hands out its human text as segments, in document order,
 * with everything that must survive byte for byte (inline code, links, tags, variables, the
 * formatting of a Word run) replaced inside the segment by placeholders. The engine translates
 * the segments (checking that every placeholder comes back exactly once) and gives the adapter
 * the translations in the same order; the adapter restores the placeholders and rebuilds the
 * document with everything that is not a segment unchanged.
 */

export const documentFormats = ["markdown", "text", "html", "json", "yaml", "docx", "pdf"] as const;

export type DocumentFormat = (typeof documentFormats)[number];

export interface Segment {
  /** 0-based, in document order. */
  index: number;
  /** The text to translate, inline markup replaced by placeholder tokens (see placeholders.ts). */
  text: string;
  /** The placeholder tokens `text` holds, in order of appearance; each must come back once. */
  placeholders: string[];
  /**
   * Where it comes from, for context and reports: "heading", "paragraph", "list-item",
   * "table-cell", "alt", "link-text", "front-matter:title", "attribute:title", "value:a.b",
   * "page-3", ...
   */
  kind: string;
}

/** One file an adapter writes for a document (a PDF gives a Markdown and a DOCX file). */
export interface RenderedFile {
  /** The extension of this output, with the dot (".md"); the target path takes it. */
  extension: string;
  bytes: Uint8Array;
}

export interface ExtractedDocument {
  format: DocumentFormat;
  segments: Segment[];
  /**
   * Rebuilds the document from one translation per segment (same order and length as
   * `segments`; a segment left untranslated gets its own `text` back). Placeholders in the
   * translations are restored to the markup they stand for.
   */
  render(translations: readonly string[]): Promise<RenderedFile[]>;
  /** What this format loses in translation (PDF: exact layout, images), for --help and reports. */
  notes: string[];
}

export interface AdapterOptions {
  /** Front-matter keys (Markdown) whose values are translated; others are kept as they are. */
  frontMatterKeys: readonly string[];
  /** HTML attributes whose values are translated (alt, title, ...). */
  htmlAttributes: readonly string[];
}

export interface FormatAdapter {
  format: DocumentFormat;
  /** Lowercase file extensions with the dot, e.g. [".md", ".markdown", ".mdx"]. */
  extensions: readonly string[];
  /**
   * Reads a document. Throws `InputError` (src/errors.ts) naming the problem for a corrupt or
   * unsupported file; the engine reports it for that file and goes on with the others.
   */
  extract(source: Uint8Array, options: AdapterOptions): Promise<ExtractedDocument>;
  /**
   * Loads what reading any document of this kind needs (the parser), so that a run can start
   * it ahead of its first document. Optional; `extract` loads it anyway.
   */
  load?(): Promise<void>;
}
