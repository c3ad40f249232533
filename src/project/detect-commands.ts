/**
 * Chooses the package manager and the test, build and lint commands. Every ecosystem found at
 * the root is detected; one is chosen to supply the commands (see rankDetections), Makefile or
 * justfile targets override its commands step by step, and every other test command found
 * (other ecosystems, top-level sub-projects) is kept in `otherTestCommands`.
 */
import { ECOSYSTEM_DETECTORS, SUBPROJECT_MANIFESTS } from "./ecosystems/all-detectors.js";
import type { EcosystemDetection } from "./ecosystems/ecosystem-detection.js";
import { detectTaskRunnerTargets } from "./detect-task-runner-targets.js";
import { createFolderView, type RepoView } from "./repo-view.js";
import { isVendoredFolderName } from "./vendored-paths.js";

export interface CommandDetection {
  /** Ecosystems found at the root, the one supplying the commands first. */
  ecosystems: string[];
  packageManager?: string;
  testCommand?: string;
  buildCommand?: string;
  lintCommand?: string;
  /** Test commands that were found but not chosen, without duplicates. */
  otherTestCommands: string[];
  /** From the root manifests, most relevant first; undefined when none has one. */
  name?: string;
  description?: string;
  notes: string[];
}

const DOTNET_PROJECT = /\.(slnx?|csproj|fsproj|vbproj)$/;

/**
 * Commands for the repository seen through `view`, given its languages (most prominent first,
 * used to rank ecosystems). Reads only manifests; never throws on malformed ones.
 */
export async function detectCommands(
  view: RepoView,
  languages: readonly string[],
): Promise<CommandDetection> {
  const [rootDetections, targets, subprojects] = await Promise.all([
    detectEcosystems(view),
    detectTaskRunnerTargets(view),
    detectSubprojects(view),
  ]);
  const ranked = rankDetections(rootDetections, languages);
  // With nothing at the root, a single sub-project is clearly "the project" (app/ with a
  // package.json); several are a monorepo without a root entry point, so none is chosen.
  const onlySubproject =
    ranked.length === 0 && targets.runners.length === 0 && subprojects.length === 1
      ? subprojects[0]
      : undefined;
  const primary = ranked[0] ?? onlySubproject;

  const testCommand = targets.testCommand ?? primary?.testCommand;
  const candidates = [
    primary?.testCommand,
    ...(primary?.alternativeTestCommands ?? []),
    ...[...ranked.slice(1), ...subprojects].flatMap((detection) => [
      detection.testCommand,
      ...(detection.alternativeTestCommands ?? []),
    ]),
  ];
  const otherTestCommands = [
    ...new Set(candidates.filter((c): c is string => c !== undefined && c !== testCommand)),
  ];

  const named = ranked.find((detection) => detection.name !== undefined);
  const described = named?.description ?? ranked.find((d) => d.description)?.description;
  return {
    ecosystems: ranked.map((detection) => detection.ecosystem),
    packageManager: primary?.packageManager,
    testCommand,
    buildCommand: targets.buildCommand ?? primary?.buildCommand,
    lintCommand: targets.lintCommand ?? primary?.lintCommand,
    otherTestCommands,
    name: named?.name,
    description: described,
    notes: [...new Set([...rootDetections, ...subprojects].flatMap((d) => d.notes))],
  };
}

/**
 * Orders detections found side by side: those that can run tests first (a package.json kept
 * only for formatting tools should not hide the pytest suite), then by how prominent their
 * languages are in the repo, then by detector order.
 */
export function rankDetections(
  detections: readonly EcosystemDetection[],
  languages: readonly string[],
): EcosystemDetection[] {
  const languageRank = (detection: EcosystemDetection) => {
    const ranks = detection.languages
      .map((language) => languages.indexOf(language))
      .filter((rank) => rank !== -1);
    return ranks.length === 0 ? languages.length : Math.min(...ranks);
  };
  return detections
    .map((detection, order) => ({ detection, order }))
    .sort(
      (a, b) =>
        Number(a.detection.testCommand === undefined) -
          Number(b.detection.testCommand === undefined) ||
        languageRank(a.detection) - languageRank(b.detection) ||
        a.order - b.order,
    )
    .map(({ detection }) => detection);
}

async function detectEcosystems(view: RepoView): Promise<EcosystemDetection[]> {
  const found = await Promise.all(ECOSYSTEM_DETECTORS.map((detect) => detect(view)));
  return found.filter((detection): detection is EcosystemDetection => detection !== undefined);
}

/** Projects in top-level folders, their commands prefixed with `cd <folder> && `. */
async function detectSubprojects(view: RepoView): Promise<EcosystemDetection[]> {
  const folders = new Set<string>();
  for (const file of view.files) {
    const parts = file.split("/");
    // Only a manifest directly inside a top-level folder: deeper ones are workspace members
    // that the root's own tooling already drives.
    if (parts.length !== 2) continue;
    const [folder = "", name = ""] = parts;
    if (folder.startsWith(".") || isVendoredFolderName(folder)) continue;
    if (SUBPROJECT_MANIFESTS.includes(name) || DOTNET_PROJECT.test(name)) folders.add(folder);
  }
  const perFolder = await Promise.all(
    [...folders].sort().map(async (folder) => {
      const detections = await detectEcosystems(createFolderView(view, folder));
      return detections.map((detection) => prefixCommands(detection, folder));
    }),
  );
  return perFolder.flat();
}

function prefixCommands(detection: EcosystemDetection, folder: string): EcosystemDetection {
  const prefix = (command: string | undefined) =>
    command === undefined ? undefined : `cd ${folder} && ${command}`;
  return {
    ...detection,
    testCommand: prefix(detection.testCommand),
    buildCommand: prefix(detection.buildCommand),
    lintCommand: prefix(detection.lintCommand),
    alternativeTestCommands: (detection.alternativeTestCommands ?? []).map(
      (command) => `cd ${folder} && ${command}`,
    ),
  };
}
