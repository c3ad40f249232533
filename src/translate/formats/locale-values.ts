/**
 * Values of locale files (JSON, YAML): which strings are worth translating, and the segment
 * for one, with its variables (ICU, printf, `{{name}}`, `:name`, inline tags) as placeholders.
 */
import {
  SegmentBuilder,
  hasTranslatableText,
  restorePlaceholders,
  usableTranslation,
  type BuiltSegment,
} from "../placeholders.js";

/** A value that is a URL, an e-mail address, a path or a colour is data, not text. */
const DATA_VALUE =
  /^(?:[a-z][a-z\d+.-]*:\/\/\S+|[\w.+-]+@[\w-]+\.[\w.-]+|\.{0,2}\/\S*|#[\da-f]{3,8})$/i;

export type LocaleMarkup = { literal: string };

/** A translatable value: its segment, and the surrounding whitespace kept outside it. */
export interface LocaleValue {
  segment: BuiltSegment<LocaleMarkup>;
  leading: string;
  trailing: string;
}

/** The segment for a locale string, or undefined when it holds nothing to translate. */
export function localeValue(value: string): LocaleValue | undefined {
  if (DATA_VALUE.test(value.trim())) return undefined;
  const leading = /^\s*/.exec(value)![0];
  const trailing = /\s*$/.exec(value.slice(leading.length))![0];
  const builder = new SegmentBuilder<LocaleMarkup>({
    variables: "locale",
    literal: (text) => ({ literal: text }),
  });
  builder.addText(value.slice(leading.length, value.length - trailing.length));
  const segment = builder.build();
  return hasTranslatableText(segment.text) ? { segment, leading, trailing } : undefined;
}

/** The new value from a translation (its own text back when its placeholders do not check out). */
export function translatedLocaleValue(entry: LocaleValue, translated: string): string {
  const usable = usableTranslation(entry.segment, translated);
  const restored = restorePlaceholders(usable, entry.segment.markup, (markup) => markup.literal);
  return entry.leading + restored + entry.trailing;
}

/** A key path as a segment kind: `value:greeting.items.0`. */
export function valueKind(path: ReadonlyArray<string | number>): string {
  return `value:${path.join(".")}`;
}
