/**
 * `list_dir` (Claude Code's LS): one folder's entries, sorted by name, folders with a trailing
 * `/`. `.git` and `.harness` are left out (git's internals and the harness's state). A symlink
 * is shown as what it leads to when that is inside the workspace, else marked as leading out.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { ToolError, toToolError } from "../tool-error.js";
import type { AgentTool, ToolContext, ToolOutcome } from "../types.js";
import { resolveInWorkspace } from "../workspace.js";
import { parseToolInput, toInputSchema } from "./tool-input.js";
import { ALWAYS_SKIPPED_FOLDERS } from "./walk-workspace.js";

/** More entries than this are counted, not listed. */
export const MAX_LIST_ENTRIES = 1000;

const listDirInput = z.object({
  path: z
    .string()
    .min(1)
    .optional()
    .describe("The folder, relative to the workspace root. Default: the root (.)."),
});

export const listDirTool: AgentTool = {
  definition: {
    name: "list_dir",
    description:
      "List the files and folders in one folder of the workspace (not recursive). Folders end with /. Use glob to find files by name across folders.",
    inputSchema: toInputSchema(listDirInput),
  },
  claudeName: "LS",
  async run(input: unknown, context: ToolContext): Promise<ToolOutcome> {
    const { path: requested = "." } = parseToolInput("list_dir", listDirInput, input);
    const folder = await resolveInWorkspace(context.root, requested, { mustExist: true });
    try {
      if (!(await stat(folder)).isDirectory()) {
        throw new ToolError(`${requested} is a file, not a folder; use read_file to read it`);
      }
      const entries = await readdir(folder, { withFileTypes: true });
      const names: string[] = [];
      for (const entry of entries) {
        if (ALWAYS_SKIPPED_FOLDERS.has(entry.name.toLowerCase())) continue;
        if (entry.isDirectory()) names.push(`${entry.name}/`);
        else if (entry.isSymbolicLink())
          names.push(await describeSymlink(context, folder, entry.name));
        else names.push(entry.name);
      }
      names.sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
      if (names.length === 0) return { content: `(${requested} is empty)` };
      const shown = names.slice(0, MAX_LIST_ENTRIES);
      const more = names.length - shown.length;
      return {
        content:
          more > 0
            ? `${shown.join("\n")}\n\n(${more} more entries not shown; use glob to narrow down)`
            : shown.join("\n"),
      };
    } catch (error) {
      throw toToolError(error, requested);
    }
  },
};

async function describeSymlink(
  context: ToolContext,
  folder: string,
  name: string,
): Promise<string> {
  try {
    const target = await resolveInWorkspace(context.root, path.join(folder, name), {
      mustExist: true,
    });
    return (await stat(target)).isDirectory() ? `${name}/` : name;
  } catch {
    return `${name} (a symlink leading outside the workspace or nowhere)`;
  }
}
