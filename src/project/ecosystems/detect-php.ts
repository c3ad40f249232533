/**
 * PHP: Composer. A `test` script in composer.json is the project's own way; otherwise the
 * PHPUnit or Pest binary Composer installs.
 */
import type { RepoView } from "../repo-view.js";
import { parseJsonManifest, recordField, stringField } from "../parse-json-manifest.js";
import { firstPresent, folderPrefix, type EcosystemDetection } from "./ecosystem-detection.js";

/** Detects a Composer project from composer.json. */
export async function detectPhp(view: RepoView): Promise<EcosystemDetection | undefined> {
  if (!view.has("composer.json")) return undefined;
  const text = await view.readText("composer.json");
  const manifest = text === undefined ? undefined : parseJsonManifest(text);
  const scripts = recordField(manifest, "scripts");
  let testCommand: string | undefined;
  if (scripts["test"] !== undefined) testCommand = "composer test";
  else if (view.has("tests/Pest.php")) testCommand = "vendor/bin/pest";
  else if (firstPresent(view, ["phpunit.xml", "phpunit.xml.dist"]))
    testCommand = "vendor/bin/phpunit";
  return {
    ecosystem: "php",
    languages: ["PHP"],
    packageManager: "composer",
    testCommand,
    buildCommand: scripts["build"] === undefined ? undefined : "composer run-script build",
    lintCommand: scripts["lint"] === undefined ? undefined : "composer run-script lint",
    name: stringField(manifest, "name"),
    description: stringField(manifest, "description"),
    notes: manifest
      ? []
      : [`${folderPrefix(view)}composer.json is not valid JSON; its name and scripts were ignored`],
  };
}
