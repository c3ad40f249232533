/**
 * `write_file` (Claude Code's Write): creates or replaces a whole file, folders included. The
 * write is atomic (a temporary file renamed into place), so nobody reads half a file.
 */
import { stat } from "node:fs/promises";
import { z } from "zod";
import { ToolError, toToolError } from "../tool-error.js";
import type { AgentTool, ToolContext, ToolOutcome } from "../types.js";
import { resolveInWorkspace, toWorkspaceRelative } from "../workspace.js";
import { toInputSchema, parseToolInput } from "./tool-input.js";
import { writeFileAtomically } from "./write-atomically.js";

const writeFileInput = z.object({
  path: z.string().min(1).describe("The file, relative to the workspace root."),
  content: z.string().describe("The whole new content of the file."),
});

export const writeFileTool: AgentTool = {
  definition: {
    name: "write_file",
    description:
      "Create a file, or replace all of an existing one, with the given content. Missing folders are created. To change part of a file, use edit_file instead.",
    inputSchema: toInputSchema(writeFileInput),
  },
  claudeName: "Write",
  async run(input: unknown, context: ToolContext): Promise<ToolOutcome> {
    const { path: requested, content } = parseToolInput("write_file", writeFileInput, input);
    const absolutePath = await resolveInWorkspace(context.root, requested, { forWrite: true });
    const relativePath = toWorkspaceRelative(context.root, absolutePath);
    try {
      const existing = await stat(absolutePath).catch(() => undefined);
      if (existing?.isDirectory()) {
        throw new ToolError(`${requested} is a folder; write to a file path inside it`);
      }
      const created = await writeFileAtomically(absolutePath, content);
      const lines =
        content === "" ? 0 : content.split("\n").length - (content.endsWith("\n") ? 1 : 0);
      return {
        content: `${created ? "created" : "replaced"} ${relativePath} (${lines} line${lines === 1 ? "" : "s"}, ${Buffer.byteLength(content)} bytes)`,
        wrote: [relativePath],
      };
    } catch (error) {
      throw toToolError(error, requested);
    }
  },
};
