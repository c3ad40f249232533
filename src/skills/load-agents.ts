/** Reads every `agents/*.md` and validates each sub-agent. */
import path from "node:path";
import type { Diagnostic, LoadResult } from "../diagnostics.js";
import type { AgentItem } from "./claude-item.js";
import { listFolder, readItemFile, textValue } from "./read-item-files.js";
import type { ClaudeDirLocation } from "./resolve-claude-dir.js";
import { validateAgent } from "./validate-agent.js";

export async function loadAgents(location: ClaudeDirLocation): Promise<LoadResult<AgentItem>> {
  const items: AgentItem[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const entry of await listFolder(path.join(location.root, "agents"))) {
    if (!entry.isFile || !entry.name.endsWith(".md")) continue;
    const read = await readItemFile(location, entry.absolutePath);
    diagnostics.push(...read.diagnostics);
    if (!read.document) continue;
    const fileName = entry.name.slice(0, -3);
    const validation = validateAgent({ file: read.file, document: read.document, fileName });
    diagnostics.push(...validation.diagnostics);
    const declaredName = textValue(read.document.frontmatter.name);
    items.push({
      kind: "agent",
      name: declaredName || fileName,
      description: textValue(read.document.frontmatter.description),
      path: read.file,
      frontmatter: read.document.frontmatter,
      body: read.document.body,
      ...(declaredName ? { nameLine: read.document.lineOfKey("name") } : {}),
      ...(validation.tools ? { tools: validation.tools } : {}),
      ...(validation.disallowedTools ? { disallowedTools: validation.disallowedTools } : {}),
    });
  }
  return { items, diagnostics };
}
