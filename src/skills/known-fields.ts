/**
 * The frontmatter keys and values Claude Code understands, per kind: the documented formats plus
 * the frontmatter schema shipped inside Claude Code 2.1.x. A key outside them is only a warning,
 * since new versions add keys often.
 */

/** Skills: the open Agent Skills keys plus what Claude Code reads. */
export const SKILL_KEYS = [
  "name",
  "description",
  "license",
  "compatibility",
  "metadata",
  "allowed-tools",
  "when_to_use",
  "argument-hint",
  "arguments",
  "disallowed-tools",
  "model",
  "effort",
  "shell",
  "context",
  "agent",
  "paths",
  "disable-model-invocation",
  "user-invocable",
  "hooks",
] as const;

/** Commands take the skill keys except these (the file name is the command name). */
export const SKILL_ONLY_KEYS = ["name", "paths"] as const;

export const AGENT_KEYS = [
  "name",
  "description",
  "tools",
  "disallowedTools",
  "model",
  "permissionMode",
  "maxTurns",
  "skills",
  "memory",
  "isolation",
  "color",
  "effort",
  "mcpServers",
  "hooks",
  "initialPrompt",
  "background",
] as const;

/** Keys that hold true/false; a quoted "true" is a string and is not read as a boolean. */
export const SKILL_BOOLEAN_KEYS = ["disable-model-invocation", "user-invocable"] as const;
export const AGENT_BOOLEAN_KEYS = ["background"] as const;

/**
 * Mistakes that edit distance would get wrong: the agent key is camelCase and differently named
 * from the skill key, so "allowed-tools" would otherwise be matched to "disallowedTools".
 */
export const AGENT_KEY_ALIASES: Readonly<Record<string, string>> = {
  "allowed-tools": "tools",
  allowedTools: "tools",
  "disallowed-tools": "disallowedTools",
  "max-turns": "maxTurns",
  "permission-mode": "permissionMode",
};
export const SKILL_KEY_ALIASES: Readonly<Record<string, string>> = {
  tools: "allowed-tools",
  allowedTools: "allowed-tools",
};

export const MODEL_ALIASES = ["inherit", "sonnet", "opus", "haiku"] as const;

export const PERMISSION_MODES = [
  "default",
  "acceptEdits",
  "plan",
  "bypassPermissions",
  "dontAsk",
  "auto",
] as const;

export const ISOLATION_MODES = ["worktree"] as const;

export const SKILL_NAME_MAX_LENGTH = 64;
export const DESCRIPTION_MAX_LENGTH = 1024;
/** Past this the spec suggests moving detail into references/ files loaded on demand. */
export const SKILL_BODY_MAX_LINES = 500;
