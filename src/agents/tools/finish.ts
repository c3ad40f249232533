/**
 * `finish`: the agent says it is done (or cannot be) and the run ends with its summary and,
 * when the task asked for one, a structured `output`. Claude Code has no such tool; its runs
 * end with the final message, so the built-in agent always has this one.
 */
import { z } from "zod";
import type { AgentTool, ToolContext, ToolOutcome } from "../types.js";
import { parseToolInput, toInputSchema } from "./tool-input.js";

const finishInput = z.object({
  status: z
    .enum(["done", "failed"])
    .describe("done: the task is complete. failed: it cannot be completed."),
  summary: z
    .string()
    .min(1)
    .describe("What was done (or why it failed), for the person who reads the result."),
  output: z
    .unknown()
    .optional()
    .describe("The structured result, when the task asks for one (any JSON)."),
});

export const finishTool: AgentTool = {
  definition: {
    name: "finish",
    description:
      "End the task: call it once, when the work is complete or cannot be completed. Nothing runs after it.",
    inputSchema: toInputSchema(finishInput),
  },
  claudeName: "finish",
  async run(input: unknown, _context: ToolContext): Promise<ToolOutcome> {
    const { status, summary, output } = parseToolInput("finish", finishInput, input);
    return {
      content: `finished: ${status}`,
      finish: output === undefined ? { status, summary } : { status, summary, output },
    };
  },
};
