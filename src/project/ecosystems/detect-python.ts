/**
 * Python: the environment tool (uv, poetry, pdm, pipenv, else pip) and how tests run. pytest
 * wins when anything configures or depends on it, or when test files are plain functions;
 * `python -m unittest` only when the test files use unittest and nothing mentions pytest.
 */
import type { RepoView } from "../repo-view.js";
import { isVendoredPath } from "../vendored-paths.js";
import { parseIniSections, type IniSections } from "../parse-ini-sections.js";
import { parseTomlStrings } from "../parse-toml-strings.js";
import { rootFilesMatching, type EcosystemDetection } from "./ecosystem-detection.js";

const MANIFESTS = [
  "pyproject.toml",
  "setup.py",
  "setup.cfg",
  "Pipfile",
  "uv.lock",
  "poetry.lock",
  "pdm.lock",
  "tox.ini",
  "pytest.ini",
  "noxfile.py",
];

const TEST_FILE = /(^|\/)(test_[^/]*|[^/]*_test)\.py$/;
/** Test files read to tell unittest from pytest: enough to see the convention, cheap to read. */
const TEST_FILES_TO_READ = 10;

/** Detects a Python project from its manifests (or, at the root, from test files alone). */
export async function detectPython(view: RepoView): Promise<EcosystemDetection | undefined> {
  const testFiles = view.files.filter((file) => TEST_FILE.test(file) && !isVendoredPath(file));
  const requirementFiles = rootFilesMatching(view, /^(requirements.*|.*-requirements)\.txt$/);
  const hasManifest = MANIFESTS.some((file) => view.has(file)) || requirementFiles.length > 0;
  // A script-style repo without manifests still counts, but only for tests near the top, so a
  // stray helper deep in a Node project does not make it a Python project.
  const shallowTests = testFiles.some((file) => /^(tests?\/)?[^/]+$/.test(file));
  if (!hasManifest && !(view.folder === "" && shallowTests)) return undefined;

  const [pyprojectText, setupCfgText, toxText, setupPyText, pipfileText] = await Promise.all(
    ["pyproject.toml", "setup.cfg", "tox.ini", "setup.py", "Pipfile"].map((file) =>
      view.readText(file),
    ),
  );
  const requirements = await Promise.all(requirementFiles.map((file) => view.readText(file)));
  const pyproject = parseTomlStrings(pyprojectText ?? "");
  const setupCfg = parseIniSections(setupCfgText ?? "");
  const tox = parseIniSections(toxText ?? "");
  const hasTable = (prefix: string) =>
    [...pyproject.tables].some((table) => table === prefix || table.startsWith(`${prefix}.`));

  const manager = environmentTool(view, hasTable);
  const run = manager === "pip" ? "" : `${manager} run `;

  const dependencyTexts = [pyprojectText, setupCfgText, toxText, setupPyText, pipfileText];
  const mentions = (word: RegExp) =>
    [...dependencyTexts, ...requirements].some((text) => text !== undefined && word.test(text));
  const pytestConfigured =
    hasTable("tool.pytest") ||
    view.has("pytest.ini") ||
    setupCfg.has("tool:pytest") ||
    tox.has("pytest") ||
    view.files.some((file) => /(^|\/)conftest\.py$/.test(file) && !isVendoredPath(file)) ||
    mentions(/\bpytest\b/);

  let runner: "pytest" | "unittest" | undefined;
  if (pytestConfigured) runner = "pytest";
  else if (testFiles.length > 0) runner = await guessRunnerFromTests(view, testFiles);

  const toxOrNox = [
    view.has("tox.ini") || hasTable("tool.tox") ? "tox" : undefined,
    view.has("noxfile.py") ? "nox" : undefined,
  ].filter((command): command is string => command !== undefined);
  const testCommand =
    runner === "pytest"
      ? `${run}pytest`
      : runner === "unittest"
        ? `${run}python -m unittest`
        : toxOrNox[0];

  return {
    ecosystem: "python",
    languages: ["Python", "Jupyter Notebook"],
    packageManager: manager,
    testCommand,
    alternativeTestCommands: toxOrNox.filter((command) => command !== testCommand),
    buildCommand: buildCommandFor(manager, pyproject.tables.has("build-system")),
    lintCommand: lintCommandFor(view, run, hasTable("tool.ruff") || mentions(/\bruff\b/), [
      setupCfg,
      tox,
    ]),
    name:
      pyproject.get("project", "name") ??
      pyproject.get("tool.poetry", "name") ??
      setupCfg.get("metadata")?.get("name") ??
      /\bname\s*=\s*["']([^"']+)["']/.exec(setupPyText ?? "")?.[1],
    description:
      pyproject.get("project", "description") ??
      pyproject.get("tool.poetry", "description") ??
      setupCfg.get("metadata")?.get("description"),
    notes: [],
  };
}

/** A lockfile proves the tool is in use, so lockfiles count before pyproject tool tables. */
function environmentTool(view: RepoView, hasTable: (prefix: string) => boolean): string {
  const signals: readonly (readonly [present: boolean, tool: string])[] = [
    [view.has("uv.lock"), "uv"],
    [view.has("poetry.lock"), "poetry"],
    [view.has("pdm.lock"), "pdm"],
    [view.has("Pipfile.lock") || view.has("Pipfile"), "pipenv"],
    [hasTable("tool.poetry"), "poetry"],
    [hasTable("tool.uv"), "uv"],
    [hasTable("tool.pdm"), "pdm"],
  ];
  return signals.find(([present]) => present)?.[1] ?? "pip";
}

/** Plain `def test_` functions need pytest; files that all use unittest mean unittest. */
async function guessRunnerFromTests(
  view: RepoView,
  testFiles: readonly string[],
): Promise<"pytest" | "unittest"> {
  const texts = await Promise.all(
    testFiles.slice(0, TEST_FILES_TO_READ).map((file) => view.readText(file)),
  );
  const read = texts.filter((text): text is string => text !== undefined);
  if (read.some((text) => /^\s*(import|from)\s+pytest\b/m.test(text))) return "pytest";
  const allUnittest =
    read.length > 0 && read.every((text) => /\bunittest\b|\bTestCase\b/.test(text));
  return allUnittest ? "unittest" : "pytest";
}

function buildCommandFor(manager: string, hasBuildSystem: boolean): string | undefined {
  // Without [build-system] there is nothing to package (an application, a script folder).
  if (!hasBuildSystem) return undefined;
  if (manager === "poetry" || manager === "uv" || manager === "pdm") return `${manager} build`;
  return "python -m build";
}

function lintCommandFor(
  view: RepoView,
  run: string,
  ruffMentioned: boolean,
  iniFiles: readonly IniSections[],
): string | undefined {
  if (ruffMentioned || view.has("ruff.toml") || view.has(".ruff.toml")) {
    return `${run}ruff check .`;
  }
  if (view.has(".flake8") || iniFiles.some((ini) => ini.has("flake8"))) return `${run}flake8`;
  return undefined;
}
