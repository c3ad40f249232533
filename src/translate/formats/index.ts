/**
 * The format adapters, one per file extension, and `adapterFor(path)`. Each adapter loads its
 * implementation (and its parser: remark, parse5, jszip, pdf.js, docx) only when a document of
 * its kind is read. An adapter writes its output with the extension it was chosen for (a
 * `.yml` stays `.yml`), except PDF, which becomes a `.md` and a `.docx`.
 */
import { extname } from "node:path";

import type { AdapterOptions, DocumentFormat, ExtractedDocument, FormatAdapter } from "../types.js";

type Extract = (
  source: Uint8Array,
  options: AdapterOptions,
  extension: string,
) => Promise<ExtractedDocument>;

const extractors: Record<string, { format: DocumentFormat; extract: Extract }> = {
  markdown: {
    format: "markdown",
    extract: async (source, options, extension) =>
      (await import("./markdown.js")).extractMarkdown(source, options, extension, "markdown"),
  },
  mdx: {
    format: "markdown",
    extract: async (source, options, extension) =>
      (await import("./markdown.js")).extractMarkdown(source, options, extension, "mdx"),
  },
  text: {
    format: "text",
    extract: async (source, options, extension) =>
      (await import("./text.js")).extractText(source, options, extension),
  },
  html: {
    format: "html",
    extract: async (source, options, extension) =>
      (await import("./html.js")).extractHtml(source, options, extension),
  },
  json: {
    format: "json",
    extract: async (source, options, extension) =>
      (await import("./json.js")).extractJson(source, options, extension),
  },
  yaml: {
    format: "yaml",
    extract: async (source, options, extension) =>
      (await import("./yaml.js")).extractYaml(source, options, extension),
  },
  docx: {
    format: "docx",
    extract: async (source, options) => (await import("./docx.js")).extractDocx(source, options),
  },
  pdf: {
    format: "pdf",
    extract: async (source, options) => (await import("./pdf.js")).extractPdf(source, options),
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
  const { format, extract } = extractors[kind]!;
  return {
    format,
    extensions: [extension],
    extract: (source: Uint8Array, options: AdapterOptions) => extract(source, options, extension),
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
