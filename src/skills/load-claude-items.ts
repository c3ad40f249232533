/**
 * The one entry point for commands: finds the `.claude` folder, loads skills, commands and
 * agents, and adds the rule that spans files (no two items of a kind share a name).
 */
import path from "node:path";
import type { Diagnostic, LoadResult } from "../diagnostics.js";
import type { ClaudeItem } from "./claude-item.js";
import { loadAgents } from "./load-agents.js";
import { loadCommands } from "./load-commands.js";
import { loadSkills } from "./load-skills.js";
import {
  describeMissingClaudeDir,
  resolveClaudeDir,
  type ClaudeDirLocation,
} from "./resolve-claude-dir.js";

/** Items in load order (skills, commands, agents; each by path) and every diagnostic. */
export interface ClaudeItemsLoad {
  /** Undefined when no `.claude` folder was found; `diagnostics` then holds one error saying so. */
  location?: ClaudeDirLocation;
  items: ClaudeItem[];
  diagnostics: Diagnostic[];
}

export function findDuplicateNames(items: readonly ClaudeItem[]): Diagnostic[] {
  const firstByKey = new Map<string, ClaudeItem>();
  const diagnostics: Diagnostic[] = [];
  for (const item of items) {
    const key = `${item.kind}\u0000${item.name}`;
    const first = firstByKey.get(key);
    if (!first) {
      firstByKey.set(key, item);
      continue;
    }
    diagnostics.push({
      severity: "error",
      file: item.path,
      ...(item.nameLine === undefined ? {} : { line: item.nameLine }),
      rule: "duplicate-name",
      message: `another ${item.kind} is already named "${item.name}" (${first.path})`,
      hint: `rename one of them; Claude Code would load only one ${item.kind} under that name`,
    });
  }
  return diagnostics;
}

/**
 * `dir` is resolved against `cwd`; `shownAs` is how messages name it (what the user typed),
 * so they carry no absolute machine paths.
 */
export async function loadClaudeItems(options: {
  dir: string;
  cwd: string;
  shownAs?: string;
}): Promise<ClaudeItemsLoad> {
  const absoluteDir = path.resolve(options.cwd, options.dir);
  const location = await resolveClaudeDir(absoluteDir);
  if (!location) {
    const shownAs = options.shownAs ?? options.dir;
    return {
      items: [],
      diagnostics: [
        {
          severity: "error",
          file: shownAs,
          rule: "claude-dir-missing",
          message: await describeMissingClaudeDir(absoluteDir, shownAs),
          hint: "point at a repository that has a .claude/ folder, or at the .claude folder itself; `harness init` creates one",
        },
      ],
    };
  }
  const results: LoadResult<ClaudeItem>[] = [
    await loadSkills(location),
    await loadCommands(location),
    await loadAgents(location),
  ];
  const items: ClaudeItem[] = results.flatMap((result) => result.items);
  const diagnostics = results.flatMap((result) => result.diagnostics);
  diagnostics.push(...findDuplicateNames(items));
  return { location, items, diagnostics };
}
