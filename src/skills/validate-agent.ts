/**
 * The rules for `.claude/agents/<name>.md`. Besides the format, one harness rule: a worker must
 * not be able to start sub-agents, so an agent that could is flagged.
 */
import { closestMatch, type Diagnostic } from "../diagnostics.js";
import {
  AGENT_SPAWNING_TOOLS,
  CLAUDE_CODE_TOOLS,
  isKnownTool,
  parseToolList,
  toolBaseName,
} from "./claude-tools.js";
import {
  checkBodyNotEmpty,
  checkBooleanKeys,
  checkDescription,
  checkModel,
  checkUnknownKeys,
  keyDiagnostic,
  type CheckedFile,
} from "./frontmatter-checks.js";
import {
  AGENT_BOOLEAN_KEYS,
  AGENT_KEYS,
  AGENT_KEY_ALIASES,
  ISOLATION_MODES,
  PERMISSION_MODES,
} from "./known-fields.js";

/** An agent file; `fileName` is its name without `.md`, which `name` should equal. */
export interface AgentUnderCheck extends CheckedFile {
  fileName: string;
}

/** The parsed tool lists, handed back so the loader need not parse them twice. */
export interface AgentValidation {
  diagnostics: Diagnostic[];
  tools?: string[];
  disallowedTools?: string[];
}

function checkAgentName(agent: AgentUnderCheck): Diagnostic[] {
  const name = agent.document.frontmatter.name;
  if (name === undefined || name === null) {
    return [
      {
        severity: "error",
        file: agent.file,
        line: 1,
        rule: "agent-name-missing",
        message: "no name in the frontmatter",
        hint: `add name: ${agent.fileName}`,
      },
    ];
  }
  if (typeof name !== "string" || !/^[a-z][a-z0-9-]*$/.test(name)) {
    return [
      keyDiagnostic(agent, "name", {
        severity: "error",
        rule: "agent-name-format",
        message: `the name ${JSON.stringify(name)} must start with a lowercase letter and hold only lowercase letters, digits and hyphens`,
        hint: "use lowercase words joined by hyphens, e.g. code-reviewer",
      }),
    ];
  }
  if (name === agent.fileName) return [];
  return [
    keyDiagnostic(agent, "name", {
      severity: "warning",
      rule: "agent-name-mismatch",
      message: `the name "${name}" differs from the file name "${agent.fileName}.md"`,
      hint: `rename the file to ${name}.md, so people find the agent where Claude Code does`,
    }),
  ];
}

/** Parses `tools` or `disallowedTools` and reports entries that are not Claude Code tools. */
function checkToolKey(
  agent: AgentUnderCheck,
  key: "tools" | "disallowedTools",
): { diagnostics: Diagnostic[]; tools?: string[] } {
  const value = agent.document.frontmatter[key];
  if (value === undefined || value === null) return { diagnostics: [] };
  const parsed = parseToolList(value);
  if (!parsed.ok) {
    const diagnostic = keyDiagnostic(agent, key, {
      severity: "error",
      rule: "agent-tools-type",
      message: `${key}: ${parsed.reason}`,
      hint: `write ${key}: Read, Grep, Glob (or a YAML list of tool names)`,
    });
    return { diagnostics: [diagnostic] };
  }
  const diagnostics = parsed.tools
    .filter((tool) => !isKnownTool(tool))
    .map((tool) => {
      const suggestion = closestMatch(toolBaseName(tool) ?? tool, CLAUDE_CODE_TOOLS);
      return keyDiagnostic(agent, key, {
        severity: "error",
        rule: "agent-tool-unknown",
        message: `${key}: "${tool}" is not a Claude Code tool`,
        hint: suggestion
          ? `did you mean "${suggestion}"?`
          : "use a built-in tool name (Read, Edit, Bash, ...), Name(pattern), or mcp__server__tool",
      });
    });
  return { diagnostics, tools: parsed.tools };
}

function isSpawningTool(tool: string): boolean {
  return (AGENT_SPAWNING_TOOLS as readonly string[]).includes(toolBaseName(tool) ?? "");
}

function checkCanSpawnAgents(
  agent: AgentUnderCheck,
  tools: string[] | undefined,
  disallowedTools: string[] | undefined,
): Diagnostic[] {
  if (tools === undefined) {
    // A tools key that failed to parse is already an error; do not guess what it allowed.
    if (agent.document.frontmatter.tools !== undefined) return [];
    if (disallowedTools?.some(isSpawningTool)) return [];
    return [
      {
        severity: "warning",
        file: agent.file,
        line: 1,
        rule: "agent-tools-missing",
        message:
          "no tools list, so the agent inherits every tool, including Agent, which starts sub-agents",
        hint: "list the tools it needs, e.g. tools: Read, Grep, Glob, Bash (harness workers must not spawn agents)",
      },
    ];
  }
  const spawning = tools.filter(isSpawningTool);
  if (spawning.length === 0) return [];
  return [
    keyDiagnostic(agent, "tools", {
      severity: "warning",
      rule: "agent-tools-spawn",
      message: `tools include ${spawning.join(", ")}, so the agent can start sub-agents`,
      hint: "remove it: harness workers must not spawn agents (orchestrate from a command instead)",
    }),
  ];
}

function checkSettings(agent: AgentUnderCheck): Diagnostic[] {
  const { permissionMode, maxTurns, isolation } = agent.document.frontmatter;
  const diagnostics: Diagnostic[] = [];
  const oneOf = (key: string, value: unknown, allowed: readonly string[], rule: string) => {
    if (value === undefined || (typeof value === "string" && allowed.includes(value))) return;
    const suggestion = typeof value === "string" ? closestMatch(value, allowed) : undefined;
    diagnostics.push(
      keyDiagnostic(agent, key, {
        severity: "error",
        rule,
        message: `${key} ${JSON.stringify(value)} must be ${allowed.length === 1 ? `"${allowed[0]}"` : `one of ${allowed.join(", ")}`}`,
        hint: suggestion
          ? `did you mean "${suggestion}"?`
          : allowed.length === 1
            ? `write ${key}: ${allowed[0]}, or remove the key`
            : `pick one of ${allowed.join(", ")}`,
      }),
    );
  };
  oneOf("permissionMode", permissionMode, PERMISSION_MODES, "agent-permission-mode");
  oneOf("isolation", isolation, ISOLATION_MODES, "agent-isolation");
  if (maxTurns !== undefined && !(Number.isInteger(maxTurns) && (maxTurns as number) > 0)) {
    diagnostics.push(
      keyDiagnostic(agent, "maxTurns", {
        severity: "error",
        rule: "agent-max-turns",
        message: `maxTurns must be a positive whole number, got ${JSON.stringify(maxTurns)}`,
        hint: "write maxTurns: 20 (no quotes)",
      }),
    );
  }
  return diagnostics;
}

export function validateAgent(agent: AgentUnderCheck): AgentValidation {
  if (!agent.document.hasFrontmatter) {
    const missing: Diagnostic = {
      severity: "error",
      file: agent.file,
      line: 1,
      rule: "frontmatter-missing",
      message: "the agent file has no frontmatter, so it has no name or description",
      hint: `start the file with ---, name: ${agent.fileName}, description: <when to delegate>, tools: ..., ---`,
    };
    return { diagnostics: [missing] };
  }
  const tools = checkToolKey(agent, "tools");
  const disallowed = checkToolKey(agent, "disallowedTools");
  const diagnostics = [
    ...checkAgentName(agent),
    ...checkDescription(
      agent,
      "error",
      "add description: when Claude should delegate to this agent (it decides from this)",
    ),
    ...tools.diagnostics,
    ...disallowed.diagnostics,
    ...checkCanSpawnAgents(agent, tools.tools, disallowed.tools),
    ...checkModel(agent),
    ...checkSettings(agent),
    ...checkBooleanKeys(agent, AGENT_BOOLEAN_KEYS),
    ...checkUnknownKeys(agent, AGENT_KEYS, AGENT_KEY_ALIASES, "agent"),
    ...checkBodyNotEmpty(
      agent,
      "warning",
      "write the agent's system prompt: its role, steps and output",
    ),
  ];
  return { diagnostics, tools: tools.tools, disallowedTools: disallowed.tools };
}
