/**
 * A tiny format adapter for engine tests, independent of the real ones in src/translate/formats:
 * `.txt` files where every non-empty line is a segment, `inline code` and [links](url) become
 * placeholders, and lines indented by four spaces are code (not segments). A file holding a NUL
 * byte is "corrupt" (the adapter throws InputError, as real adapters do). `.note` files are
 * read the same way but rendered as `.txt`, a change of format like PDF to Markdown.
 */
import path from "node:path";
import { InputError } from "../../../src/errors.js";
import type { AdapterRegistry } from "../../../src/translate/translate-files.js";
import type { ExtractedDocument, FormatAdapter, Segment } from "../../../src/translate/types.js";

const markup = /`[^`]*`|\[[^\]]*\]\([^)]*\)/g;

export const lineAdapter: FormatAdapter = {
  format: "text",
  extensions: [".txt", ".note"],
  async extract(source: Uint8Array): Promise<ExtractedDocument> {
    if (source.includes(0))
      throw new InputError("the file is binary or corrupt (it holds NUL bytes)");
    const lines = new TextDecoder().decode(source).split("\n");
    const segments: Segment[] = [];
    const lineOf: number[] = [];
    const markupOf: Array<Map<string, string>> = [];
    lines.forEach((line, lineIndex) => {
      if (line.trim() === "" || line.startsWith("    ")) return;
      const tokens = new Map<string, string>();
      const placeholders: string[] = [];
      const text = line.replace(markup, (match) => {
        const token = `⟦${placeholders.length + 1}⟧`;
        placeholders.push(token);
        tokens.set(token, match);
        return token;
      });
      segments.push({ index: segments.length, text, placeholders, kind: "line" });
      lineOf.push(lineIndex);
      markupOf.push(tokens);
    });
    return {
      format: "text",
      segments,
      notes: [],
      async render(translations) {
        const out = [...lines];
        translations.forEach((translation, index) => {
          let line = translation;
          for (const [token, original] of markupOf[index]!) line = line.split(token).join(original);
          out[lineOf[index]!] = line;
        });
        return [{ extension: ".txt", bytes: new TextEncoder().encode(out.join("\n")) }];
      },
    };
  },
};

export const lineRegistry: AdapterRegistry = {
  adapters: [lineAdapter],
  adapterFor: (file) =>
    lineAdapter.extensions.includes(path.extname(file).toLowerCase()) ? lineAdapter : undefined,
};
