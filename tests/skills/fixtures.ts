/** Loads a fixture under tests/fixtures/skills/<case>/ and reduces its diagnostics to what tests compare. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Diagnostic } from "../../src/diagnostics.js";
import { loadClaudeItems, type ClaudeItemsLoad } from "../../src/skills/load-claude-items.js";

export const fixturesRoot = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../fixtures/skills",
);

/** The fields a rule promises: which rule, where, and how bad. Messages may be reworded. */
export interface Problem {
  severity: Diagnostic["severity"];
  rule: string;
  file: string;
  line?: number;
}

export function toProblem(diagnostic: Diagnostic): Problem {
  const { severity, rule, file, line } = diagnostic;
  return line === undefined ? { severity, rule, file } : { severity, rule, file, line };
}

/** Diagnostic paths come out relative to the case folder, e.g. `.claude/skills/x/SKILL.md`. */
export async function loadFixture(caseName: string): Promise<ClaudeItemsLoad> {
  return loadClaudeItems({ dir: caseName, cwd: fixturesRoot });
}

export async function problemsIn(caseName: string): Promise<Problem[]> {
  return (await loadFixture(caseName)).diagnostics.map(toProblem);
}
