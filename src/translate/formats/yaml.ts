/**
 * YAML locale files: every string value is a segment (keys, comments, anchors and layout stay
 * as they are); see yaml-values.ts for how values are written back.
 */
import type { AdapterOptions, ExtractedDocument } from "../types.js";
import { localeValue, translatedLocaleValue, valueKind } from "./locale-values.js";
import { decodeSourceText, encodeSourceText } from "./source-text.js";
import { readYamlStringValues, writeYamlStringValues } from "./yaml-values.js";

export async function extractYaml(
  source: Uint8Array,
  _options: AdapterOptions,
  extension = ".yaml",
): Promise<ExtractedDocument> {
  const { text, bom } = decodeSourceText(source, "YAML file");
  const entries = readYamlStringValues(text, "YAML file").flatMap((value) => {
    const entry = localeValue(value.value);
    return entry ? [{ ...entry, value }] : [];
  });
  return {
    format: "yaml",
    segments: entries.map((entry, index) => ({
      index,
      text: entry.segment.text,
      placeholders: [...entry.segment.placeholders],
      kind: valueKind(entry.value.path),
    })),
    async render(translations) {
      const newValues = new Map<number, string>();
      entries.forEach((entry, index) => {
        const value = translatedLocaleValue(entry, translations[index] ?? entry.segment.text);
        if (value !== entry.value.value) newValues.set(entry.value.offset, value);
      });
      const rendered = writeYamlStringValues(text, newValues);
      return [{ extension, bytes: encodeSourceText(rendered, bom) }];
    },
    notes: [
      "Only string values are translated; keys (including a top-level language key such as " +
        "`en:`), comments, anchors and layout are kept.",
    ],
  };
}
