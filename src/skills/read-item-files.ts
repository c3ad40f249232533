/**
 * File-system helpers the three loaders share: listing a folder (following symlinks, since
 * skills are often linked in from elsewhere) and reading one file into a parsed document.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { Diagnostic } from "../diagnostics.js";
import { parseFrontmatter, type FrontmatterDocument } from "./parse-frontmatter.js";
import { toDisplayPath, type ClaudeDirLocation } from "./resolve-claude-dir.js";

/** One entry of a folder, with symlinks resolved to what they point at. */
export interface FolderEntry {
  name: string;
  absolutePath: string;
  isDirectory: boolean;
  isFile: boolean;
}

/** Entries sorted by name, hidden ones and broken links left out; [] when the folder is absent. */
export async function listFolder(folder: string): Promise<FolderEntry[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return [];
  }
  const entries: FolderEntry[] = [];
  for (const name of names.sort()) {
    if (name.startsWith(".")) continue;
    const absolutePath = path.join(folder, name);
    try {
      const info = await stat(absolutePath);
      entries.push({ name, absolutePath, isDirectory: info.isDirectory(), isFile: info.isFile() });
    } catch {
      // A broken symlink: Claude Code cannot read it either, and there is nothing to check.
    }
  }
  return entries;
}

/** A file read and parsed; `document` is absent when it could not be read or its YAML is broken. */
export interface ReadItemFile {
  file: string;
  document?: FrontmatterDocument;
  diagnostics: Diagnostic[];
}

export async function readItemFile(
  location: ClaudeDirLocation,
  absolutePath: string,
): Promise<ReadItemFile> {
  const file = toDisplayPath(location, absolutePath);
  let text: string;
  try {
    text = await readFile(absolutePath, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    const diagnostic: Diagnostic = {
      severity: "error",
      file,
      rule: "file-unreadable",
      message: `cannot read the file (${reason})`,
      hint: "check that it exists and that you may read it",
    };
    return { file, diagnostics: [diagnostic] };
  }
  const parsed = parseFrontmatter(text, file);
  return { file, document: parsed.document, diagnostics: parsed.diagnostics };
}

/** The first non-empty body line without its heading marks: what Claude Code shows when a command has no description. */
export function firstLineOf(body: string): string {
  const line = body.split("\n").find((text) => text.trim() !== "") ?? "";
  return line.replace(/^\s*#+\s*/, "").trim();
}

/** A frontmatter value as text for display, or "" when it is not text. */
export function textValue(value: unknown): string {
  return typeof value === "string" ? value.trim() : "";
}
