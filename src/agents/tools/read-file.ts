/**
 * `read_file` (Claude Code's Read): a text file's lines, numbered like `cat -n`. A large file
 * comes a page at a time: at most `limit` lines and about `maxOutputChars` characters, with the
 * offset to ask for next, so the loop's truncation never silently hides the middle of a file.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createInterface } from "node:readline";
import { z } from "zod";
import { ToolError, toToolError } from "../tool-error.js";
import type { AgentTool, ToolContext, ToolOutcome } from "../types.js";
import { resolveInWorkspace } from "../workspace.js";
import { isBinaryFile } from "./text-file.js";
import { parseToolInput, toInputSchema } from "./tool-input.js";

/** Lines per page when the model does not say. */
export const DEFAULT_READ_LIMIT = 2000;
/** A longer line is cut: minified files would fill a page with one line. */
export const MAX_LINE_CHARS = 2000;
/** Room kept for the footer when filling a page up to `maxOutputChars`. */
const FOOTER_ROOM = 200;

const readFileInput = z.object({
  path: z.string().min(1).describe("The file, relative to the workspace root."),
  offset: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("The line number to start at (1-based). Default 1."),
  limit: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(`How many lines to read at most. Default ${DEFAULT_READ_LIMIT}.`),
});

export const readFileTool: AgentTool = {
  definition: {
    name: "read_file",
    description:
      "Read a text file in the workspace. Lines come numbered like `cat -n` (the number and a tab are not part of the file). A long file comes a page at a time; the end of the result says which offset to read next. Binary files are refused.",
    inputSchema: toInputSchema(readFileInput),
  },
  claudeName: "Read",
  async run(input: unknown, context: ToolContext): Promise<ToolOutcome> {
    const {
      path: requested,
      offset = 1,
      limit = DEFAULT_READ_LIMIT,
    } = parseToolInput("read_file", readFileInput, input);
    const absolutePath = await resolveInWorkspace(context.root, requested, { mustExist: true });
    try {
      const stats = await stat(absolutePath);
      if (stats.isDirectory()) {
        throw new ToolError(`${requested} is a folder; use list_dir to see what it holds`);
      }
      if (await isBinaryFile(absolutePath)) {
        throw new ToolError(
          `${requested} is a binary file (${stats.size} bytes); read_file shows text files only`,
        );
      }
      return { content: await readPage(absolutePath, requested, offset, limit, context) };
    } catch (error) {
      throw toToolError(error, requested);
    }
  },
};

async function readPage(
  absolutePath: string,
  requested: string,
  offset: number,
  limit: number,
  context: ToolContext,
): Promise<string> {
  const budget = Math.max(context.maxOutputChars - FOOTER_ROOM, 1);
  const shown: string[] = [];
  let shownChars = 0;
  let pageFull = false;
  let total = 0;
  const lines = createInterface({
    input: createReadStream(absolutePath, { encoding: "utf8" }),
    crlfDelay: Infinity,
  });
  // Every line is counted, so the footer can say how many there are.
  for await (const line of lines) {
    total += 1;
    if (total < offset || pageFull) continue;
    const text =
      line.length > MAX_LINE_CHARS
        ? `${line.slice(0, MAX_LINE_CHARS)}… (line cut at ${MAX_LINE_CHARS} characters)`
        : line;
    const numbered = `${String(total).padStart(6)}\t${text}`;
    if (shown.length > 0 && shownChars + numbered.length + 1 > budget) {
      pageFull = true;
      continue;
    }
    shown.push(numbered);
    shownChars += numbered.length + 1;
    if (shown.length >= limit) pageFull = true;
  }
  if (total === 0) return `(${requested} is empty)`;
  if (offset > total) {
    throw new ToolError(
      `offset ${offset} is past the end of ${requested}, which has ${total} lines`,
    );
  }
  const last = offset + shown.length - 1;
  if (last >= total) return shown.join("\n");
  return `${shown.join("\n")}\n\n(lines ${offset}-${last} of ${total} shown; read on with offset ${last + 1})`;
}
