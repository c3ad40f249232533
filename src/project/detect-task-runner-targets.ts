/**
 * Makefile and justfile targets named test, build and lint. A project that writes such a
 * target is telling us its real way to run the step (environment, flags, services), so these
 * take precedence over an ecosystem's default command.
 */
import type { RepoView } from "./repo-view.js";
import { firstPresent } from "./ecosystems/ecosystem-detection.js";

export interface TaskRunnerTargets {
  testCommand?: string;
  buildCommand?: string;
  lintCommand?: string;
  /** "make" or "just" for each command found, for the record. */
  runners: string[];
}

const STEPS = ["test", "build", "lint"] as const;

/** The `make` or `just` command for each step the root Makefile or justfile defines. */
export async function detectTaskRunnerTargets(view: RepoView): Promise<TaskRunnerTargets> {
  const makefile = firstPresent(view, ["GNUmakefile", "Makefile", "makefile"]);
  const justfile = firstPresent(view, ["justfile", "Justfile", ".justfile"]);
  const [makeText, justText] = await Promise.all([
    makefile ? view.readText(makefile) : undefined,
    justfile ? view.readText(justfile) : undefined,
  ]);
  const makeTargets = makeText === undefined ? new Set<string>() : parseMakeTargets(makeText);
  const justRecipes = justText === undefined ? new Set<string>() : parseJustRecipes(justText);

  const result: TaskRunnerTargets = { runners: [] };
  for (const step of STEPS) {
    // Make first: when both exist the Makefile is usually the older, CI-facing entry point.
    const runner = makeTargets.has(step) ? "make" : justRecipes.has(step) ? "just" : undefined;
    if (!runner) continue;
    result[`${step}Command`] = `${runner} ${step}`;
    if (!result.runners.includes(runner)) result.runners.push(runner);
  }
  return result;
}

/** Explicit rule targets at column 0 (`test:`, `test build::`); not assignments like `x := a`. */
export function parseMakeTargets(text: string): Set<string> {
  const targets = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const rule = /^([^\s#=:][^#=:]*?)\s*::?(?![:=])/.exec(line);
    if (!rule) continue;
    for (const name of (rule[1] ?? "").split(/\s+/)) {
      if (name !== "" && !name.includes("%") && !name.startsWith(".")) targets.add(name);
    }
  }
  return targets;
}

/** Recipe names at column 0 (`test:`, `@test *args:`) and aliases (`alias test := t`). */
export function parseJustRecipes(text: string): Set<string> {
  const recipes = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const alias = /^alias\s+([A-Za-z_][\w-]*)\s*:=/.exec(line);
    if (alias?.[1]) {
      recipes.add(alias[1]);
      continue;
    }
    const recipe = /^@?([A-Za-z_][\w-]*)(\s[^:]*)?:(?!=)/.exec(line);
    if (recipe?.[1] && !["set", "export", "import", "mod"].includes(recipe[1])) {
      recipes.add(recipe[1]);
    }
  }
  return recipes;
}
