/**
 * What a run changed in its workspace, from `git status`: modified, added, deleted and untracked
 * files (ignored ones are not listed), as paths relative to the workspace, sorted. A workspace
 * that is not inside a git repository gives [].
 */
import { execa } from "execa";

export async function listChangedFiles(workspace: string): Promise<string[]> {
  // Porcelain paths are relative to the repository root; the prefix turns them into paths
  // relative to the workspace when the workspace is a subfolder.
  const prefix = await execa("git", ["rev-parse", "--show-prefix"], {
    cwd: workspace,
    reject: false,
  });
  if (prefix.exitCode !== 0) return [];
  const status = await execa(
    "git",
    ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--", "."],
    { cwd: workspace, reject: false, stripFinalNewline: false },
  );
  if (status.exitCode !== 0) return [];
  const root = prefix.stdout.trim();
  const paths = parsePorcelainZ(status.stdout).map((file) =>
    root !== "" && file.startsWith(root) ? file.slice(root.length) : file,
  );
  return [...new Set(paths)].sort();
}

/**
 * `git status --porcelain=v1 -z`: entries "XY path" separated by NUL; a rename or copy is
 * followed by one more NUL-terminated field, the path it came from (a rename's is listed too:
 * that file is gone).
 */
export function parsePorcelainZ(output: string): string[] {
  const fields = output.split("\0");
  const paths: string[] = [];
  for (let index = 0; index < fields.length; index++) {
    const entry = fields[index]!;
    if (entry.length < 4) continue;
    paths.push(entry.slice(3));
    const code = entry.slice(0, 2);
    if (code.includes("R") || code.includes("C")) {
      const from = fields[++index];
      if (from && code.includes("R")) paths.push(from);
    }
  }
  return paths;
}
