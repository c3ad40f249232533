/**
 * The built-in agent's tools, and the choice of them an agent definition asks for. Definitions
 * name Claude Code tools (`tools: Read, Grep, Glob, Bash`), so a definition works the same under
 * every runner: each tool answers to its Claude Code name, and a few Claude Code names map onto
 * the nearest built-in tool (`MultiEdit` → edit_file; `Glob` also brings list_dir, since Claude
 * Code lists folders with Glob). `finish` is always there: it is how a built-in run ends.
 */
import type { AgentTool } from "../types.js";
import { editFileTool } from "./edit-file.js";
import { finishTool } from "./finish.js";
import { globTool } from "./glob.js";
import { grepTool } from "./grep.js";
import { listDirTool } from "./list-dir.js";
import { readFileTool } from "./read-file.js";
import { runCommandTool } from "./run-command.js";
import { skillTool } from "./skill.js";
import { writeFileTool } from "./write-file.js";

/** Claude Code names that stand for a built-in tool besides its own `claudeName`. */
const CLAUDE_NAME_ALIASES: Readonly<Record<string, readonly string[]>> = {
  MultiEdit: ["Edit"],
  Glob: ["Glob", "LS"],
};

/** Every built-in tool, in the order they are offered to the model. */
export function builtinTools(): AgentTool[] {
  return [
    readFileTool,
    listDirTool,
    globTool,
    grepTool,
    editFileTool,
    writeFileTool,
    runCommandTool,
    skillTool,
    finishTool,
  ];
}

/**
 * The tools for an agent whose definition allows `claudeNames` (undefined: all) and disallows
 * `disallowed`. Names may be Claude Code's (`Read`) or the built-in ones (`read_file`); a
 * scoped entry such as `Bash(git diff:*)` counts as its tool when allowing, and is left to the
 * command policy when disallowing (it forbids some commands, not the whole tool).
 */
export function toolsFor(claudeNames?: string[], disallowed: string[] = []): AgentTool[] {
  const allowedNames =
    claudeNames === undefined ? undefined : new Set(claudeNames.flatMap(expandName));
  // No aliases here: disallowing MultiEdit must not take Edit away.
  const disallowedNames = new Set(
    disallowed.filter((name) => !name.includes("(")).map((name) => name.trim()),
  );
  return builtinTools().filter((tool) => {
    if (tool === finishTool) return true;
    const names = [tool.claudeName, tool.definition.name];
    if (names.some((name) => disallowedNames.has(name))) return false;
    return allowedNames === undefined || names.some((name) => allowedNames.has(name));
  });
}

function expandName(entry: string): readonly string[] {
  const name = entry.trim().replace(/\(.*\)$/s, "");
  return CLAUDE_NAME_ALIASES[name] ?? [name];
}
