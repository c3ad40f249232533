/**
 * The three kinds of file Claude Code reads from `.claude/`: skills, slash commands and
 * sub-agents. Loaders produce these; `skills list` prints them and later the workflows pick the
 * agents and commands they run from them.
 */

export type ClaudeItemKind = "skill" | "command" | "agent";

/** What every item carries, whatever its kind. */
export interface ClaudeItemBase {
  kind: ClaudeItemKind;
  /**
   * How Claude Code addresses it: the skill's declared name (else its folder), the command's
   * path with folders joined by ":" (`harness/triage.md` is `harness:triage`), the agent's
   * declared name (else its file name).
   */
  name: string;
  /** The frontmatter description; for a command without one, its first body line. */
  description: string;
  /** Relative to the directory the user pointed at, with "/" separators. */
  path: string;
  /** The parsed frontmatter mapping ({} when the file has none). */
  frontmatter: Record<string, unknown>;
  /** The Markdown after the frontmatter: the prompt or the instructions. */
  body: string;
  /** 1-based line of the `name` key, when the name came from the frontmatter. */
  nameLine?: number;
}

/** `.claude/skills/<folder>/SKILL.md`. */
export interface SkillItem extends ClaudeItemBase {
  kind: "skill";
  /** The folder's name, which the spec requires `name` to equal. */
  folder: string;
}

/** `.claude/commands/**\/*.md`. */
export interface CommandItem extends ClaudeItemBase {
  kind: "command";
}

/** `.claude/agents/<name>.md`. */
export interface AgentItem extends ClaudeItemBase {
  kind: "agent";
  /** The allow-list from `tools`; undefined means the agent inherits every tool. */
  tools?: string[];
  /** Tools removed from the inherited set (`disallowedTools`). */
  disallowedTools?: string[];
}

export type ClaudeItem = SkillItem | CommandItem | AgentItem;
