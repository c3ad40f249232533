/**
 * The `.claude/` files the built-in agent runs from, read with the same loaders `harness skills`
 * uses (so both agree on names and tool lists):
 *
 * - `loadAgentDefinition`: `.claude/agents/<name>.md` as an `AgentDefinition` (the body is the
 *   system prompt);
 * - `renderCommand`: `.claude/commands/<name>.md` with its arguments filled in, the prompt a
 *   command run starts from;
 * - `loadSkillIndex`: every skill's name, description and body. The prompt lists names and
 *   descriptions only; the `skill` tool hands the body over when the model asks for it
 *   (progressive disclosure, as Claude Code does).
 *
 * Only problems that would change what the agent may do are errors here (a file that does not
 * parse, a `tools` key that is not a list); style warnings are `harness skills validate`'s job.
 */
import { InputError } from "../errors.js";
import type { Diagnostic } from "../diagnostics.js";
import type { AgentItem, CommandItem } from "../skills/claude-item.js";
import { loadAgents } from "../skills/load-agents.js";
import { loadCommands } from "../skills/load-commands.js";
import { loadSkills } from "../skills/load-skills.js";
import { resolveClaudeDir, type ClaudeDirLocation } from "../skills/resolve-claude-dir.js";
import type { AgentDefinition } from "./types.js";

async function requireClaudeDir(repoRoot: string, what: string): Promise<ClaudeDirLocation> {
  const location = await resolveClaudeDir(repoRoot);
  if (!location) {
    throw new InputError(`${repoRoot} has no .claude/ folder, so it has no ${what}`, {
      hint: "run `harness init` to write the .claude/ tree, or point at the repository that has it",
    });
  }
  return location;
}

function describeKnown(names: string[]): string {
  return names.length === 0 ? "there are none" : `known: ${names.sort().join(", ")}`;
}

/** The error diagnostics reported for `file`. */
function errorsFor(diagnostics: Diagnostic[], file: string): Diagnostic[] {
  return diagnostics.filter(
    (diagnostic) => diagnostic.severity === "error" && diagnostic.file === file,
  );
}

function formatDiagnostic(diagnostic: Diagnostic): string {
  const where =
    diagnostic.line === undefined ? diagnostic.file : `${diagnostic.file}:${diagnostic.line}`;
  return `${where}: ${diagnostic.message}`;
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}

function toDefinition(item: AgentItem): AgentDefinition {
  const model = item.frontmatter.model;
  const maxTurns = positiveInteger(item.frontmatter.maxTurns);
  return {
    name: item.name,
    description: item.description,
    prompt: item.body.trim(),
    ...(item.tools ? { tools: item.tools } : {}),
    ...(item.disallowedTools ? { disallowedTools: item.disallowedTools } : {}),
    ...(typeof model === "string" && model.trim() !== "" ? { model: model.trim() } : {}),
    ...(maxTurns !== undefined ? { maxTurns } : {}),
    path: item.path,
  };
}

/**
 * Reads `.claude/agents/<name>.md` (by its declared name, else its file name). Throws an
 * InputError listing the known agents when there is none, or naming the problem when the file
 * does not parse or its tool lists are malformed (an unreadable `tools` would grant every tool).
 */
export async function loadAgentDefinition(
  repoRoot: string,
  name: string,
): Promise<AgentDefinition> {
  const location = await requireClaudeDir(repoRoot, "agents");
  const { items, diagnostics } = await loadAgents(location);
  const fileName = (item: AgentItem) => item.path.replace(/^.*\//, "").replace(/\.md$/, "");
  const item =
    items.find((candidate) => candidate.name === name) ??
    items.find((candidate) => fileName(candidate) === name);
  if (!item) {
    const broken = diagnostics.find(
      (diagnostic) =>
        diagnostic.severity === "error" && diagnostic.file.endsWith(`agents/${name}.md`),
    );
    if (broken) {
      throw new InputError(`the agent "${name}" cannot be read: ${formatDiagnostic(broken)}`, {
        hint: broken.hint ?? "fix the file; `harness skills validate` lists every problem",
      });
    }
    throw new InputError(
      `no agent named "${name}" in .claude/agents (${describeKnown(items.map((known) => known.name))})`,
      { hint: `add .claude/agents/${name}.md, or use one of the known agents` },
    );
  }
  const fatal = errorsFor(diagnostics, item.path).find((diagnostic) =>
    ["agent-tools-type", "frontmatter-missing"].includes(diagnostic.rule),
  );
  if (fatal) {
    throw new InputError(`the agent "${name}" is not usable: ${formatDiagnostic(fatal)}`, {
      hint: fatal.hint ?? "fix the file; `harness skills validate` lists every problem",
    });
  }
  return toDefinition(item);
}

/** A slash command with its arguments filled in. */
export interface RenderedCommand {
  name: string;
  description: string;
  /** The body after substitution: the prompt to run. */
  prompt: string;
  /** From the frontmatter, when set (`inherit` included; the caller decides). */
  model?: string;
  /** Relative to the repository. */
  path: string;
}

/**
 * Fills in a command body: `$ARGUMENTS` is every argument joined by spaces, `$0`..`$9` the
 * positional arguments, zero-based as current Claude Code counts them (`$0` is the first; a
 * missing one becomes empty). When the body uses neither,
 * non-empty arguments are appended as an `ARGUMENTS:` line, as Claude Code does, so they are
 * never silently dropped. `` !`command` `` lines and `@file` references are left as written:
 * the built-in agent does not run them (its tools can).
 */
export function substituteArguments(body: string, args: readonly string[]): string {
  const joined = args.join(" ");
  let used = false;
  const rendered = body
    .replace(/\$ARGUMENTS\b/g, () => {
      used = true;
      return joined;
    })
    .replace(/\$([0-9])(?!\d)/g, (_match, digit: string) => {
      used = true;
      return args[Number(digit)] ?? "";
    });
  if (used || joined.trim() === "") return rendered;
  return `${rendered.trimEnd()}\n\nARGUMENTS: ${joined}\n`;
}

/**
 * Reads `.claude/commands/<name>.md` (`harness:triage` for `commands/harness/triage.md`; a
 * leading `/` is ignored) and fills in `args`. Throws an InputError listing the known commands
 * when there is none.
 */
export async function renderCommand(
  repoRoot: string,
  name: string,
  args: readonly string[],
): Promise<RenderedCommand> {
  const location = await requireClaudeDir(repoRoot, "commands");
  const { items, diagnostics } = await loadCommands(location);
  const wanted = name.replace(/^\//, "");
  const item: CommandItem | undefined = items.find((candidate) => candidate.name === wanted);
  if (!item) {
    const broken = diagnostics.find(
      (diagnostic) =>
        diagnostic.severity === "error" &&
        diagnostic.file.endsWith(`commands/${wanted.replace(/:/g, "/")}.md`),
    );
    if (broken) {
      throw new InputError(`the command "${wanted}" cannot be read: ${formatDiagnostic(broken)}`, {
        hint: broken.hint ?? "fix the file; `harness skills validate` lists every problem",
      });
    }
    throw new InputError(
      `no command named "${wanted}" in .claude/commands (${describeKnown(items.map((known) => known.name))})`,
      { hint: `add .claude/commands/${wanted.replace(/:/g, "/")}.md, or use a known command` },
    );
  }
  const model = item.frontmatter.model;
  return {
    name: item.name,
    description: item.description,
    prompt: substituteArguments(item.body, args).trim(),
    ...(typeof model === "string" && model.trim() !== "" ? { model: model.trim() } : {}),
    path: item.path,
  };
}

/**
 * Every skill under `.claude/skills/` by name: description and body. Empty when the repository
 * has no `.claude/` folder; a skill file that does not parse is left out (validate reports it).
 */
export async function loadSkillIndex(
  repoRoot: string,
): Promise<Map<string, { description: string; body: string }>> {
  const index = new Map<string, { description: string; body: string }>();
  const location = await resolveClaudeDir(repoRoot);
  if (!location) return index;
  const { items } = await loadSkills(location);
  for (const item of items) {
    if (!index.has(item.name)) {
      index.set(item.name, { description: item.description, body: item.body.trim() });
    }
  }
  return index;
}
