/**
 * Text documents in and out: strict UTF-8 (a byte-order mark is kept aside and written back),
 * so an untouched document comes back byte for byte.
 */
import { InputError } from "../../errors.js";

export interface SourceText {
  /** The text without its byte-order mark. */
  text: string;
  bom: boolean;
}

const BOM = "\uFEFF";

export function decodeSourceText(source: Uint8Array, what: string): SourceText {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(source);
  } catch (error) {
    throw new InputError(`The ${what} is not UTF-8 text.`, {
      hint: "Convert it to UTF-8 (e.g. iconv -t UTF-8) and run again.",
      cause: error,
    });
  }
  if (text.includes("\u0000")) {
    throw new InputError(`The ${what} holds NUL bytes: it looks binary, not text.`, {
      hint: "Check the file extension; only text documents can be translated as text.",
    });
  }
  const bom = text.startsWith(BOM);
  return { text: bom ? text.slice(1) : text, bom };
}

export function encodeSourceText(text: string, bom: boolean): Uint8Array {
  return new TextEncoder().encode(bom ? BOM + text : text);
}

/** Line breaks in a segment: the original ones (with what follows them) are kept aside. */
export interface FoldedLines {
  /** The text with every line break written as "\n" and the line prefixes removed. */
  text: string;
  /** Per line break in order: the original break and the prefix of the next line. */
  breaks: string[];
}

/**
 * Folds line breaks: "\r\n" and "\r" become "\n", and what `prefix` matches at the start of
 * each following line (indentation, "> " of a block quote) is removed from the text and
 * remembered, so the translation is written back with the same breaks and prefixes.
 * `prefix` must be a sticky (`y`) expression.
 */
export function foldLineBreaks(raw: string, prefix: RegExp = /(?:)/y): FoldedLines {
  const breaks: string[] = [];
  let text = "";
  let position = 0;
  for (const match of raw.matchAll(/\r\n|\r|\n/g)) {
    text += `${raw.slice(position, match.index)}\n`;
    const lineStart = match.index + match[0].length;
    prefix.lastIndex = lineStart;
    const prefixLength = prefix.exec(raw)?.[0].length ?? 0;
    breaks.push(raw.slice(match.index, lineStart + prefixLength));
    position = lineStart + prefixLength;
  }
  return { text: text + raw.slice(position), breaks };
}

/**
 * Writes folded line breaks back: the n-th "\n" of the translation gets the n-th original
 * break; extra lines reuse the last one; `joinLine` may ask for a line to be joined to the
 * previous one with a space instead (a line that would change the structure).
 */
export function unfoldLineBreaks(
  text: string,
  breaks: readonly string[],
  options: { fallback: string; joinLine?: (line: string) => boolean },
): string {
  const lines = text.split("\n");
  let out = lines[0] ?? "";
  let used = 0;
  for (const line of lines.slice(1)) {
    const lineBreak = breaks[used] ?? breaks.at(-1) ?? options.fallback;
    if (lineBreak === " " || options.joinLine?.(line)) {
      out += ` ${line.trimStart()}`;
      continue;
    }
    out += lineBreak + line;
    used++;
  }
  return out;
}
