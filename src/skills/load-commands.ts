/**
 * Reads every `commands/**\/*.md`. A subfolder namespaces the command:
 * `commands/harness/triage.md` is `/harness:triage`.
 */
import path from "node:path";
import type { Diagnostic, LoadResult } from "../diagnostics.js";
import type { CommandItem } from "./claude-item.js";
import { firstLineOf, listFolder, readItemFile, textValue } from "./read-item-files.js";
import type { ClaudeDirLocation } from "./resolve-claude-dir.js";
import { validateCommand } from "./validate-command.js";

/** Absolute paths of the Markdown files under `folder`, with their namespace segments. */
async function findCommandFiles(
  folder: string,
  namespace: string[],
): Promise<{ absolutePath: string; segments: string[] }[]> {
  const found: { absolutePath: string; segments: string[] }[] = [];
  for (const entry of await listFolder(folder)) {
    if (entry.isDirectory) {
      found.push(...(await findCommandFiles(entry.absolutePath, [...namespace, entry.name])));
    } else if (entry.isFile && entry.name.endsWith(".md")) {
      found.push({
        absolutePath: entry.absolutePath,
        segments: [...namespace, entry.name.slice(0, -3)],
      });
    }
  }
  return found;
}

export async function loadCommands(location: ClaudeDirLocation): Promise<LoadResult<CommandItem>> {
  const items: CommandItem[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { absolutePath, segments } of await findCommandFiles(
    path.join(location.root, "commands"),
    [],
  )) {
    const read = await readItemFile(location, absolutePath);
    diagnostics.push(...read.diagnostics);
    if (!read.document) continue;
    diagnostics.push(...validateCommand({ file: read.file, document: read.document }));
    items.push({
      kind: "command",
      name: segments.join(":"),
      description:
        textValue(read.document.frontmatter.description) || firstLineOf(read.document.body),
      path: read.file,
      frontmatter: read.document.frontmatter,
      body: read.document.body,
    });
  }
  return { items, diagnostics };
}
