/**
 * Checks on the Markdown body: links to files that are not there, and positional argument
 * placeholders whose numbering changed between Claude Code versions.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { Diagnostic } from "../diagnostics.js";
import type { CheckedFile } from "./frontmatter-checks.js";

/** A body line with its 1-based line number in the file, code fences and code spans removed. */
interface ProseLine {
  line: number;
  text: string;
}

/** Lines outside fenced code blocks, with inline code blanked, since examples there are not links. */
function proseLines(target: CheckedFile): ProseLine[] {
  const result: ProseLine[] = [];
  let fence: string | undefined;
  target.document.body.split("\n").forEach((raw, index) => {
    const line = target.document.bodyStartLine + index;
    const fenceMatch = /^\s*(`{3,}|~{3,})/.exec(raw);
    if (fenceMatch) {
      const marker = fenceMatch[1]!;
      if (fence === undefined) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      return;
    }
    if (fence === undefined) result.push({ line, text: raw.replace(/`[^`]*`/g, "``") });
  });
  return result;
}

const INLINE_LINK = /!?\[[^\]]*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+["'(][^)]*)?\)/g;
const REFERENCE_DEFINITION = /^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/;

/** Only plain relative paths are checked: URLs, anchors, absolute and home paths are skipped. */
function localTarget(rawTarget: string): string | undefined {
  let target = rawTarget.replace(/^<|>$/g, "");
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || /^[#/~]/.test(target) || target.includes("$")) {
    return undefined;
  }
  target = target.replace(/[#?].*$/, "");
  try {
    target = decodeURIComponent(target);
  } catch {
    // A stray % is part of the file name, not an escape.
  }
  return target === "" ? undefined : target;
}

/** Links are relative to the file's folder, as a Markdown viewer and the model both read them. */
export function checkLocalLinks(target: CheckedFile, folder: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const { line, text } of proseLines(target)) {
    const targets = [...text.matchAll(INLINE_LINK)].map((match) => match[1]!);
    const definition = REFERENCE_DEFINITION.exec(text);
    if (definition) targets.push(definition[1]!);
    for (const rawTarget of targets) {
      const relative = localTarget(rawTarget);
      if (relative === undefined || existsSync(path.resolve(folder, relative))) continue;
      diagnostics.push({
        severity: "warning",
        file: target.file,
        line,
        rule: "link-missing",
        message: `the link to ${relative} points at a file that does not exist`,
        hint: `create ${relative} next to the file, or fix the link (it is relative to the file's folder)`,
      });
    }
  }
  return diagnostics;
}

/**
 * `$0`/`$1` were one-based before early 2026 and are zero-based now, so the same file means
 * different things on different machines. Claude Code substitutes them even inside code blocks,
 * so every line counts. One warning per file, at the first use.
 */
export function checkPositionalArguments(target: CheckedFile): Diagnostic[] {
  const found = new Set<string>();
  let firstLine: number | undefined;
  target.document.body.split("\n").forEach((text, index) => {
    for (const match of text.matchAll(/\$\d+/g)) {
      found.add(match[0]);
      firstLine ??= target.document.bodyStartLine + index;
    }
  });
  if (firstLine === undefined) return [];
  return [
    {
      severity: "warning",
      file: target.file,
      line: firstLine,
      rule: "positional-arguments",
      message: `uses positional arguments ${[...found].join(", ")}, whose numbering changed between Claude Code versions`,
      hint: "use $ARGUMENTS, or declare `arguments:` in the frontmatter and write $name",
    },
  ];
}
