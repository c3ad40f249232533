/** Reads `skills/<folder>/SKILL.md` for every folder and validates each skill. */
import path from "node:path";
import type { Diagnostic, LoadResult } from "../diagnostics.js";
import type { SkillItem } from "./claude-item.js";
import { listFolder, readItemFile, textValue } from "./read-item-files.js";
import { toDisplayPath, type ClaudeDirLocation } from "./resolve-claude-dir.js";
import { validateSkill } from "./validate-skill.js";

export const SKILL_FILE_NAME = "SKILL.md";

export async function loadSkills(location: ClaudeDirLocation): Promise<LoadResult<SkillItem>> {
  const items: SkillItem[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const entry of await listFolder(path.join(location.root, "skills"))) {
    if (!entry.isDirectory) {
      if (entry.name.endsWith(".md")) {
        diagnostics.push({
          severity: "warning",
          file: toDisplayPath(location, entry.absolutePath),
          rule: "skill-layout",
          message: "Claude Code does not read Markdown files directly under skills/",
          hint: `move it to skills/${entry.name.slice(0, -3)}/${SKILL_FILE_NAME}`,
        });
      }
      continue;
    }
    const skillFile = path.join(entry.absolutePath, SKILL_FILE_NAME);
    const contents = await listFolder(entry.absolutePath);
    if (!contents.some((child) => child.name === SKILL_FILE_NAME && child.isFile)) {
      const lookalike = contents.find((child) => child.name.toLowerCase() === "skill.md");
      diagnostics.push({
        severity: "warning",
        file: toDisplayPath(location, entry.absolutePath),
        rule: "skill-layout",
        message: `the skill folder has no ${SKILL_FILE_NAME}, so Claude Code skips it`,
        hint: lookalike
          ? `rename ${lookalike.name} to ${SKILL_FILE_NAME} (the name is case-sensitive)`
          : `add ${SKILL_FILE_NAME} with a name and a description, or remove the folder`,
      });
      continue;
    }
    const read = await readItemFile(location, skillFile);
    diagnostics.push(...read.diagnostics);
    if (!read.document) continue;
    const skill = { file: read.file, document: read.document, folder: entry.name };
    diagnostics.push(...validateSkill({ ...skill, folderPath: entry.absolutePath }));
    const declaredName = textValue(read.document.frontmatter.name);
    items.push({
      kind: "skill",
      name: declaredName || entry.name,
      description: textValue(read.document.frontmatter.description),
      path: read.file,
      frontmatter: read.document.frontmatter,
      body: read.document.body,
      folder: entry.name,
      ...(declaredName ? { nameLine: read.document.lineOfKey("name") } : {}),
    });
  }
  return { items, diagnostics };
}
