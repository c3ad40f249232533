/**
 * `grep` (Claude Code's Grep): files or lines matching a JavaScript regular expression. Binary
 * files, files over `MAX_GREP_FILE_BYTES`, `.git`, `.harness` and `node_modules` are skipped.
 * The `glob` filter matches file names when it has no `/` (`*.ts`), else paths relative to the
 * searched folder (`src/**\/*.ts`), like ripgrep's `--glob`.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { ToolError, toToolError } from "../tool-error.js";
import type { AgentTool, ToolContext, ToolOutcome } from "../types.js";
import { resolveInWorkspace, toWorkspaceRelative } from "../workspace.js";
import { globToRegExp } from "./glob-pattern.js";
import { looksBinary } from "./text-file.js";
import { parseToolInput, toInputSchema } from "./tool-input.js";
import { DEFAULT_SKIPPED_FOLDERS, walkWorkspaceFiles, type WalkedFile } from "./walk-workspace.js";

/** Results past these are counted, not listed. */
export const MAX_GREP_FILES = 500;
export const MAX_GREP_LINES = 500;
/** A matching line is cut here (minified code). */
export const MAX_GREP_LINE_CHARS = 300;
/** Larger files are skipped (generated data, logs) and counted in the result. */
export const MAX_GREP_FILE_BYTES = 5 * 1024 * 1024;

const grepInput = z.object({
  pattern: z.string().min(1).describe("A JavaScript regular expression, matched line by line."),
  path: z
    .string()
    .min(1)
    .optional()
    .describe("A file or folder to search, relative to the workspace root. Default: the root."),
  glob: z
    .string()
    .min(1)
    .optional()
    .describe("Only files matching this glob: *.ts matches names, src/**/*.ts paths."),
  case_insensitive: z.boolean().optional().describe("Ignore case. Default false."),
  output_mode: z
    .enum(["files", "lines"])
    .optional()
    .describe(
      "files: the paths of matching files (default). lines: each matching line as path:line:text.",
    ),
});

export const grepTool: AgentTool = {
  definition: {
    name: "grep",
    description:
      "Search file contents with a regular expression. Lists matching files, or matching lines with their line numbers. Skips binary files, .git and node_modules.",
    inputSchema: toInputSchema(grepInput),
  },
  claudeName: "Grep",
  async run(input: unknown, context: ToolContext): Promise<ToolOutcome> {
    const parsed = parseToolInput("grep", grepInput, input);
    const requested = parsed.path ?? ".";
    const mode = parsed.output_mode ?? "files";
    const expression = compile(parsed.pattern, parsed.case_insensitive ?? false);
    const start = await resolveInWorkspace(context.root, requested, { mustExist: true });
    const filter = parsed.glob === undefined ? undefined : fileFilter(parsed.glob);
    try {
      const files: WalkedFile[] = (await stat(start)).isDirectory()
        ? await collect(
            walkWorkspaceFiles({
              root: context.root,
              start,
              skippedFolders: DEFAULT_SKIPPED_FOLDERS,
              signal: context.signal,
            }),
          )
        : [
            {
              absolutePath: start,
              workspacePath: toWorkspaceRelative(context.root, start),
              searchPath: path.basename(start),
            },
          ];

      files.sort((left, right) => compareText(left.workspacePath, right.workspacePath));

      const matchingFiles: string[] = [];
      const matchingLines: string[] = [];
      const notes: string[] = [];
      let matchCount = 0;
      let skippedLarge = 0;
      for (const file of files) {
        if (context.signal.aborted) break;
        if (filter !== undefined && !filter(file.searchPath)) continue;
        const bytes = await readSearchable(file.absolutePath);
        if (bytes === "too-large") {
          skippedLarge += 1;
          continue;
        }
        if (bytes === undefined) continue; // vanished or unreadable since the walk
        if (looksBinary(bytes.subarray(0, 8000))) {
          if (file.absolutePath === start) notes.push(`${requested} is a binary file`);
          continue;
        }
        const lines = bytes.toString("utf8").split(/\r?\n/);
        let matched = false;
        for (const [index, line] of lines.entries()) {
          if (!expression.test(line)) continue;
          matched = true;
          if (mode === "files") break;
          matchCount += 1;
          if (matchingLines.length >= MAX_GREP_LINES) continue; // counted, not kept
          const text =
            line.length > MAX_GREP_LINE_CHARS ? `${line.slice(0, MAX_GREP_LINE_CHARS)}…` : line;
          matchingLines.push(`${file.workspacePath}:${index + 1}:${text}`);
        }
        if (matched) matchingFiles.push(file.workspacePath);
      }

      if (skippedLarge > 0) {
        notes.push(`${skippedLarge} file(s) over ${MAX_GREP_FILE_BYTES} bytes were not searched`);
      }
      const results = mode === "files" ? matchingFiles : matchingLines;
      if (results.length === 0) {
        return { content: withNotes(`no matches for ${parsed.pattern} in ${requested}`, notes) };
      }
      const cap = mode === "files" ? MAX_GREP_FILES : MAX_GREP_LINES;
      const total = mode === "files" ? matchingFiles.length : matchCount;
      if (total > cap) {
        notes.push(
          `${total - cap} more matching ${mode === "files" ? "files" : "lines"} not shown; narrow the pattern, path or glob`,
        );
      }
      return { content: withNotes(results.slice(0, cap).join("\n"), notes) };
    } catch (error) {
      throw toToolError(error, requested);
    }
  },
};

function compile(pattern: string, caseInsensitive: boolean): RegExp {
  try {
    return new RegExp(pattern, caseInsensitive ? "i" : "");
  } catch (error) {
    throw new ToolError(
      `pattern is not a valid JavaScript regular expression (${(error as Error).message}); escape ( [ { . * + ? | \\ with a backslash to match them literally`,
    );
  }
}

function fileFilter(glob: string): (searchPath: string) => boolean {
  const matcher = globToRegExp(glob.replace(/^\.\//, ""));
  return glob.includes("/")
    ? (searchPath) => matcher.test(searchPath)
    : (searchPath) => matcher.test(searchPath.slice(searchPath.lastIndexOf("/") + 1));
}

async function collect<Item>(items: AsyncIterable<Item>): Promise<Item[]> {
  const collected: Item[] = [];
  for await (const item of items) collected.push(item);
  return collected;
}

function withNotes(content: string, notes: string[]): string {
  return notes.length === 0 ? content : `${content}\n\n(${notes.join("; ")})`;
}

async function readSearchable(absolutePath: string): Promise<Buffer | "too-large" | undefined> {
  try {
    if ((await stat(absolutePath)).size > MAX_GREP_FILE_BYTES) return "too-large";
    return await readFile(absolutePath);
  } catch {
    return undefined;
  }
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
