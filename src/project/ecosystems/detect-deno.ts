/**
 * Deno: deno.json or deno.jsonc. Tasks the project defines win over Deno's built-in
 * `deno test` and `deno lint`, which work on any Deno project.
 */
import type { RepoView } from "../repo-view.js";
import { parseJsonManifest, recordField, stringField } from "../parse-json-manifest.js";
import { firstPresent, folderPrefix, type EcosystemDetection } from "./ecosystem-detection.js";

/** Detects a Deno project from deno.json(c). */
export async function detectDeno(view: RepoView): Promise<EcosystemDetection | undefined> {
  const file = firstPresent(view, ["deno.json", "deno.jsonc"]);
  if (!file) return undefined;
  const text = await view.readText(file);
  const config = text === undefined ? undefined : parseJsonManifest(text, true);
  const tasks = recordField(config, "tasks");
  const task = (name: string) => (tasks[name] === undefined ? undefined : `deno task ${name}`);
  return {
    ecosystem: "deno",
    languages: ["TypeScript", "JavaScript"],
    packageManager: "deno",
    testCommand: task("test") ?? "deno test",
    buildCommand: task("build"),
    lintCommand: task("lint") ?? "deno lint",
    name: stringField(config, "name"),
    notes: config ? [] : [`${folderPrefix(view)}${file} is not valid JSON; its tasks were ignored`],
  };
}
