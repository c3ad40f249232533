/**
 * Node.js: the package manager from the `packageManager` field or the lockfile, and commands
 * from package.json scripts only (a test tool being installed does not say how to run it).
 */
import type { RepoView } from "../repo-view.js";
import { parseJsonManifest, recordField, stringField } from "../parse-json-manifest.js";
import { folderPrefix, type EcosystemDetection } from "./ecosystem-detection.js";

/** Lockfiles by manager. When several exist the less default one wins: a stray package-lock
 * is usually someone running `npm install` by mistake, a pnpm or bun lock is a choice. */
const LOCKFILES: readonly (readonly [file: string, manager: string])[] = [
  ["bun.lock", "bun"],
  ["bun.lockb", "bun"],
  ["pnpm-lock.yaml", "pnpm"],
  ["yarn.lock", "yarn"],
  ["package-lock.json", "npm"],
  ["npm-shrinkwrap.json", "npm"],
];

const KNOWN_MANAGERS = new Set(["npm", "pnpm", "yarn", "bun"]);

/** What `npm init` writes: a script that fails on purpose. It means "no tests". */
const NPM_PLACEHOLDER_TEST = /no test specified/i;

/** Detects a Node.js project from package.json. */
export async function detectNode(view: RepoView): Promise<EcosystemDetection | undefined> {
  if (!view.has("package.json")) return undefined;
  const notes: string[] = [];
  const text = await view.readText("package.json");
  const manifest = text === undefined ? undefined : parseJsonManifest(text);
  if (!manifest) {
    notes.push(
      `${folderPrefix(view)}package.json is not valid JSON; its name and scripts were ignored`,
    );
  }

  const declared = stringField(manifest, "packageManager")?.split("@")[0];
  const locked = LOCKFILES.filter(([file]) => view.has(file)).map(([, manager]) => manager);
  const lockedManagers = [...new Set(locked)];
  if (lockedManagers.length > 1 && !declared) {
    notes.push(
      `${folderPrefix(view)}lockfiles of several package managers (${lockedManagers.join(", ")}); ` +
        `assuming ${lockedManagers[0]}`,
    );
  }
  const manager =
    declared && KNOWN_MANAGERS.has(declared)
      ? declared
      : (lockedManagers[0] ?? (view.has("pnpm-workspace.yaml") ? "pnpm" : "npm"));

  const scripts = recordField(manifest, "scripts");
  const script = (name: string) => {
    const value = scripts[name];
    return typeof value === "string" && value.trim() !== "" ? value : undefined;
  };
  const testScript = script("test");
  let testCommand: string | undefined;
  if (testScript && NPM_PLACEHOLDER_TEST.test(testScript)) {
    notes.push(
      `${folderPrefix(view)}package.json's test script is npm's placeholder; no tests to run`,
    );
  } else if (testScript) {
    // `bun test` would start bun's own runner and skip the script; `bun run test` runs it.
    testCommand = manager === "bun" ? "bun run test" : `${manager} test`;
  }

  return {
    ecosystem: "node",
    languages: ["TypeScript", "JavaScript"],
    packageManager: manager,
    testCommand,
    buildCommand: script("build") ? `${manager} run build` : undefined,
    lintCommand: script("lint") ? `${manager} run lint` : undefined,
    name: stringField(manifest, "name"),
    description: stringField(manifest, "description"),
    notes,
  };
}
