/**
 * `harness skills list [dir]`: a table of the skills, commands and agents Claude Code will see,
 * or with --json one object per item (without bodies). Problems are left to `skills validate`.
 */
import { hasErrors } from "../diagnostics.js";
import { ExitCode, InputError } from "../errors.js";
import type { ClaudeItem } from "../skills/claude-item.js";
import { loadClaudeItems } from "../skills/load-claude-items.js";
import type { CommandContext, CommandResult } from "./context.js";

export interface SkillsListOptions {
  /** The `.claude` folder or a repo holding one, relative to ctx.cwd. */
  dir: string;
  /** Table width in columns; defaults to $COLUMNS, the terminal's width, else 80. */
  width?: number;
}

/** Cuts `text` to `width` columns with an ellipsis; descriptions may span lines, so they are joined. */
export function truncate(text: string, width: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= width) return flat;
  return width <= 1 ? flat.slice(0, Math.max(0, width)) : `${flat.slice(0, width - 1)}…`;
}

function tableWidth(options: SkillsListOptions, ctx: CommandContext): number {
  if (options.width) return options.width;
  const fromEnv = Number.parseInt(ctx.env.COLUMNS ?? "", 10);
  if (fromEnv > 0) return fromEnv;
  return process.stdout.columns || 80;
}

/** The table's lines: a header, then one row per item. */
export function formatItemTable(items: readonly ClaudeItem[], width: number): string[] {
  const kindWidth = Math.max(4, ...items.map((item) => item.kind.length));
  const nameWidth = Math.min(40, Math.max(4, ...items.map((item) => item.name.length)));
  const descriptionWidth = Math.max(10, width - kindWidth - nameWidth - 4);
  const row = (kind: string, name: string, description: string) =>
    `${kind.padEnd(kindWidth)}  ${truncate(name, nameWidth).padEnd(nameWidth)}  ${description}`.trimEnd();
  return [
    row("KIND", "NAME", "DESCRIPTION"),
    ...items.map((item) => row(item.kind, item.name, truncate(item.description, descriptionWidth))),
  ];
}

/** The JSON form of an item: everything but the body, which can be long and is not metadata. */
export function itemRecord(item: ClaudeItem): Record<string, unknown> {
  return {
    type: "item",
    kind: item.kind,
    name: item.name,
    description: item.description,
    path: item.path,
    frontmatter: item.frontmatter,
    ...(item.kind === "agent" && item.tools ? { tools: item.tools } : {}),
    ...(item.kind === "agent" && item.disallowedTools
      ? { disallowedTools: item.disallowedTools }
      : {}),
  };
}

export async function runSkillsList(
  options: SkillsListOptions,
  ctx: CommandContext,
): Promise<CommandResult> {
  const loaded = await loadClaudeItems({ dir: options.dir, cwd: ctx.cwd });
  if (!loaded.location) {
    const reason = loaded.diagnostics[0];
    throw new InputError(reason?.message ?? `nothing to list in ${options.dir}`, {
      hint: reason?.hint,
    });
  }
  const { output } = ctx;
  if (output.json) {
    for (const item of loaded.items) output.record(itemRecord(item));
    return { exitCode: ExitCode.ok };
  }
  if (loaded.items.length === 0) {
    output.line(`no skills, commands or agents in ${options.dir}`);
    return { exitCode: ExitCode.ok };
  }
  const [header, ...rows] = formatItemTable(loaded.items, tableWidth(options, ctx));
  output.line(output.style.bold(header ?? ""));
  for (const row of rows) output.line(row);
  if (hasErrors(loaded.diagnostics)) {
    output.warn("some of these files have errors; run `harness skills validate` for details");
  }
  return { exitCode: ExitCode.ok };
}
