/**
 * Whether harness may merge a work item's pull request itself. Only when the config asks for
 * it (`work.merge`), the harness's own test run passed (a project without a test command is
 * never merged), a reviewer approved (so `work.reviewRounds: 0` never merges), the PR is not a
 * draft, and no changed path matches `work.sensitivePaths` (auth, CI, dependencies, agent
 * settings: a person merges those).
 */
import picomatch from "picomatch";

import type { HarnessConfig } from "../config/schema.js";

export interface MergeFacts {
  testsRan: boolean;
  testsPassed: boolean;
  reviewApproved: boolean;
  draft: boolean;
  /** Paths the branch changes, relative to the repository. */
  changedPaths: readonly string[];
}

/** The changed paths that match a sensitive glob (dotfiles included). */
export function sensitivePathsIn(paths: readonly string[], globs: readonly string[]): string[] {
  if (globs.length === 0) return [];
  const matches = picomatch([...globs], { dot: true });
  return paths.filter((file) => matches(file));
}

/** Why the PR is not merged; empty when it may be. */
export function mergeBlockers(config: HarnessConfig, facts: MergeFacts): string[] {
  if (!config.work.merge) return ["work.merge is off"];
  const reasons: string[] = [];
  if (!facts.testsRan) reasons.push("no test command ran");
  else if (!facts.testsPassed) reasons.push("the tests did not pass");
  if (!facts.reviewApproved) reasons.push("no reviewer approved it");
  if (facts.draft) reasons.push("it is a draft");
  const sensitive = sensitivePathsIn(facts.changedPaths, config.work.sensitivePaths);
  if (sensitive.length > 0) {
    reasons.push(`it changes sensitive paths (${sensitive.slice(0, 5).join(", ")})`);
  }
  return reasons;
}
