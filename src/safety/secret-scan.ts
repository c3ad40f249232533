/**
 * The secret scan run on a work item's diff before anything is pushed. It reads ADDED lines only
 * (a secret on a removed or context line is already in the history; the push does not add it)
 * and files the diff adds. Findings never carry a secret: the excerpt keeps its first few
 * characters (4 for anything 16 characters or longer, fewer for shorter values) and `***`.
 *
 * The rules are in `secret-rules.ts`; the grep the implementer skill runs before pushing is
 * templates/.claude/skills/implement-plan/references/secret-scan.md. Keep the two in step.
 */
import { parseUnifiedDiff } from "./parse-unified-diff.js";
import { FILE_RULES, LINE_RULES } from "./secret-rules.js";

export interface SecretFinding {
  /** Path in the new tree, relative to the repository root. */
  file: string;
  /** 1-based line in the new file; absent for findings about a whole file (`env-file`, …). */
  line?: number;
  /** Rule id, e.g. `github-token`, `env-file`; `SECRET_RULES` describes each. */
  rule: string;
  /** The secret redacted (`ghp_***`); empty for whole-file findings. */
  excerpt: string;
}

/** Every rule id with a sentence saying what it finds, for reports. */
export const SECRET_RULES: ReadonlyMap<string, string> = new Map(
  [...LINE_RULES, ...FILE_RULES].map((rule) => [rule.id, rule.description]),
);

/** Findings on the lines and files a unified diff adds (`git diff`, `diffAgainst`). */
export function scanDiffForSecrets(diff: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const change of parseUnifiedDiff(diff)) {
    if (change.path === "") continue;
    const added = change.addedLines.map((added) => added.text);
    if (!change.isDeleted && (change.isNew || added.length > 0)) {
      findings.push(...scanFileName(change.path, added.join("\n")));
    }
    findings.push(...scanLines(change.path, change.addedLines));
  }
  return findings;
}

/** Findings in a whole file, as if every line of it were added (and the file with it). */
export function scanText(file: string, text: string): SecretFinding[] {
  const lines = text.split("\n").map((line, index) => ({
    line: index + 1,
    text: line.endsWith("\r") ? line.slice(0, -1) : line,
  }));
  return [...scanFileName(file, text), ...scanLines(file, lines)];
}

/** `abcd***` for long secrets; shorter ones show a quarter of their length at most. */
export function redactSecret(secret: string): string {
  return `${secret.slice(0, Math.min(4, Math.floor(secret.length / 4)))}***`;
}

function scanFileName(file: string, addedText: string): SecretFinding[] {
  return FILE_RULES.filter((rule) => rule.matches(file, addedText)).map((rule) => ({
    file,
    rule: rule.id,
    excerpt: "",
  }));
}

function scanLines(
  file: string,
  lines: readonly { line: number; text: string }[],
): SecretFinding[] {
  const findings: SecretFinding[] = [];
  lines.forEach(({ line, text }, index) => {
    // Spans already claimed on this line: the first (most specific) rule wins.
    const claimed: [number, number][] = [];
    const next = lines.slice(index + 1, index + 4).map((following) => following.text);
    for (const rule of LINE_RULES) {
      rule.pattern.lastIndex = 0;
      for (const match of text.matchAll(rule.pattern)) {
        const start = match.index;
        const end = start + match[0].length;
        if (claimed.some(([from, to]) => start < to && from < end)) continue;
        const secret = rule.secretOf ? rule.secretOf(match) : match[0];
        if (secret === undefined || secret === "" || !rule.accept(secret, match, next)) continue;
        claimed.push([start, end]);
        findings.push({ file, line, rule: rule.id, excerpt: redactSecret(secret) });
      }
    }
  });
  return findings;
}
