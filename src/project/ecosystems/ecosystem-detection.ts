/**
 * What one ecosystem detector reports about one folder. detect-commands ranks the detections
 * of the root and of top-level sub-projects and picks one to supply the commands.
 */
import type { RepoView } from "../repo-view.js";

export interface EcosystemDetection {
  /** Stable id: "node", "python", "go", "rust", "java", "ruby", "dotnet", ... */
  ecosystem: string;
  /** Languages the ecosystem builds, used to rank ecosystems found side by side. */
  languages: readonly string[];
  packageManager?: string;
  testCommand?: string;
  buildCommand?: string;
  lintCommand?: string;
  /** Other ways to run the same tests (tox next to pytest), kept for the user to see. */
  alternativeTestCommands?: string[];
  /** Project name and description from the manifest, when it has them. */
  name?: string;
  description?: string;
  notes: string[];
}

/**
 * Looks at one folder and reports its ecosystem, or undefined when the folder has none of the
 * ecosystem's manifests. Must not throw on malformed files: it notes them instead.
 */
export type EcosystemDetector = (view: RepoView) => Promise<EcosystemDetection | undefined>;

/** The first of `candidates` present in the view. */
export function firstPresent(view: RepoView, candidates: readonly string[]): string | undefined {
  return candidates.find((candidate) => view.has(candidate));
}

/** Files at the top of the view (no folder) whose name matches `pattern`. */
export function rootFilesMatching(view: RepoView, pattern: RegExp): string[] {
  return view.files.filter((file) => !file.includes("/") && pattern.test(file));
}

/** "web/" for a sub-project view, "" at the root: prefixes file names in notes. */
export function folderPrefix(view: RepoView): string {
  return view.folder === "" ? "" : `${view.folder}/`;
}
