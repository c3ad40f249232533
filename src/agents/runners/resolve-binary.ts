/**
 * Finds an agent CLI: an explicit path (or name), else the name on PATH, else
 * `node_modules/.bin/<name>` in the workspace, else in harness's own install (Claude Code is a
 * devDependency here). Missing, it throws a ConfigError that says how to install it or switch
 * to the built-in runner.
 */
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../../errors.js";

export interface BinaryLookup {
  /** "claude" or "codex": the name searched for when `explicit` is not given. */
  name: string;
  /** A path (with a slash) used as is, or a name looked up on PATH. */
  explicit?: string;
  /** The PATH to search, usually the agent's own. */
  searchPath: string | undefined;
  /** Its node_modules/.bin is the second place looked. */
  workspace: string;
  /** The npm package that installs it, for the error message. */
  installWith: string;
}

// src/agents/runners/ (or dist/agents/runners/) → the package root.
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export async function resolveAgentBinary(lookup: BinaryLookup): Promise<string> {
  const wanted = lookup.explicit ?? lookup.name;
  const candidates = wanted.includes(path.sep)
    ? [path.resolve(wanted)]
    : [
        ...(lookup.searchPath ?? "")
          .split(path.delimiter)
          .filter((dir) => dir !== "")
          .map((dir) => path.join(dir, wanted)),
        ...(lookup.explicit
          ? []
          : [
              path.join(lookup.workspace, "node_modules", ".bin", wanted),
              path.join(packageRoot, "node_modules", ".bin", wanted),
            ]),
      ];
  for (const candidate of candidates) {
    if (await isExecutableFile(candidate)) return candidate;
  }
  const hint = `npm i -g ${lookup.installWith}, or set agents.runner: builtin`;
  const where = lookup.explicit ? ` (looked for ${lookup.explicit})` : "";
  throw new ConfigError(`${lookup.name} not found${where}: ${hint}`, { hint });
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
