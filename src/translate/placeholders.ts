/**
 * Placeholders: how a segment hides what must survive translation byte for byte.
 *
 * One token format for every adapter: `⟦1⟧`, `⟦2⟧`, … (U+27E6 / U+27E7 around a number),
 * numbered per segment in order of appearance. Models keep these brackets intact, and they do
 * not occur in ordinary text; where a document already contains something that looks like a
 * token, that text is itself hidden behind a placeholder, so a token in a segment always means
 * exactly one thing. Adjacent pieces of markup share one token (`**[` is one placeholder).
 *
 * Variables (`{name}`, `{{name}}`, `%s`, `%1$d`, `${x}`, and in locale files also ICU plural
 * and select frames, `%{name}`, `:name`, inline tags such as `<b>` or `<0>`) become placeholders
 * too: see `protectVariables`.
 */
import type { Segment } from "./types.js";

const TOKEN_SOURCE = "⟦(\\d+)⟧";

/** The placeholder token for number `n` (1-based). */
export function placeholderToken(n: number): string {
  return `⟦${n}⟧`;
}

/** The placeholder tokens in a text, in order of appearance, repeats included. */
export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(new RegExp(TOKEN_SOURCE, "g"))].map((match) => match[0]);
}

/** What the model is told about placeholders (one paragraph for a translation prompt). */
export const placeholderInstructions =
  "Tokens like ⟦1⟧, ⟦2⟧ stand for formatting, code, links or variables. Copy every token exactly " +
  "once, unchanged, into the translation, next to the words it belongs to (a pair such as " +
  "⟦1⟧word⟦2⟧ wraps the translation of that word). Never translate, renumber, add or drop them.";

export interface PlaceholderCheck {
  /** True when every expected token comes back exactly once and no other token appears. */
  ok: boolean;
  missing: string[];
  /** Expected tokens that appear more than once. */
  duplicated: string[];
  /** Tokens that the segment does not have. */
  invented: string[];
  /** One readable line per problem, e.g. "⟦2⟧ is missing". */
  problems: string[];
}

/** Checks a translation against its segment's placeholders. */
export function checkPlaceholders(
  segment: Pick<Segment, "placeholders">,
  translated: string,
): PlaceholderCheck {
  const counts = new Map<string, number>();
  for (const token of placeholdersIn(translated)) counts.set(token, (counts.get(token) ?? 0) + 1);
  const expected = new Set(segment.placeholders);
  const missing = segment.placeholders.filter((token) => !counts.has(token));
  const duplicated = segment.placeholders.filter((token) => (counts.get(token) ?? 0) > 1);
  const invented = [...counts.keys()].filter((token) => !expected.has(token));
  const problems = [
    ...missing.map((token) => `${token} is missing`),
    ...duplicated.map((token) => `${token} appears ${counts.get(token)} times`),
    ...invented.map((token) => `${token} is not in the source`),
  ];
  return { ok: problems.length === 0, missing, duplicated, invented, problems };
}

/**
 * The translation if its placeholders check out, else the segment's own text: what adapters
 * render, so a broken translation never breaks the document's markup.
 */
export function usableTranslation(
  segment: Pick<Segment, "text" | "placeholders">,
  translated: string,
): string {
  return checkPlaceholders(segment, translated).ok ? translated : segment.text;
}

export type TextPart = { text: string } | { token: string };

/** Splits a text at its placeholder tokens (empty text parts left out). */
export function splitAtPlaceholders(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let position = 0;
  for (const match of text.matchAll(new RegExp(TOKEN_SOURCE, "g"))) {
    if (match.index > position) parts.push({ text: text.slice(position, match.index) });
    parts.push({ token: match[0] });
    position = match.index + match[0].length;
  }
  if (position < text.length) parts.push({ text: text.slice(position) });
  return parts;
}

/**
 * Replaces each token by what it stands for (`render` of each markup it holds, in order).
 * A token the segment does not know is left as it is.
 */
export function restorePlaceholders<M>(
  translated: string,
  markup: ReadonlyMap<string, readonly M[]>,
  render: (markup: M) => string,
): string {
  return splitAtPlaceholders(translated)
    .map((part) => {
      if ("text" in part) return part.text;
      const held = markup.get(part.token);
      return held ? held.map(render).join("") : part.token;
    })
    .join("");
}

// ---------------------------------------------------------------------------------------------
// Variables

/**
 * Which variable syntaxes a text may hold: `none` (only look-alike tokens are protected),
 * `prose` (documents: `{name}`, `{0}`, `{{ name }}`, `{% tag %}`, `${expr}`, `%s`, `%1$d`,
 * `%(name)s`) or `locale` (prose plus ICU `{n, plural, …}` frames, `%{name}`, `:name`, inline
 * tags like `<b>` / `<0>`, `$t(key)`, `@:key`).
 */
export type VariableSyntax = "none" | "prose" | "locale";

export type ProtectedPiece = { text: string } | { variable: string };

const NONE_PATTERNS = ["⟦\\d+⟧"];
const PROSE_PATTERNS = [
  ...NONE_PATTERNS,
  "\\{\\{[^{}\\n]*\\}\\}",
  "\\{%[^\\n]*?%\\}",
  "\\$\\{[^{}\\n]*\\}",
  "\\{[A-Za-z_][\\w.]*\\}",
  "\\{\\d+\\}",
  "%\\([\\w.]+\\)[-+#0]*\\d*(?:\\.\\d+)?[sdifrx]",
  "%(?:\\d+\\$)?[-+#0]*\\d*(?:\\.\\d+)?[sdifux@](?![A-Za-z])",
];
const LOCALE_PATTERNS = [
  ...PROSE_PATTERNS,
  "\\{[A-Za-z_][\\w.]*\\s*,\\s*[A-Za-z]+(?:\\s*,[^{}\\n]*)?\\}",
  "%\\{[\\w.]+\\}",
  "(?<![\\w:/]):[A-Za-z_]\\w*",
  "<\\/?[A-Za-z0-9][^<>\\n]*>",
  "\\$t\\([^()\\n]*\\)",
  "@:[\\w.]+",
];
const VARIABLE_PATTERNS: Record<VariableSyntax, RegExp> = {
  none: new RegExp(NONE_PATTERNS.join("|"), "g"),
  prose: new RegExp(PROSE_PATTERNS.join("|"), "g"),
  locale: new RegExp(LOCALE_PATTERNS.join("|"), "g"),
};

/** Splits a text into translatable text and variables that must stay as they are. */
export function protectVariables(text: string, syntax: VariableSyntax): ProtectedPiece[] {
  const pieces: ProtectedPiece[] = [];
  const chunks = syntax === "locale" ? splitIcuFrames(text) : [{ text }];
  for (const chunk of chunks) {
    if ("variable" in chunk) {
      pieces.push(chunk);
      continue;
    }
    let position = 0;
    for (const match of chunk.text.matchAll(VARIABLE_PATTERNS[syntax])) {
      if (match.index > position) pieces.push({ text: chunk.text.slice(position, match.index) });
      pieces.push({ variable: match[0] });
      position = match.index + match[0].length;
    }
    if (position < chunk.text.length) pieces.push({ text: chunk.text.slice(position) });
  }
  return pieces;
}

const ICU_FRAME_START = /\{\s*[A-Za-z_][\w.]*\s*,\s*(?:plural|select|selectordinal)\s*,/y;
const ICU_OPTION_SELECTOR = /\s*(?:offset:\s*\d+\s+)?(?:=\d+|[\w-]+)\s*\{/y;

/**
 * ICU plural/select messages: the frame (`{count, plural, one {`, `} other {`, `}}`) becomes
 * variables, the messages inside stay translatable (recursively, so nested frames work too).
 */
function splitIcuFrames(text: string): ProtectedPiece[] {
  const pieces: ProtectedPiece[] = [];
  let textStart = 0;
  for (let index = text.indexOf("{"); index !== -1; index = text.indexOf("{", index + 1)) {
    if (index < textStart) continue;
    const frame = parseIcuFrame(text, index);
    if (!frame) continue;
    if (index > textStart) pieces.push({ text: text.slice(textStart, index) });
    pieces.push(...frame.pieces);
    textStart = frame.end;
    index = frame.end - 1;
  }
  if (textStart < text.length) pieces.push({ text: text.slice(textStart) });
  return pieces;
}

function parseIcuFrame(
  text: string,
  start: number,
): { pieces: ProtectedPiece[]; end: number } | undefined {
  ICU_FRAME_START.lastIndex = start;
  if (!ICU_FRAME_START.test(text)) return undefined;
  const pieces: ProtectedPiece[] = [];
  let frame = text.slice(start, ICU_FRAME_START.lastIndex);
  let position = ICU_FRAME_START.lastIndex;
  for (;;) {
    ICU_OPTION_SELECTOR.lastIndex = position;
    if (!ICU_OPTION_SELECTOR.test(text)) {
      const close = /\s*\}/y;
      close.lastIndex = position;
      if (!close.test(text) || pieces.length === 0) return undefined;
      pieces.push({ variable: frame + text.slice(position, close.lastIndex) });
      return { pieces, end: close.lastIndex };
    }
    frame += text.slice(position, ICU_OPTION_SELECTOR.lastIndex);
    const messageStart = ICU_OPTION_SELECTOR.lastIndex;
    const messageEnd = matchingBrace(text, messageStart);
    if (messageEnd === undefined) return undefined;
    pieces.push({ variable: frame });
    for (const piece of protectVariables(text.slice(messageStart, messageEnd), "locale")) {
      pieces.push(piece);
    }
    frame = "}";
    position = messageEnd + 1;
  }
}

/** The index of the `}` closing a message that starts at `start` (just after its `{`). */
function matchingBrace(text: string, start: number): number | undefined {
  let depth = 0;
  for (let index = start; index < text.length; index++) {
    const char = text[index];
    if (char === "{") depth++;
    else if (char === "}") {
      if (depth === 0) return index;
      depth--;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Building segments

/** A segment under construction, and what each of its tokens stands for. */
export interface BuiltSegment<M> {
  text: string;
  placeholders: string[];
  /** For each token, the markup it stands for (adjacent markup shares a token). */
  markup: ReadonlyMap<string, readonly M[]>;
}

/** True when a segment text has something to translate: a letter outside its placeholders. */
export function hasTranslatableText(text: string): boolean {
  return /\p{L}/u.test(text.replace(new RegExp(TOKEN_SOURCE, "g"), ""));
}

/**
 * Builds one segment from text and markup in document order. `M` is whatever the adapter
 * needs to restore a token (a source range, a run boundary); `literal` wraps a protected
 * variable as an `M`.
 */
export class SegmentBuilder<M> {
  readonly #variables: VariableSyntax;
  readonly #literal: (text: string) => M;
  #text = "";
  readonly #placeholders: string[] = [];
  readonly #markup = new Map<string, M[]>();
  #openMarkup: M[] | undefined;

  constructor(options: { variables: VariableSyntax; literal: (text: string) => M }) {
    this.#variables = options.variables;
    this.#literal = options.literal;
  }

  /** Translatable text; variables in it become placeholders. */
  addText(text: string): this {
    for (const piece of protectVariables(text, this.#variables)) {
      if ("variable" in piece) this.addMarkup(this.#literal(piece.variable));
      else if (piece.text !== "") {
        this.#text += piece.text;
        this.#openMarkup = undefined;
      }
    }
    return this;
  }

  /** Markup that must come back unchanged; joins the previous token when nothing is between. */
  addMarkup(markup: M): this {
    if (!this.#openMarkup) {
      const token = placeholderToken(this.#placeholders.length + 1);
      this.#placeholders.push(token);
      this.#openMarkup = [];
      this.#markup.set(token, this.#openMarkup);
      this.#text += token;
    }
    this.#openMarkup.push(markup);
    return this;
  }

  build(): BuiltSegment<M> {
    return { text: this.#text, placeholders: [...this.#placeholders], markup: this.#markup };
  }
}
