/**
 * .NET: a solution or project file at the top. `dotnet test` refuses to guess between several,
 * so the command names the file then.
 */
import type { RepoView } from "../repo-view.js";
import { rootFilesMatching, type EcosystemDetection } from "./ecosystem-detection.js";

/** Detects a .NET solution or project at the view's top. */
export async function detectDotnet(view: RepoView): Promise<EcosystemDetection | undefined> {
  const solutions = rootFilesMatching(view, /\.slnx?$/);
  const projects = rootFilesMatching(view, /\.(cs|fs|vb)proj$/);
  const candidates = solutions.length > 0 ? solutions : projects;
  const chosen = candidates[0];
  if (chosen === undefined) return undefined;
  const target = candidates.length > 1 ? ` ${chosen}` : "";
  return {
    ecosystem: "dotnet",
    languages: ["C#", "F#", "Visual Basic"],
    packageManager: "dotnet",
    testCommand: `dotnet test${target}`,
    buildCommand: `dotnet build${target}`,
    lintCommand: `dotnet format${target} --verify-no-changes`,
    name: chosen.replace(/\.[^.]+$/, ""),
    notes: [],
  };
}
