/**
 * Finds the repository root from any folder inside it, so `harness init` works from a
 * sub-folder the same as from the top.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { InputError } from "../errors.js";
import { runGit } from "./run-git.js";

/** The absolute git work-tree root containing `startDir`; throws InputError outside a repo. */
export async function findRepoRoot(startDir: string): Promise<string> {
  const dir = path.resolve(startDir);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new InputError(`${dir} is not a folder`, {
      hint: "pass the path of a folder inside your repository",
    });
  }
  const result = await runGit(dir, ["rev-parse", "--show-toplevel"]);
  if (result.spawnErrorCode === "ENOENT") {
    throw new InputError("git is not installed or not on PATH", {
      hint: "install git (https://git-scm.com) and run the command again",
    });
  }
  const root = result.stdout.trim();
  if (result.ok && root !== "") return root;

  const gitSays = firstLine(result.stderr);
  if (/dubious ownership/i.test(result.stderr)) {
    throw new InputError(`git refuses to read ${dir}: it is owned by another user`, {
      hint: `if you trust it, run \`git config --global --add safe.directory ${dir}\``,
    });
  }
  if (/not a git repository/i.test(result.stderr)) {
    throw new InputError(`${dir} is not inside a git repository`, {
      hint: "run `git init` first, or cd into your repository",
    });
  }
  // A bare repository or the inside of .git: git answers, but there is no work tree to use.
  throw new InputError(
    `${dir} is not inside a git work tree${gitSays ? ` (git: ${gitSays})` : ""}`,
    { hint: "run `git init` first, or cd into your repository" },
  );
}

function firstLine(text: string): string {
  return (text.trim().split("\n")[0] ?? "").replace(/^fatal:\s*/, "");
}
