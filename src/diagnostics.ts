/**
 * Loaders return diagnostics instead of throwing: the caller decides whether a warning matters.
 * `file` is relative to the directory the user pointed at; `line` is 1-based when known.
 */
export interface Diagnostic {
  severity: "error" | "warning";
  file: string;
  line?: number;
  /** A short stable id for the rule, e.g. "skill-name-format". */
  rule: string;
  message: string;
  /** How to fix it, when that is not obvious from the message. */
  hint?: string;
}

export interface LoadResult<T> {
  items: T[];
  diagnostics: Diagnostic[];
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** `file:line: severity: message [rule]`, the shape editors and CI logs link from. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line === undefined ? d.file : `${d.file}:${d.line}`;
  const hint = d.hint ? `\n    fix: ${d.hint}` : "";
  return `${where}: ${d.severity}: ${d.message} [${d.rule}]${hint}`;
}

/** Damerau-free edit distance; enough to suggest "did you mean" for a mistyped key. */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(
        above + 1,
        previous[j - 1]! + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      diagonal = above;
    }
  }
  return previous[b.length]!;
}
