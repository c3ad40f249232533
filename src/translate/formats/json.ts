/**
 * JSON locale files: every string value is a segment; keys, numbers, layout and escapes of
 * untouched values stay byte for byte, because translations are spliced in by offsets. Keys
 * starting with "@" (ARB and JSON-LD metadata) are skipped with everything under them.
 */
import { InputError } from "../../errors.js";
import type { AdapterOptions, ExtractedDocument } from "../types.js";
import {
  localeValue,
  translatedLocaleValue,
  valueKind,
  type LocaleValue,
} from "./locale-values.js";
import { decodeSourceText, encodeSourceText } from "./source-text.js";

interface JsonString {
  path: Array<string | number>;
  /** The string token, quotes included. */
  start: number;
  end: number;
  value: string;
}

export async function extractJson(
  source: Uint8Array,
  _options: AdapterOptions,
  extension = ".json",
): Promise<ExtractedDocument> {
  const { text, bom } = decodeSourceText(source, "JSON file");
  try {
    JSON.parse(text);
  } catch (error) {
    throw new InputError(`The JSON file is not valid JSON: ${(error as Error).message}`, {
      hint: "Fix the JSON syntax (comments and trailing commas are not allowed) and run again.",
      cause: error,
    });
  }
  const entries: Array<LocaleValue & JsonString> = [];
  for (const string of scanJsonStrings(text)) {
    const entry = localeValue(string.value);
    if (entry) entries.push({ ...entry, ...string });
  }
  // A file written with \u escapes for every non-ASCII character keeps that style.
  const asciiOnly = !/[\u0080-\uffff]/.test(text) && /\\u[0-9a-fA-F]{4}/.test(text);
  return {
    format: "json",
    segments: entries.map((entry, index) => ({
      index,
      text: entry.segment.text,
      placeholders: [...entry.segment.placeholders],
      kind: valueKind(entry.path),
    })),
    async render(translations) {
      let out = "";
      let position = 0;
      entries.forEach((entry, index) => {
        const value = translatedLocaleValue(entry, translations[index] ?? entry.segment.text);
        if (value === entry.value) return;
        out += text.slice(position, entry.start) + encodeJsonString(value, asciiOnly);
        position = entry.end;
      });
      out += text.slice(position);
      return [{ extension, bytes: encodeSourceText(out, bom) }];
    },
    notes: ['Only string values are translated; keys and "@" metadata entries are kept.'],
  };
}

function encodeJsonString(value: string, asciiOnly: boolean): string {
  const encoded = JSON.stringify(value);
  if (!asciiOnly) return encoded;
  return encoded.replace(
    /[\u0080-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * The string values of a JSON text (already known to be valid), with their key paths and
 * offsets, in document order. Keys are never returned.
 */
function scanJsonStrings(text: string): JsonString[] {
  const strings: JsonString[] = [];
  let position = 0;
  const skipWhitespace = () => {
    while (position < text.length && " \t\r\n".includes(text[position]!)) position++;
  };
  const readString = (): { start: number; end: number; value: string } => {
    const start = position;
    position++;
    while (text[position] !== '"') position += text[position] === "\\" ? 2 : 1;
    position++;
    return { start, end: position, value: JSON.parse(text.slice(start, position)) as string };
  };
  const readValue = (path: Array<string | number>, skipped: boolean): void => {
    skipWhitespace();
    const char = text[position];
    if (char === "{") {
      position++;
      for (;;) {
        skipWhitespace();
        if (text[position] === "}") break;
        const key = readString().value;
        skipWhitespace();
        position++; // ":"
        readValue([...path, key], skipped || key.startsWith("@"));
        skipWhitespace();
        if (text[position] === ",") position++;
      }
      position++;
    } else if (char === "[") {
      position++;
      for (let index = 0; ; index++) {
        skipWhitespace();
        if (text[position] === "]") break;
        readValue([...path, index], skipped);
        skipWhitespace();
        if (text[position] === ",") position++;
      }
      position++;
    } else if (char === '"') {
      const string = readString();
      if (!skipped) strings.push({ path, ...string });
    } else {
      while (position < text.length && !",]} \t\r\n".includes(text[position]!)) position++;
    }
  };
  readValue([], false);
  return strings;
}
