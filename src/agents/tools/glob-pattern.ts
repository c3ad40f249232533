/**
 * A small glob matcher for the `glob` and `grep` tools (no glob library is a declared
 * dependency). Paths are `/`-separated and relative. Supported: `*` (any characters but `/`),
 * `**` (any number of folders, as a whole segment), `?` (one character but `/`), `{a,b}`
 * (alternatives, nestable) and `[abc]` / `[!abc]` classes. Dotfiles match like any other file.
 */
import { ToolError } from "../tool-error.js";

/** Compiles `pattern` to a regular expression matching whole relative paths. */
export function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${translate(pattern, 0, false).source}$`);
}

interface Translated {
  source: string;
  /** Index just past what was read. */
  end: number;
}

function translate(pattern: string, start: number, inBraces: boolean): Translated {
  let source = "";
  let index = start;
  while (index < pattern.length) {
    const character = pattern[index]!;
    if (inBraces && (character === "," || character === "}")) break;
    if (character === "*") {
      const atSegmentStart = index === 0 || pattern[index - 1] === "/";
      if (pattern[index + 1] === "*" && atSegmentStart) {
        const next = pattern[index + 2];
        if (next === "/") {
          source += "(?:[^/]*/)*"; // `**/`: zero or more whole folders
          index += 3;
          continue;
        }
        if (next === undefined || (inBraces && (next === "," || next === "}"))) {
          source += ".*"; // a trailing `**`: everything below
          index += 2;
          continue;
        }
      }
      source += "[^/]*";
      index += 1;
    } else if (character === "?") {
      source += "[^/]";
      index += 1;
    } else if (character === "{") {
      const alternatives: string[] = [];
      let cursor = index + 1;
      for (;;) {
        const alternative = translate(pattern, cursor, true);
        alternatives.push(alternative.source);
        const closing = pattern[alternative.end];
        if (closing === undefined) {
          throw new ToolError(`glob pattern ${pattern} has a { without its closing }`);
        }
        cursor = alternative.end + 1;
        if (closing === "}") break;
      }
      source += `(?:${alternatives.join("|")})`;
      index = cursor;
    } else if (character === "[") {
      const close = pattern.indexOf("]", index + 2);
      if (close === -1) {
        source += "\\[";
        index += 1;
        continue;
      }
      let body = pattern.slice(index + 1, close);
      const negated = body.startsWith("!") || body.startsWith("^");
      if (negated) body = body.slice(1);
      const escaped = body.replace(/[\\\]^]/g, (match) => `\\${match}`);
      source += negated ? `[^/${escaped}]` : `[${escaped}]`;
      index = close + 1;
    } else if (character === "\\" && index + 1 < pattern.length) {
      source += escapeRegExp(pattern[index + 1]!);
      index += 2;
    } else {
      source += escapeRegExp(character);
      index += 1;
    }
  }
  return { source, end: index };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
