/**
 * The `--help` text of `harness translate`: what each format translates and what it loses
 * (PDF: the exact layout and images). No imports, so src/cli.ts may import it while keeping
 * `harness --help` free of command modules.
 */

/**
 * What each format translates and what it keeps or loses, one line per format.
 */
export const formatCoverage: ReadonlyArray<{ format: string; translates: string }> = [
  {
    format: "Markdown, MDX (.md .markdown .mdown .mkd .mdx)",
    translates:
      "headings, paragraphs, list items, table cells, footnotes, image alt text, link text and " +
      "the front-matter keys in translate.frontMatterKeys; code, URLs, HTML tags, math and " +
      "layout stay byte for byte",
  },
  { format: "Text (.txt .text)", translates: "every paragraph; line breaks are kept" },
  {
    format: "HTML (.html .htm)",
    translates:
      "text between tags and the attributes in translate.htmlAttributes (alt, title, ...); " +
      "script, style, code and pre stay as they are; <html lang> is not changed",
  },
  {
    format: "JSON, YAML (.json .arb .yaml .yml)",
    translates: "string values; keys, numbers, YAML comments and variables ({name}, %s) are kept",
  },
  {
    format: "Word (.docx)",
    translates:
      "paragraphs, tables, headers, footers, footnotes and text boxes, keeping each run's " +
      "formatting; charts, SmartArt, comments and shapes are not translated",
  },
  {
    format: "PDF (.pdf)",
    translates:
      "the text layer, written as Markdown and Word files (guide.pdf.md, guide.pdf.docx): the " +
      "exact layout, fonts, columns, images, tables, links and form fields are lost",
  },
];

/** `text` in lines of at most `width` characters, the first indented by 2, the rest by 4. */
function wrap(text: string, width = 96): string {
  const lines: string[] = [];
  let line = " ";
  for (const word of text.split(" ")) {
    if (line.length + word.length + 1 > width && line.trim() !== "") {
      lines.push(line);
      line = "   ";
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines.join("\n");
}

/** Everything after the options in `harness translate --help`. */
export const translateHelpText = `
Translates documents into --to <lang> through the model router, keeping each format: only the
human text goes to the model, split into segments; code, URLs, markup and layout are kept
byte for byte. Outputs mirror the sources under translated/<lang>/ (or --out DIR), or replace
them with --in-place. Documents go in batches of at most --batch to at most --workers workers
(default: what the router's backends can serve, at most fanOut.maxWorkers).

What each format translates:
${formatCoverage.map(({ format, translates }) => wrap(`${format}: ${translates}`)).join("\n")}

Segments whose placeholders (⟦1⟧ ...) or glossary terms do not come back intact are retried
(translate.segmentRetries), then keep their source text and are listed in the report. A
glossary (--glossary FILE or translate.glossary) is YAML:
  keep: [Lablup, Backend.AI]
  translations:
    ko:
      compute session: 연산 세션

The manifest .harness/translate/<lang>/manifest.json remembers finished documents: a rerun
skips unchanged ones, and a stopped or killed run continues where it was. A report goes to
reports/translate-<date>-<lang>.md. Document text is passed to the model as untrusted data.
Exit 1 when a file could not be translated (the others still are), 130 when cancelled.

Examples:
  harness translate "docs/**/*.md" --to ko --dry-run
  harness translate docs README.md --to ja --glossary glossary.yaml
  harness translate manual.pdf --to de --workers 8 --batch 2`;
