/**
 * Builds the system prompt: the prefix every call of an agent shares.
 *
 * Why it is strict: llama-server (and the cloud providers) reuse the cached computation of a
 * prompt up to the first byte that differs from the previous call. The router keeps a session on
 * the backend that holds its cache, but that only pays off if the prefix is byte-identical from
 * one call to the next. So the prefix is made of stable parts in a fixed order (role prompt, tool
 * list, soul documents), and anything that changes between calls (today's date, a run id, a
 * timestamp) belongs at the end of the conversation, in the newest user message. One date at
 * the top would make every call recompute the whole prompt.
 */
import { InputError } from "../errors.js";

/** A tool as the prompt names it (the full schema travels in the request's `tools`). */
export interface PromptTool {
  name: string;
  description: string;
}

/** A soul document (CLAUDE.md, PLAN.md, PROGRESS.md ...) included verbatim. */
export interface PromptDocument {
  path: string;
  content: string;
}

/** The stable parts of a prefix; each is optional but the order is fixed. */
export interface PromptPrefixParts {
  rolePrompt: string;
  tools?: PromptTool[];
  documents?: PromptDocument[];
}

/** Patterns that mark content as volatile: it would differ on the next call or the next run. */
const volatilePatterns: Array<{ pattern: RegExp; what: string }> = [
  { pattern: /\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2})?/, what: "an ISO date" },
  {
    pattern: /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i,
    what: "a UUID",
  },
  { pattern: /\b1[6-9]\d{8}(?:\d{3})?\b/, what: "a Unix timestamp" },
];

/**
 * Joins the parts into one system prompt. Tools are sorted by name so the order they were
 * registered in cannot change the bytes. Throws an InputError when the role prompt or a tool
 * description holds volatile content. Soul documents are taken as they are: they are the repo's
 * own files, stable for a run, and a change to them is a real change the model should see.
 */
export function buildPromptPrefix(parts: PromptPrefixParts): string {
  refuseVolatile("the role prompt", parts.rolePrompt);
  const sections = [parts.rolePrompt.trim()];

  const tools = [...(parts.tools ?? [])].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  if (tools.length > 0) {
    for (const tool of tools)
      refuseVolatile(`the description of tool "${tool.name}"`, tool.description);
    sections.push(
      ["# Tools", ...tools.map((tool) => `- ${tool.name}: ${tool.description.trim()}`)].join("\n"),
    );
  }

  const documents = parts.documents ?? [];
  if (documents.length > 0) {
    sections.push(
      [
        "# Project documents",
        ...documents.map(
          (doc) => `<document path="${doc.path}">\n${doc.content.trimEnd()}\n</document>`,
        ),
      ].join("\n\n"),
    );
  }
  return `${sections.join("\n\n")}\n`;
}

function refuseVolatile(where: string, text: string): void {
  for (const { pattern, what } of volatilePatterns) {
    const match = pattern.exec(text);
    if (match) {
      throw new InputError(
        `${where} contains ${what} ("${match[0]}"), which would break prompt caching`,
        {
          hint: "Keep the prompt prefix stable: put dates, ids and timestamps in the latest user message.",
        },
      );
    }
  }
}
