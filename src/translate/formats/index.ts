/**
 * The format adapters, one per file extension, and `adapterFor(path)`. Each adapter loads its
 * implementation (and its parser: remark, parse5, jszip, pdf.js, docx) only when a document of
 * its kind is read, or when the engine asks for it ahead (`load`, at the start of a run that
 * has documents of that kind). An adapter writes its output with the extension it was chosen
 * for (a `.yml` stays `.yml`), except PDF, which becomes a `.md` and a `.docx`.
 */
import { extname } from "node:path";

import type { AdapterOptions, DocumentFormat, ExtractedDocument, FormatAdapter } from "../types.js";

type Extract = (
  source: Uint8Array,
  options: AdapterOptions,
  extension: string,
) => Promise<ExtractedDocument>;

interface Extractor {
  format: DocumentFormat;
  extract: Extract;
  /** Loads the implementation and what every document needs (the parser). */
  load: () => Promise<unknown>;
}

const extractors: Record<string, Extractor> = {
  markdown: {
    format: "markdown",
    extract: async (source, options, extension) =>
      (await import("./markdown.js")).extractMarkdown(source, options, extension, "markdown"),
    load: async () => (await import("./markdown.js")).loadMarkdown("markdown"),
  },
  mdx: {
    format: "markdown",
    extract: async (source, options, extension) =>
      (await import("./markdown.js")).extractMarkdown(source, options, extension, "mdx"),
    load: async () => (await import("./markdown.js")).loadMarkdown("mdx"),
  },
  text: {
    format: "text",
    extract: async (source, options, extension) =>
      (await import("./text.js")).extractText(source, options, extension),
    load: () => import("./text.js"),
  },
  html: {
    format: "html",
    extract: async (source, options, extension) =>
      (await import("./html.js")).extractHtml(source, options, extension),
    load: () => import("./html.js"),
  },
  json: {
    format: "json",
    extract: async (source, options, extension) =>
      (await import("./json.js")).extractJson(source, options, extension),
    load: () => import("./json.js"),
  },
  yaml: {
    format: "yaml",
    extract: async (source, options, extension) =>
      (await import("./yaml.js")).extractYaml(source, options, extension),
    load: () => import("./yaml.js"),
  },
  docx: {
    format: "docx",
    extract: async (source, options) => (await import("./docx.js")).extractDocx(source, options),
    load: () => import("./docx.js"),
  },
  pdf: {
    format: "pdf",
    extract: async (source, options) => (await import("./pdf.js")).extractPdf(source, options),
    load: () => import("./pdf.js"),
  },
};

const extensionKinds: ReadonlyArray<readonly [string, keyof typeof extractors]> = [
  [".md", "markdown"],
  [".markdown", "markdown"],
  [".mdown", "markdown"],
  [".mkd", "markdown"],
  [".mdx", "mdx"],
  [".txt", "text"],
  [".text", "text"],
  [".html", "html"],
  [".htm", "html"],
  [".json", "json"],
  [".arb", "json"],
  [".yaml", "yaml"],
  [".yml", "yaml"],
  [".docx", "docx"],
  [".pdf", "pdf"],
];

/** Every adapter, one per extension (several share a format). */
export const adapters: readonly FormatAdapter[] = extensionKinds.map(([extension, kind]) => {
  const { format, extract, load } = extractors[kind]!;
  return {
    format,
    extensions: [extension],
    extract: (source: Uint8Array, options: AdapterOptions) => extract(source, options, extension),
    load: async () => void (await load()),
  };
});

/** The adapter for a file by its extension (case-insensitive), or undefined when unsupported. */
export function adapterFor(path: string): FormatAdapter | undefined {
  const extension = extname(path).toLowerCase();
  return adapters.find((adapter) => adapter.extensions.includes(extension));
}

/** The extensions that can be translated, for --help and error messages. */
export const supportedExtensions: readonly string[] = extensionKinds.map(
  ([extension]) => extension,
);
