/**
 * `run_command`'s allow/deny policy. A command line is split into the simple commands it would
 * run: the parts of `&&`, `||`, `;`, `|`, `&` and newline chains, subshells, `$(...)`, backticks,
 * process substitutions and the script of `sh -c` / `bash -c` / `eval`. A command is refused when
 * any part matches a `deny` entry, and, when `allow` is not empty, unless every part starts with
 * an allowed prefix.
 *
 * Entries are command prefixes matched on whole words (`rm -rf` matches `rm -rf /` but not
 * `rm -rfv`; `git push --force` matches `git push --force-with-lease`), or regular expressions
 * written `/like this/i`, tested against each part and the whole line. Quotes, backslashes,
 * leading `VAR=value` assignments and a path before the program name are ignored for matching,
 * and deny entries also see through wrappers (`sudo`, `env`, `xargs`, `nohup`, ...).
 *
 * This is a guard rail against the obvious, not a sandbox: a shell has many more ways to run a
 * program (a script the agent wrote, an alias, a `find -exec`). The workspace confinement, the
 * scrubbed environment and the worktree are what contain an agent.
 */
import type { CommandPolicy } from "../types.js";

/** Deepest nesting of `$(...)`, backticks and `sh -c` followed before refusing. */
const MAX_NESTING = 8;

/** Words before the real program; deny entries look past them. */
const WRAPPERS = new Set([
  "sudo",
  "doas",
  "env",
  "command",
  "builtin",
  "exec",
  "nohup",
  "time",
  "nice",
  "ionice",
  "xargs",
  "timeout",
  "stdbuf",
  "watch",
]);

/** Shell words that start a part without being its program. */
const LEADING_KEYWORDS = new Set(["if", "then", "else", "elif", "do", "while", "until", "!", "{"]);
/** Parts that are only syntax. */
const SYNTAX_ONLY = new Set(["", "fi", "done", "esac", "}", "then", "else", "do"]);

const SHELL_SCRIPT_PREFIX =
  /^(?:\S*\/)?(?:sh|bash|zsh|dash|ksh)\s+(?:-[A-Za-z]+\s+)*-[A-Za-z]*c[A-Za-z]*\s+(.+)$/s;
const EVAL_PREFIX = /^eval\s+(.+)$/s;
const ENV_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=(?:"[^"]*"|'[^']*'|\S*)\s*/;

/** Returns why `command` is refused under `policy`, or undefined when it may run. */
export function checkCommandPolicy(
  command: string,
  policy: Pick<CommandPolicy, "allow" | "deny">,
): string | undefined {
  const parts = splitShellCommand(command);
  if (parts === undefined) {
    return `the command nests $(...), backticks or sh -c more than ${MAX_NESTING} levels deep; write it plainly`;
  }
  const denied = policy.deny.map(parseEntry);
  for (const entry of denied) {
    if (entry.kind === "pattern" && entry.pattern.test(command)) {
      return `the command matches the denied pattern ${entry.text}; this workspace's policy never runs it`;
    }
  }
  for (const part of parts) {
    for (const form of denyForms(part)) {
      const entry = denied.find((candidate) => entryMatches(candidate, form));
      if (entry !== undefined) {
        return `"${part}" matches the denied command ${entry.text}; this workspace's policy never runs it`;
      }
    }
  }
  const allowed = policy.allow.map(parseEntry);
  if (allowed.length === 0) return undefined;
  for (const part of parts) {
    const form = normalizePart(part);
    if (!allowed.some((entry) => entryMatches(entry, form))) {
      return `"${part}" is not an allowed command; every part of a command chain must start with one of: ${policy.allow.join(", ")}`;
    }
  }
  return undefined;
}

/**
 * The simple commands in `command`, each trimmed, syntax-only parts left out. Undefined when it
 * nests deeper than `MAX_NESTING`.
 */
export function splitShellCommand(command: string): string[] | undefined {
  const parts: string[] = [];
  return collectParts(command, parts, 0) ? parts : undefined;
}

function collectParts(source: string, parts: string[], depth: number): boolean {
  if (depth > MAX_NESTING) return false;
  let current = "";
  let quote: "'" | '"' | undefined;
  const finishPart = (): boolean => {
    const part = current.replace(/\s+/g, " ").trim();
    current = "";
    const words = part.split(" ");
    while (words.length > 1 && LEADING_KEYWORDS.has(words[0]!)) words.shift();
    const trimmed = words.join(" ");
    if (SYNTAX_ONLY.has(trimmed)) return true;
    parts.push(trimmed);
    const script = unquoteWhole(
      SHELL_SCRIPT_PREFIX.exec(trimmed)?.[1] ?? EVAL_PREFIX.exec(trimmed)?.[1],
    );
    return script === undefined || collectParts(script, parts, depth + 1);
  };

  for (let index = 0; index < source.length; index += 1) {
    const character = source[index]!;
    const next = source[index + 1];
    if (quote === "'") {
      current += character;
      if (character === "'") quote = undefined;
      continue;
    }
    if (character === "\\") {
      current += character + (next ?? "");
      index += 1;
      continue;
    }
    if ((character === "$" || character === "<" || character === ">") && next === "(") {
      const end = matchingParenthesis(source, index + 1);
      const inner = source.slice(index + 2, end);
      // `$((...))` is arithmetic, not a command, unless it holds a substitution (then it is
      // checked whole, which can only refuse more).
      const arithmetic = character === "$" && inner.startsWith("(");
      const holdsCommand = !arithmetic || inner.includes("$(") || inner.includes("`");
      if (holdsCommand && !collectParts(inner, parts, depth + 1)) return false;
      current += `${character}(…)`;
      index = end;
      continue;
    }
    if (character === "`") {
      const close = source.indexOf("`", index + 1);
      const end = close === -1 ? source.length : close;
      if (!collectParts(source.slice(index + 1, end), parts, depth + 1)) return false;
      current += "`…`";
      index = end;
      continue;
    }
    if (quote === '"') {
      current += character;
      if (character === '"') quote = undefined;
      continue;
    }
    if (character === "'" || character === '"') {
      quote = character;
      current += character;
      continue;
    }
    const previous = source[index - 1];
    // `2>&1`, `&>file`, `>|file` are redirections, not chain operators.
    const redirection =
      (character === "&" && (previous === ">" || previous === "<" || next === ">")) ||
      (character === "|" && previous === ">");
    if (!redirection && ";&|\n()".includes(character)) {
      if (!finishPart()) return false;
      continue;
    }
    current += character;
  }
  return finishPart();
}

/** Index of the `)` closing the `(` at `open`, quotes respected; the end when unclosed. */
function matchingParenthesis(source: string, open: number): number {
  let depth = 0;
  let quote: "'" | '"' | undefined;
  for (let index = open; index < source.length; index += 1) {
    const character = source[index]!;
    if (quote !== undefined) {
      if (character === "\\" && quote === '"') index += 1;
      else if (character === quote) quote = undefined;
      continue;
    }
    if (character === "\\") index += 1;
    else if (character === "'" || character === '"') quote = character;
    else if (character === "(") depth += 1;
    else if (character === ")" && --depth === 0) return index;
  }
  return source.length;
}

function unquoteWhole(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const first = text[0];
  if ((first === "'" || first === '"') && text.endsWith(first) && text.length >= 2) {
    return text.slice(1, -1);
  }
  return text;
}

/** A part as policies see it: no quotes or backslashes, no leading assignments. */
function normalizePart(part: string): string {
  let text = part.replace(/["'\\]/g, "").trim();
  for (let match = ENV_ASSIGNMENT.exec(text); match; match = ENV_ASSIGNMENT.exec(text)) {
    if (match[0].length === 0) break;
    text = text.slice(match[0].length);
  }
  return text.trim();
}

/** The forms a deny entry is checked against: as written, by program name, past wrappers. */
function denyForms(part: string): string[] {
  const forms: string[] = [];
  let words = normalizePart(part).split(" ");
  for (;;) {
    const [program, ...rest] = words;
    if (program === undefined || program === "") break;
    forms.push(words.join(" "));
    const name = program.slice(program.lastIndexOf("/") + 1);
    if (name !== program) forms.push([name, ...rest].join(" "));
    if (!WRAPPERS.has(name)) break;
    // Past the wrapper: its options, their numeric values and any VAR=value assignments.
    words = rest;
    while (
      words.length > 0 &&
      /^(?:-\S*|\d[\d.]*[smhd]?|[A-Za-z_][A-Za-z0-9_]*=\S*)$/.test(words[0]!)
    ) {
      words = words.slice(1);
    }
  }
  return forms;
}

type PolicyEntry =
  | { kind: "prefix"; text: string; prefix: string }
  | { kind: "pattern"; text: string; pattern: RegExp };

function parseEntry(text: string): PolicyEntry {
  const regex = /^\/(.+)\/([a-z]*)$/s.exec(text.trim());
  if (regex) {
    try {
      // Without `g` and `y`: `test` would keep state between parts.
      const flags = regex[2]!.replace(/[gy]/g, "");
      return { kind: "pattern", text, pattern: new RegExp(regex[1]!, flags) };
    } catch {
      // Not a valid expression: treat it as a literal prefix.
    }
  }
  // Claude Code permission style `npm test:*` means the prefix `npm test`.
  const prefix = text.replace(/:\*$/, "").replace(/\s+/g, " ").trim();
  return { kind: "prefix", text, prefix };
}

function entryMatches(entry: PolicyEntry, form: string): boolean {
  if (entry.kind === "pattern") return entry.pattern.test(form);
  if (entry.prefix === "" || !form.startsWith(entry.prefix)) return false;
  const after = form[entry.prefix.length];
  return after === undefined || !/\w/.test(after) || !/\w$/.test(entry.prefix);
}
