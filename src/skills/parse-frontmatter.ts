/**
 * Splits a Markdown file into its YAML frontmatter and body with gray-matter, and turns every way
 * that can fail into a diagnostic with the line in the file (never an exception).
 */
import matter from "gray-matter";
import type { Diagnostic } from "../diagnostics.js";

/** A file whose frontmatter (if any) parsed to a mapping. */
export interface FrontmatterDocument {
  /** False when the file does not open with a `---` line. */
  hasFrontmatter: boolean;
  /** The mapping; {} when the file has no frontmatter or an empty one. */
  frontmatter: Record<string, unknown>;
  body: string;
  /** 1-based line in the file where the body starts. */
  bodyStartLine: number;
  /** 1-based line in the file of a top-level frontmatter key, when it can be found. */
  lineOfKey(key: string): number | undefined;
}

export interface FrontmatterParseResult {
  /** Undefined when the frontmatter is broken; `diagnostics` then says why. */
  document?: FrontmatterDocument;
  diagnostics: Diagnostic[];
}

/** The shape of js-yaml's YAMLException, which gray-matter lets through. */
interface YamlErrorShape {
  reason?: string;
  message: string;
  mark?: { line: number };
}

function isYamlError(error: unknown): error is Error & YamlErrorShape {
  return error instanceof Error && error.name === "YAMLException";
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function parseFrontmatter(rawText: string, file: string): FrontmatterParseResult {
  const text = rawText.replace(/^\uFEFF/, "");
  const lines = text.split("\n").map((line) => line.replace(/\r$/, ""));
  const first = lines[0] ?? "";

  if (!first.startsWith("---") || /^-{4,}/.test(first)) {
    return {
      document: {
        hasFrontmatter: false,
        frontmatter: {},
        body: text,
        bodyStartLine: 1,
        lineOfKey: () => undefined,
      },
      diagnostics: [],
    };
  }
  const problem = (rule: string, line: number, message: string, hint: string) => ({
    diagnostics: [{ severity: "error" as const, file, line, rule, message, hint }],
  });
  // gray-matter reads `---js` as "evaluate this block as JavaScript"; Claude Code only reads YAML.
  if (first.trimEnd() !== "---") {
    return problem(
      "frontmatter-delimiter",
      1,
      `the frontmatter must open with a line of exactly "---", not "${first.trimEnd()}"`,
      'make the first line "---" and write the frontmatter in YAML',
    );
  }
  const closingIndex = lines.findIndex((line, index) => index > 0 && line.trimEnd() === "---");
  if (closingIndex === -1) {
    return problem(
      "frontmatter-unterminated",
      1,
      'the frontmatter opened on line 1 is never closed by a "---" line',
      'add a line "---" after the last frontmatter key',
    );
  }

  let parsed: { data: unknown; content: string };
  try {
    // Passing options (even empty) turns off gray-matter's cache, which would otherwise hand a
    // second file with identical text the first file's result, and swallow a repeated error.
    parsed = matter(text, {});
  } catch (error) {
    if (!isYamlError(error)) throw error;
    // js-yaml counts lines from the text after the opening "---", which starts with the rest of
    // that line (empty), so its 0-based line is the 1-based line in the file.
    const line = error.mark ? error.mark.line + 1 : 1;
    const reason = error.reason ?? error.message.split("\n")[0] ?? "invalid YAML";
    return problem(
      "frontmatter-yaml",
      line,
      `malformed YAML in the frontmatter: ${reason}`,
      'fix the YAML at that line; quote a value that holds ": " or " #", or starts with [ { * & ! |',
    );
  }

  const data: unknown = parsed.data ?? {};
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return problem(
      "frontmatter-not-mapping",
      2,
      "the frontmatter must be a YAML mapping of keys to values",
      "write one `key: value` per line between the --- lines",
    );
  }

  const frontmatterLines = lines.slice(1, closingIndex);
  const body = parsed.content;
  const bodyOffset = text.length - body.length;
  return {
    document: {
      hasFrontmatter: true,
      frontmatter: data as Record<string, unknown>,
      body,
      bodyStartLine: text.slice(0, bodyOffset).split("\n").length,
      lineOfKey(key) {
        const pattern = new RegExp(`^(["']?)${escapeRegExp(key)}\\1\\s*:`);
        const index = frontmatterLines.findIndex((line) => pattern.test(line));
        return index === -1 ? undefined : index + 2;
      },
    },
    diagnostics: [],
  };
}
