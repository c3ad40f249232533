/**
 * HTML pages: text and configured attributes are spliced back into the original source, so
 * tags, attributes, scripts, styles, comments and whitespace stay byte for byte (see
 * html-segments.ts for what counts as text).
 */
import type { AdapterOptions, ExtractedDocument } from "../types.js";
import { addHtmlSegments } from "./html-segments.js";
import { SourceSplicer } from "./source-splicer.js";
import { decodeSourceText, encodeSourceText } from "./source-text.js";

export async function extractHtml(
  source: Uint8Array,
  options: AdapterOptions,
  extension = ".html",
): Promise<ExtractedDocument> {
  const { text, bom } = decodeSourceText(source, "HTML file");
  const splicer = new SourceSplicer(text);
  addHtmlSegments(splicer, {
    html: text,
    offset: 0,
    fragment: false,
    attributes: options.htmlAttributes,
  });
  return {
    format: "html",
    segments: splicer.segments(),
    async render(translations) {
      return [{ extension, bytes: encodeSourceText(splicer.render(translations), bom) }];
    },
    notes: [
      'Text in script, style, code, pre, kbd, samp, var, template and translate="no" elements ' +
        "is kept as it is.",
      "The lang attribute of <html> is not changed: set it to the target language.",
    ],
  };
}
