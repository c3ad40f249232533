/**
 * `edit_file` (Claude Code's Edit): replaces an exact piece of a text file. The text must occur
 * once unless `replace_all` is set, so an edit never lands somewhere the model did not look.
 * A file with CRLF line ends accepts text written with plain `\n` (what `read_file` shows).
 */
import { readFile, stat } from "node:fs/promises";
import { z } from "zod";
import { ToolError, toToolError } from "../tool-error.js";
import type { AgentTool, ToolContext, ToolOutcome } from "../types.js";
import { resolveInWorkspace, toWorkspaceRelative } from "../workspace.js";
import { looksBinary } from "./text-file.js";
import { parseToolInput, toInputSchema } from "./tool-input.js";
import { writeFileAtomically } from "./write-atomically.js";

const editFileInput = z.object({
  path: z.string().min(1).describe("The file, relative to the workspace root."),
  old_string: z
    .string()
    .describe("The exact text to replace, whitespace and indentation included (no line numbers)."),
  new_string: z.string().describe("The text to put in its place."),
  replace_all: z
    .boolean()
    .optional()
    .describe("Replace every occurrence instead of requiring exactly one. Default false."),
});

export const editFileTool: AgentTool = {
  definition: {
    name: "edit_file",
    description:
      "Replace an exact piece of text in an existing file. old_string must match the file exactly (read the file first) and occur once, unless replace_all is true. To create a file, use write_file.",
    inputSchema: toInputSchema(editFileInput),
  },
  claudeName: "Edit",
  async run(input: unknown, context: ToolContext): Promise<ToolOutcome> {
    const parsed = parseToolInput("edit_file", editFileInput, input);
    const { path: requested, replace_all: replaceAll = false } = parsed;
    if (parsed.old_string === "") {
      throw new ToolError(
        "old_string is empty; give the text to replace, or use write_file to create or replace a whole file",
      );
    }
    if (parsed.old_string === parsed.new_string) {
      throw new ToolError("old_string and new_string are the same; there is nothing to change");
    }
    const absolutePath = await resolveInWorkspace(context.root, requested, {
      mustExist: true,
      forWrite: true,
    });
    const relativePath = toWorkspaceRelative(context.root, absolutePath);
    try {
      if ((await stat(absolutePath)).isDirectory()) {
        throw new ToolError(`${requested} is a folder; edit a file inside it`);
      }
      const bytes = await readFile(absolutePath);
      if (looksBinary(bytes.subarray(0, 8000))) {
        throw new ToolError(`${requested} is a binary file; edit_file changes text files only`);
      }
      const text = decodeUtf8(bytes);
      if (text === undefined) {
        throw new ToolError(
          `${requested} is not valid UTF-8; edit_file would damage it, change it with run_command instead`,
        );
      }
      let oldString = parsed.old_string;
      let newString = parsed.new_string;
      let count = countOccurrences(text, oldString);
      if (count === 0 && text.includes("\r\n") && oldString.includes("\n")) {
        oldString = toCrlf(oldString);
        newString = toCrlf(newString);
        count = countOccurrences(text, oldString);
      }
      if (count === 0) {
        throw new ToolError(
          `old_string not found in ${relativePath}; read the file again, the text must match exactly including whitespace`,
        );
      }
      if (count > 1 && !replaceAll) {
        throw new ToolError(
          `old_string found ${count} times in ${relativePath}; add surrounding lines to make it unique or set replace_all`,
        );
      }
      // split/join, not String.replace: `$&` and friends in new_string must stay literal.
      const index = text.indexOf(oldString);
      const edited = replaceAll
        ? text.split(oldString).join(newString)
        : text.slice(0, index) + newString + text.slice(index + oldString.length);
      await writeFileAtomically(absolutePath, edited);
      const replaced = replaceAll ? count : 1;
      return {
        content: `replaced ${replaced} occurrence${replaced === 1 ? "" : "s"} in ${relativePath}`,
        wrote: [relativePath],
      };
    } catch (error) {
      throw toToolError(error, requested);
    }
  },
};

function countOccurrences(text: string, search: string): number {
  return text.split(search).length - 1;
}

function toCrlf(text: string): string {
  return text.replace(/\r?\n/g, "\r\n");
}

/** The text, or undefined when the bytes are not UTF-8 (a rewrite would mangle them). */
function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
