/**
 * Thinking budgets per task kind. Thinking costs tokens and time, so each kind of task gets the
 * level the config gives it (triage low, planning high, translation off), and a level is raised
 * only when a retry suggests the model needed more room to think.
 */
import type { HarnessConfig } from "../config/schema.js";
import type { ThinkingLevel } from "./model-client.js";

/** From least to most thinking; a retry moves one step to the right. */
export const thinkingLevels: readonly ThinkingLevel[] = ["off", "low", "medium", "high"];

/**
 * The thinking level for one attempt at a task: the configured level for `taskKind` ("off" when
 * the kind is not configured), raised one step per retry and capped at "high".
 * `attempt` is 0 for the first try, 1 for the first retry, and so on.
 */
export function resolveThinking(
  taskKind: string,
  models: HarnessConfig["models"],
  attempt: number,
): ThinkingLevel {
  const configured = Object.hasOwn(models.thinking, taskKind)
    ? models.thinking[taskKind]
    : undefined;
  const base = thinkingLevels.indexOf(configured ?? "off");
  const raise = attempt > 0 ? Math.floor(Math.min(attempt, thinkingLevels.length)) : 0;
  const index = Math.min(thinkingLevels.length - 1, base + raise);
  return thinkingLevels[index] ?? "high";
}
