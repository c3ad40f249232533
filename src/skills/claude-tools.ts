/**
 * Claude Code's tool names and the `tools:` syntax: a comma-separated string or a YAML list of
 * `Name`, `Name(pattern)` (e.g. `Bash(npm test:*)`) or `mcp__server__tool`.
 */

/** Built-in tools of Claude Code 2.1.x, including older names that agents in the wild still use. */
export const CLAUDE_CODE_TOOLS = [
  "Read",
  "Write",
  "Edit",
  "MultiEdit",
  "Glob",
  "Grep",
  "Bash",
  "WebFetch",
  "WebSearch",
  "TodoWrite",
  "NotebookEdit",
  "Task",
  "Agent",
  "Skill",
  "BashOutput",
  "KillShell",
  "ExitPlanMode",
  "SlashCommand",
  "ListMcpResourcesTool",
  "ReadMcpResourceTool",
  "AskUserQuestion",
  "EnterPlanMode",
  "TaskOutput",
  "TaskStop",
  "TaskCreate",
  "TaskGet",
  "TaskUpdate",
  "TaskList",
  "EnterWorktree",
  "ExitWorktree",
  "LSP",
] as const;

/** The tools that start a sub-agent ("Task" is the older name of "Agent"). */
export const AGENT_SPAWNING_TOOLS = ["Agent", "Task"] as const;

/** The outcome of reading a `tools`-style value. */
export type ToolListParse = { ok: true; tools: string[] } | { ok: false; reason: string };

/**
 * Splits on commas outside parentheses, so `Bash(git add:*, git commit:*)` stays one entry.
 * Empty entries (a trailing comma) are dropped.
 */
export function splitToolList(text: string): string[] {
  const entries: string[] = [];
  let depth = 0;
  let current = "";
  for (const character of text) {
    if (character === "(") depth++;
    if (character === ")") depth = Math.max(0, depth - 1);
    if (character === "," && depth === 0) {
      entries.push(current);
      current = "";
    } else current += character;
  }
  entries.push(current);
  return entries.map((entry) => entry.trim()).filter((entry) => entry !== "");
}

export function parseToolList(value: unknown): ToolListParse {
  if (typeof value === "string") return { ok: true, tools: splitToolList(value) };
  if (Array.isArray(value)) {
    const tools: string[] = [];
    for (const entry of value) {
      if (typeof entry !== "string") {
        return {
          ok: false,
          reason: `list entries must be tool names, got ${JSON.stringify(entry)}`,
        };
      }
      if (entry.trim() !== "") tools.push(entry.trim());
    }
    return { ok: true, tools };
  }
  return {
    ok: false,
    reason: `expected a comma-separated string or a YAML list, got ${JSON.stringify(value)}`,
  };
}

/** `Bash(npm test:*)` → `Bash`; undefined when the entry is not shaped like a tool at all. */
export function toolBaseName(entry: string): string | undefined {
  const match = /^([A-Za-z][A-Za-z0-9]*)(?:\(.*\))?$/s.exec(entry);
  return match?.[1];
}

export function isMcpTool(entry: string): boolean {
  return /^mcp__[\w.*-]+$/.test(entry);
}

export function isKnownTool(entry: string): boolean {
  if (isMcpTool(entry)) return true;
  const base = toolBaseName(entry);
  return base !== undefined && (CLAUDE_CODE_TOOLS as readonly string[]).includes(base);
}
