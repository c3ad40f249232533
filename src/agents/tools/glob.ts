/**
 * `glob` (Claude Code's Glob): files whose path matches a glob pattern, relative to the
 * workspace root, sorted. The pattern is matched against paths relative to `path` (default: the
 * root), so `*.ts` means that folder only and `**\/*.ts` every folder below it. `.git` and
 * `.harness` are never searched; `node_modules` only when the pattern or path names it.
 */
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { ToolError, toToolError } from "../tool-error.js";
import type { AgentTool, ToolContext, ToolOutcome } from "../types.js";
import { isInside, resolveInWorkspace } from "../workspace.js";
import { globToRegExp } from "./glob-pattern.js";
import { parseToolInput, toInputSchema } from "./tool-input.js";
import {
  ALWAYS_SKIPPED_FOLDERS,
  DEFAULT_SKIPPED_FOLDERS,
  walkWorkspaceFiles,
} from "./walk-workspace.js";

/** More matches than this are counted, not listed. */
export const MAX_GLOB_RESULTS = 1000;

const globInput = z.object({
  pattern: z
    .string()
    .min(1)
    .describe("A glob such as **/*.ts or src/{a,b}/*.md: * within a folder, ** across folders."),
  path: z
    .string()
    .min(1)
    .optional()
    .describe("The folder to search in, relative to the workspace root. Default: the root."),
});

export const globTool: AgentTool = {
  definition: {
    name: "glob",
    description:
      "Find files by name pattern. Supports *, **, ?, {a,b} and [abc]. Returns paths relative to the workspace root, sorted. Skips .git and node_modules (unless the pattern names node_modules).",
    inputSchema: toInputSchema(globInput),
  },
  claudeName: "Glob",
  async run(input: unknown, context: ToolContext): Promise<ToolOutcome> {
    const parsed = parseToolInput("glob", globInput, input);
    const requestedFolder = parsed.path ?? ".";
    const start = await resolveInWorkspace(context.root, requestedFolder, { mustExist: true });
    const pattern = relativePattern(parsed.pattern, start);
    try {
      if (!(await stat(start)).isDirectory()) {
        throw new ToolError(`${requestedFolder} is a file; path must be a folder to search in`);
      }
      const matcher = globToRegExp(pattern);
      const mentionsNodeModules = `${pattern}/${requestedFolder}`.includes("node_modules");
      const matches: string[] = [];
      for await (const file of walkWorkspaceFiles({
        root: context.root,
        start: await literalFolder(start, pattern),
        base: start,
        skippedFolders: mentionsNodeModules ? new Set() : DEFAULT_SKIPPED_FOLDERS,
        signal: context.signal,
      })) {
        if (matcher.test(file.searchPath)) matches.push(file.workspacePath);
      }
      matches.sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
      if (matches.length === 0) {
        return { content: `no files match ${parsed.pattern} in ${requestedFolder}` };
      }
      const shown = matches.slice(0, MAX_GLOB_RESULTS);
      const more = matches.length - shown.length;
      return {
        content:
          more > 0
            ? `${shown.join("\n")}\n\n(${more} more matches not shown; narrow the pattern or path)`
            : shown.join("\n"),
      };
    } catch (error) {
      throw toToolError(error, requestedFolder);
    }
  },
};

/** The pattern relative to `start`; `..` and absolute patterns elsewhere are refused. */
function relativePattern(pattern: string, start: string): string {
  let relative = pattern.replace(/^\.\//, "");
  if (path.isAbsolute(relative)) {
    if (!isInside(start, relative)) {
      throw new ToolError(
        `pattern ${pattern} is an absolute path outside the folder searched; use a pattern relative to it, such as **/*.ts`,
      );
    }
    relative = path.relative(start, relative).split(path.sep).join("/");
  }
  if (relative.split("/").includes("..")) {
    throw new ToolError(
      `pattern ${pattern} contains ..; set path to the folder to search in instead (inside the workspace)`,
    );
  }
  return relative;
}

/**
 * The deepest folder the pattern names literally (`src/lib` for `src/lib/**\/*.ts`), so the
 * walk starts there instead of at `start`; `start` when there is none or it is not a plain
 * folder (a symlink is left to the walk, which knows how to treat it).
 */
async function literalFolder(start: string, pattern: string): Promise<string> {
  const segments = pattern.split("/").slice(0, -1);
  const firstWildcard = segments.findIndex((segment) => /[*?{}[\]\\]/.test(segment));
  const literal = firstWildcard === -1 ? segments : segments.slice(0, firstWildcard);
  // Never a way into the folders the walk skips (.git, .harness) or out of `start`.
  const skipped = literal.some(
    (segment) => segment === ".." || ALWAYS_SKIPPED_FOLDERS.has(segment.toLowerCase()),
  );
  if (literal.length === 0 || skipped) return start;
  const folder = path.join(start, ...literal);
  try {
    return (await realpath(folder)) === folder && (await stat(folder)).isDirectory()
      ? folder
      : start;
  } catch {
    return start;
  }
}
