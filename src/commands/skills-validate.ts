/**
 * `harness skills validate [dir]`: checks every skill, command and agent and prints each problem
 * as `file:line: severity: message [rule]`, then a summary. Exits 1 when there is an error.
 */
import { formatDiagnostic, type Diagnostic } from "../diagnostics.js";
import { ExitCode, InputError } from "../errors.js";
import type { ClaudeItem, ClaudeItemKind } from "../skills/claude-item.js";
import { loadClaudeItems } from "../skills/load-claude-items.js";
import type { CommandContext, CommandResult } from "./context.js";

export interface SkillsValidateOptions {
  /** The `.claude` folder or a repo holding one, relative to ctx.cwd. */
  dir: string;
}

/** Counts for the summary line and the JSON summary object. */
export interface SkillsValidateSummary {
  skills: number;
  commands: number;
  agents: number;
  errors: number;
  warnings: number;
}

/** Errors before warnings, then by file and line, so the first line printed is the worst. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const severityRank = (d: Diagnostic) => (d.severity === "error" ? 0 : 1);
  return [...diagnostics].sort(
    (a, b) =>
      severityRank(a) - severityRank(b) ||
      a.file.localeCompare(b.file) ||
      (a.line ?? 0) - (b.line ?? 0),
  );
}

export function summarize(
  items: readonly ClaudeItem[],
  diagnostics: readonly Diagnostic[],
): SkillsValidateSummary {
  const count = (kind: ClaudeItemKind) => items.filter((item) => item.kind === kind).length;
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  return {
    skills: count("skill"),
    commands: count("command"),
    agents: count("agent"),
    errors,
    warnings: diagnostics.length - errors,
  };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

export function formatSummary(summary: SkillsValidateSummary): string {
  return (
    `${plural(summary.skills, "skill")}, ${plural(summary.commands, "command")}, ` +
    `${plural(summary.agents, "agent")}: ${plural(summary.errors, "error")}, ${plural(summary.warnings, "warning")}`
  );
}

export async function runSkillsValidate(
  options: SkillsValidateOptions,
  ctx: CommandContext,
): Promise<CommandResult> {
  const loaded = await loadClaudeItems({ dir: options.dir, cwd: ctx.cwd });
  if (!loaded.location) {
    const reason = loaded.diagnostics[0];
    throw new InputError(reason?.message ?? `nothing to validate in ${options.dir}`, {
      hint: reason?.hint,
    });
  }
  const diagnostics = sortDiagnostics(loaded.diagnostics);
  const summary = summarize(loaded.items, diagnostics);
  const { output } = ctx;

  if (output.json) {
    for (const diagnostic of diagnostics) output.record({ type: "diagnostic", ...diagnostic });
    output.record({ type: "result", command: "skills validate", ...summary });
  } else {
    for (const diagnostic of diagnostics) {
      const text = formatDiagnostic(diagnostic);
      const colour = diagnostic.severity === "error" ? output.style.red : output.style.yellow;
      // Colour only the severity word, so the `file:line` prefix stays clickable.
      output.line(text.replace(`: ${diagnostic.severity}:`, `: ${colour(diagnostic.severity)}:`));
    }
    if (diagnostics.length > 0) output.line();
    const line = formatSummary(summary);
    output.line(summary.errors > 0 ? output.style.red(line) : output.style.green(line));
  }
  return { exitCode: summary.errors > 0 ? ExitCode.failed : ExitCode.ok };
}
