/**
 * `skill` (Claude Code's Skill): loads a skill's instructions by name from `context.skills`
 * (the runner loads them from `.claude/skills`). An unknown name lists the known ones.
 */
import { z } from "zod";
import { ToolError } from "../tool-error.js";
import type { AgentTool, ToolContext, ToolOutcome } from "../types.js";
import { parseToolInput, toInputSchema } from "./tool-input.js";

const skillInput = z.object({
  name: z.string().min(1).describe("The skill's name, as listed in the instructions."),
});

export const skillTool: AgentTool = {
  definition: {
    name: "skill",
    description:
      "Load a skill: the step-by-step instructions for a kind of task. Follow them once loaded.",
    inputSchema: toInputSchema(skillInput),
  },
  claudeName: "Skill",
  async run(input: unknown, context: ToolContext): Promise<ToolOutcome> {
    const { name } = parseToolInput("skill", skillInput, input);
    const skill = context.skills.get(name) ?? context.skills.get(name.trim().replace(/^\//, ""));
    if (skill === undefined) {
      const known = [...context.skills.keys()].sort();
      throw new ToolError(
        known.length === 0
          ? `there is no skill ${name}; no skills are available in this run`
          : `there is no skill ${name}; the skills are: ${known.join(", ")}`,
      );
    }
    return { content: skill.body };
  },
};
