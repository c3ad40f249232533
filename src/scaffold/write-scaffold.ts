/**
 * Applies a scaffold plan. Each file is written to a temporary name and renamed into place, so a
 * crash or a full disk never leaves a half-written file: the old file (or none) stays. The
 * manifest is written last and only when every file landed.
 */
import { mkdir, realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { InputError } from "../errors.js";
import { MANIFEST_PATH, serializeManifest } from "./manifest.js";
import type { ScaffoldPlan } from "./plan-scaffold.js";

const WRITING_ACTIONS = new Set(["created", "updated", "overwritten"]);

export async function writeScaffold(root: string, plan: ScaffoldPlan): Promise<string[]> {
  const realRoot = await realpath(root);
  const written: string[] = [];
  const targets = plan.changes
    .filter((change) => WRITING_ACTIONS.has(change.action))
    .map((change) => ({ path: change.path, content: change.content }));
  if (plan.manifestChanged) {
    targets.push({ path: MANIFEST_PATH, content: serializeManifest(plan.manifest) });
  }
  for (const target of targets) {
    try {
      await writeFileAtomically(realRoot, target.path, target.content);
    } catch (error) {
      if (error instanceof InputError) throw error;
      const code = (error as NodeJS.ErrnoException).code ?? "";
      throw new InputError(
        `could not write ${target.path} (${code || String(error)}); ${written.length} file(s) were written before it, none was left half-written`,
        {
          hint:
            code === "ENOSPC"
              ? "free some disk space and run `harness init` again: it picks up where it stopped"
              : "check the folder's permissions and run `harness init` again",
          cause: error,
        },
      );
    }
    written.push(target.path);
  }
  return written;
}

async function writeFileAtomically(realRoot: string, relative: string, content: string) {
  const destination = path.join(realRoot, relative);
  const folder = path.dirname(destination);
  // A symlinked folder must not carry writes (or new folders) outside the repository, so the
  // nearest existing ancestor is checked before anything is created.
  const existing = await realpath(await nearestExistingAncestor(folder));
  if (existing !== realRoot && !existing.startsWith(realRoot + path.sep)) {
    throw new InputError(
      `refusing to write ${relative}: its folder resolves outside the repository`,
      {
        hint: `remove the symlink at ${path.relative(realRoot, folder) || "."} or run init elsewhere`,
      },
    );
  }
  await mkdir(folder, { recursive: true });
  const temporary = `${destination}.harness-${process.pid}.tmp`;
  try {
    await writeFile(temporary, content, "utf8");
    await rename(temporary, destination);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

async function nearestExistingAncestor(folder: string): Promise<string> {
  let current = folder;
  for (;;) {
    try {
      await stat(current);
      return current;
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}
