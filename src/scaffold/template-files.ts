/**
 * The files `harness init` renders, read from the package's templates/ folder: the soul documents,
 * the config, reference/README.md and the whole .claude/ tree.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface TemplateFile {
  /** Where it goes, relative to the repo root, forward slashes. */
  target: string;
  /** The template text, placeholders unrendered. */
  text: string;
}

/** templates/ next to src/ and dist/ (both are one level below the package root). */
export function bundledTemplatesDir(): string {
  return fileURLToPath(new URL("../../templates/", import.meta.url));
}

const SOUL_DOCUMENTS = ["CLAUDE.md", "AGENTS.md", "PLAN.md", "PROGRESS.md"] as const;

export async function loadTemplateFiles(
  templatesDir = bundledTemplatesDir(),
): Promise<TemplateFile[]> {
  const read = (relative: string) => readFile(path.join(templatesDir, relative), "utf8");
  const files: TemplateFile[] = [];
  for (const name of SOUL_DOCUMENTS) {
    files.push({ target: name, text: await read(`soul/${name}`) });
  }
  files.push({ target: "reference/README.md", text: await read("reference/README.md") });
  files.push({ target: "harness.config.yaml", text: await read("harness.config.yaml") });
  for (const relative of await listFilesRecursively(path.join(templatesDir, ".claude"))) {
    files.push({ target: `.claude/${relative}`, text: await read(`.claude/${relative}`) });
  }
  return files;
}

async function listFilesRecursively(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) =>
      path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"),
    )
    .sort();
}
