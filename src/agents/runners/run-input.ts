/** What every runner derives the same way from its `AgentRunInput`. */
import type { AgentRunInput } from "../types.js";

/** The model the run uses: the agent's own unless it says `inherit` (or nothing). */
export function resolveRunModel(input: Pick<AgentRunInput, "agent" | "model">): string {
  const own = input.agent.model;
  return own && own !== "inherit" ? own : input.model;
}

/** The turn cap: the tighter of the run's budget and the agent's own `maxTurns`. */
export function resolveMaxTurns(input: Pick<AgentRunInput, "agent" | "budgets">): number {
  return Math.min(input.budgets.maxTurns, input.agent.maxTurns ?? Number.POSITIVE_INFINITY);
}
