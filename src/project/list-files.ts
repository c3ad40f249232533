/**
 * Lists the files git does not ignore with one git call (plus one in parallel for deleted
 * files), never walking the tree: on a large repo this is most of what detection costs.
 */
import { runGit } from "./run-git.js";

/**
 * Paths relative to `root` of tracked and untracked, not-ignored files, sorted, without files
 * deleted from the work tree and without nested repositories (git lists those as "dir/").
 */
export async function listRepoFiles(root: string): Promise<string[]> {
  const [listed, deleted] = await Promise.all([
    runGit(root, ["ls-files", "-z", "--cached", "--others", "--exclude-standard"]),
    // Tracked files removed from disk are still in the index; git already knows which ones.
    runGit(root, ["ls-files", "-z", "--deleted"]),
  ]);
  if (!listed.ok) return [];
  const gone = new Set(splitNul(deleted.ok ? deleted.stdout : ""));
  // --cached lists a path once per merge stage during a conflict, hence the Set.
  const files = new Set<string>();
  for (const file of splitNul(listed.stdout)) {
    if (!file.endsWith("/") && !gone.has(file)) files.add(file);
  }
  return [...files].sort(compareCodeUnits);
}

/** Locale-independent ordering, so the same repo gives the same list on every machine. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function splitNul(text: string): string[] {
  return text.split("\0").filter((part) => part !== "");
}
