/**
 * What `harness init` learns about a repository. Every field is detected from the files and git,
 * never assumed: a field that could not be detected is undefined, and init asks for it (TTY) or
 * writes a marked TODO.
 */

export interface LayoutEntry {
  /** Top-level path relative to the repo root; folders end with "/". */
  path: string;
  kind: "dir" | "file";
  /** Files under it (1 for a file), counting only files git does not ignore. */
  files: number;
  /** What it is for, when the name or contents make that clear ("tests", "source"). */
  purpose?: string;
}

export interface ProjectInfo {
  /** Absolute path of the repository root. */
  root: string;
  /** From the manifest (package.json, pyproject.toml, go.mod, Cargo.toml), else the folder. */
  name: string;
  description?: string;
  /** Most prominent first, e.g. ["TypeScript", "JavaScript"]. */
  languages: string[];
  /** npm, pnpm, yarn, bun, pip, poetry, uv, pipenv, go, cargo, maven, gradle, ... */
  packageManager?: string;
  testCommand?: string;
  buildCommand?: string;
  lintCommand?: string;
  defaultBranch?: string;
  /** owner/name, from a GitHub remote (https or ssh). */
  githubRepo?: string;
  layout: LayoutEntry[];
  /** Top-level entries left out of `layout` because of its size cap ("… N more"). */
  layoutOmitted?: number;
  /** Files git does not ignore (tracked and untracked). */
  fileCount: number;
  /**
   * Ecosystems found by their manifests at the root ("node", "python", "go", ...), the one the
   * commands come from first.
   */
  ecosystems?: string[];
  /**
   * Test commands that also apply but were not chosen: another root ecosystem, a sub-folder
   * project ("cd web && npm test"), or the language default a Makefile target overrides.
   */
  otherTestCommands?: string[];
  /** Things detection noticed and skipped, worth telling the user (malformed manifest, ...). */
  notes?: string[];
}
