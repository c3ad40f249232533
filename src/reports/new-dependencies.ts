/**
 * The dependencies a change adds, read from the manifests it touches (package.json and its
 * lockfile, requirements*.txt, pyproject.toml, go.mod, Cargo.toml) at the base and at HEAD, so a
 * version bump is not "new" and a reordering is nothing. The licence is what the installed
 * package says (its package.json, the npm lockfile's entry, a Python dist-info's METADATA), else
 * "unknown": harness never guesses one.
 */
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";

import { runGitCommand } from "../git/git-command.js";

export type DependencyEcosystem = "npm" | "python" | "go" | "cargo";

export interface NewDependency {
  ecosystem: DependencyEcosystem;
  name: string;
  /** The version or range as the manifest writes it, when it does. */
  version?: string;
  /** The manifest that names it, relative to the repository. */
  manifest: string;
  /** Dev, test or build only. */
  dev: boolean;
  /** From a lockfile only: pulled in by another dependency. */
  transitive: boolean;
  licence: string;
}

/** Transitive packages listed per lockfile at most; the rest are counted. */
export const MAX_TRANSITIVE = 20;

interface Declared {
  name: string;
  version?: string;
  dev: boolean;
  licence?: string;
}

type Parser = (text: string) => Declared[];

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function objectAt(record: Record<string, unknown> | undefined, key: string) {
  const value = record?.[key];
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

const parsePackageJson: Parser = (text) => {
  const manifest = parseJson(text);
  const declared: Declared[] = [];
  for (const [key, dev] of [
    ["dependencies", false],
    ["optionalDependencies", false],
    ["peerDependencies", false],
    ["devDependencies", true],
  ] as const) {
    for (const [name, version] of Object.entries(objectAt(manifest, key))) {
      declared.push({ name, dev, ...(typeof version === "string" ? { version } : {}) });
    }
  }
  return declared;
};

function licenceText(value: unknown): string | undefined {
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  if (typeof value === "object" && value !== null) {
    const type = (value as { type?: unknown }).type;
    if (typeof type === "string" && type.trim() !== "") return type.trim();
  }
  return undefined;
}

/** npm lockfile v2/v3: every `node_modules/<name>` entry is an installed package. */
const parsePackageLock: Parser = (text) => {
  const packages = objectAt(parseJson(text), "packages");
  const declared: Declared[] = [];
  for (const [key, entry] of Object.entries(packages)) {
    const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(key);
    if (!match?.[1]) continue;
    const record = (typeof entry === "object" && entry !== null ? entry : {}) as Record<
      string,
      unknown
    >;
    const licence = licenceText(record.license);
    declared.push({
      name: match[1],
      dev: record.dev === true,
      ...(typeof record.version === "string" ? { version: record.version } : {}),
      ...(licence ? { licence } : {}),
    });
  }
  return declared;
};

const parseRequirements: Parser = (text) =>
  text.split(/\r?\n/).flatMap((raw) => {
    const line = raw.replace(/\s+#.*$/, "").trim();
    if (line === "" || line.startsWith("#") || line.startsWith("-")) return [];
    const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$/.exec(line);
    if (!match?.[1]) return [];
    const version = (match[3] ?? "").split(";")[0]?.trim();
    return [{ name: match[1], dev: false, ...(version ? { version } : {}) }];
  });

/** `[project] dependencies = [...]`, optional-dependencies, and poetry's tables. */
const parsePyproject: Parser = (text) => {
  const declared: Declared[] = [];
  const arrays = /^\s*(dependencies|[\w-]+)\s*=\s*\[([\s\S]*?)\]/gm;
  let table = "";
  const lines = text.split(/\r?\n/);
  const tableAt: string[] = [];
  for (const line of lines) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header?.[1]) table = header[1].trim();
    tableAt.push(table);
  }
  const lineOf = (offset: number) => text.slice(0, offset).split("\n").length - 1;
  for (const match of text.matchAll(arrays)) {
    const owner = tableAt[lineOf(match.index)] ?? "";
    const key = match[1] ?? "";
    const inProject = owner === "project" && key === "dependencies";
    const optional = owner === "project.optional-dependencies";
    const groups = owner.startsWith("dependency-groups");
    if (!inProject && !optional && !groups) continue;
    for (const item of (match[2] ?? "").matchAll(/["']([^"']+)["']/g)) {
      const [parsed] = parseRequirements(item[1] ?? "");
      if (parsed) declared.push({ ...parsed, dev: !inProject });
    }
  }
  let poetry: { dev: boolean } | undefined;
  for (const line of lines) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header?.[1]) {
      const name = header[1].trim();
      poetry =
        /^tool\.poetry\.(dev-)?dependencies$|^tool\.poetry\.group\.[^.]+\.dependencies$/.test(name)
          ? { dev: name !== "tool.poetry.dependencies" }
          : undefined;
      continue;
    }
    const pair = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*=\s*(.+)$/.exec(line);
    if (poetry && pair?.[1] && pair[1] !== "python") {
      const version = /^["']([^"']*)["']/.exec(pair[2] ?? "")?.[1];
      declared.push({ name: pair[1], dev: poetry.dev, ...(version ? { version } : {}) });
    }
  }
  return declared;
};

const parseGoMod: Parser = (text) => {
  const declared: Declared[] = [];
  let inBlock = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\/\/.*$/, "").trim();
    if (/^require\s*\($/.test(line)) {
      inBlock = true;
      continue;
    }
    if (inBlock && line === ")") {
      inBlock = false;
      continue;
    }
    const spec = inBlock ? line : /^require\s+(.+)$/.exec(line)?.[1];
    const match = spec ? /^(\S+)\s+(\S+)/.exec(spec) : undefined;
    if (match?.[1] && match[2]) {
      declared.push({ name: match[1], version: match[2], dev: false });
    }
  }
  return declared;
};

const parseCargoToml: Parser = (text) => {
  const declared: Declared[] = [];
  let table: { dev: boolean } | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, "").trim();
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header?.[1]) {
      const name = header[1].trim();
      const single = /^(?:target\..+\.)?(dev-|build-)?dependencies\.([A-Za-z0-9_-]+)$/.exec(name);
      if (single?.[2]) {
        declared.push({ name: single[2], dev: single[1] !== undefined });
        table = undefined;
        continue;
      }
      const block = /^(?:target\..+\.)?(dev-|build-)?dependencies$/.exec(name);
      table = block ? { dev: block[1] !== undefined } : undefined;
      continue;
    }
    const pair = /^([A-Za-z0-9_-]+)\s*=\s*(.+)$/.exec(line);
    if (table && pair?.[1]) {
      const value = pair[2] ?? "";
      const version =
        /^"([^"]*)"/.exec(value)?.[1] ?? /version\s*=\s*"([^"]*)"/.exec(value)?.[1] ?? undefined;
      declared.push({ name: pair[1], dev: table.dev, ...(version ? { version } : {}) });
    }
  }
  return declared;
};

interface ManifestKind {
  ecosystem: DependencyEcosystem;
  parse: Parser;
  lockfile: boolean;
}

/** The manifests harness reads, by file name. */
export function manifestKind(file: string): ManifestKind | undefined {
  const base = path.posix.basename(file.replace(/\\/g, "/"));
  if (base === "package.json")
    return { ecosystem: "npm", parse: parsePackageJson, lockfile: false };
  if (base === "package-lock.json" || base === "npm-shrinkwrap.json") {
    return { ecosystem: "npm", parse: parsePackageLock, lockfile: true };
  }
  if (/^requirements.*\.(txt|in)$/.test(base)) {
    return { ecosystem: "python", parse: parseRequirements, lockfile: false };
  }
  if (base === "pyproject.toml") {
    return { ecosystem: "python", parse: parsePyproject, lockfile: false };
  }
  if (base === "go.mod") return { ecosystem: "go", parse: parseGoMod, lockfile: false };
  if (base === "Cargo.toml") return { ecosystem: "cargo", parse: parseCargoToml, lockfile: false };
  return undefined;
}

function normalizedName(ecosystem: DependencyEcosystem, name: string): string {
  return ecosystem === "python" ? name.toLowerCase().replace(/[-_.]+/g, "-") : name;
}

async function fileAt(worktree: string, revision: string, file: string): Promise<string> {
  const result = await runGitCommand(worktree, ["show", `${revision}:${file}`]);
  return result.exitCode === 0 ? result.stdout : "";
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch {
    return undefined;
  }
}

/** The licence an installed npm package declares, in the worktree or the main checkout. */
async function npmLicence(roots: readonly string[], name: string): Promise<string | undefined> {
  for (const root of roots) {
    const text = await readText(path.join(root, "node_modules", name, "package.json"));
    const licence = licenceText(parseJson(text ?? "")?.license);
    if (licence) return licence;
  }
  return undefined;
}

/** The licence in an installed Python distribution's METADATA (a virtualenv in the tree). */
async function pythonLicence(roots: readonly string[], name: string): Promise<string | undefined> {
  const wanted = normalizedName("python", name).replace(/-/g, "_");
  for (const root of roots) {
    for (const venv of [".venv", "venv"]) {
      const lib = path.join(root, venv, "lib");
      let versions: string[];
      try {
        versions = await readdir(lib);
      } catch {
        continue;
      }
      for (const version of versions) {
        const sitePackages = path.join(lib, version, "site-packages");
        let entries: string[];
        try {
          entries = await readdir(sitePackages);
        } catch {
          continue;
        }
        const info = entries.find((entry) => {
          const match = /^(.+?)-[^-]+\.dist-info$/.exec(entry);
          return (
            match?.[1] !== undefined && match[1].toLowerCase().replace(/[-.]/g, "_") === wanted
          );
        });
        if (!info) continue;
        const metadata = await readText(path.join(sitePackages, info, "METADATA"));
        const licence =
          /^License-Expression:\s*(.+)$/m.exec(metadata ?? "")?.[1] ??
          /^License:\s*(.+)$/m.exec(metadata ?? "")?.[1];
        if (licence && licence.trim() !== "" && licence.trim() !== "UNKNOWN") return licence.trim();
      }
    }
  }
  return undefined;
}

export interface FindNewDependenciesInput {
  worktree: string;
  /** Also searched for installed packages (the worktree may have no node_modules). */
  repoRoot: string;
  base: string;
  /** Changed paths, relative to the repository. */
  files: readonly string[];
}

/** The dependencies the change adds, direct ones first, each once per manifest. */
export async function findNewDependencies(
  input: FindNewDependenciesInput,
): Promise<NewDependency[]> {
  const roots = [input.worktree, input.repoRoot];
  const found: NewDependency[] = [];
  const direct = new Set<string>();
  const lockEntries: NewDependency[] = [];
  for (const file of input.files) {
    const kind = manifestKind(file);
    if (!kind) continue;
    const [before, after] = await Promise.all([
      fileAt(input.worktree, input.base, file),
      fileAt(input.worktree, "HEAD", file),
    ]);
    const known = new Set(kind.parse(before).map((d) => normalizedName(kind.ecosystem, d.name)));
    const seen = new Set<string>();
    for (const declared of kind.parse(after)) {
      const key = normalizedName(kind.ecosystem, declared.name);
      if (known.has(key) || seen.has(key)) continue;
      seen.add(key);
      const entry: NewDependency = {
        ecosystem: kind.ecosystem,
        name: declared.name,
        ...(declared.version ? { version: declared.version } : {}),
        manifest: file,
        dev: declared.dev,
        transitive: kind.lockfile,
        licence: declared.licence ?? "unknown",
      };
      if (kind.lockfile) lockEntries.push(entry);
      else {
        direct.add(`${kind.ecosystem}:${key}`);
        found.push(entry);
      }
    }
  }
  // A lockfile entry of a direct dependency gives its licence; the others are transitive.
  for (const entry of lockEntries) {
    const key = `${entry.ecosystem}:${normalizedName(entry.ecosystem, entry.name)}`;
    const declared = found.find(
      (dependency) =>
        `${dependency.ecosystem}:${normalizedName(dependency.ecosystem, dependency.name)}` === key,
    );
    if (declared) {
      if (declared.licence === "unknown") declared.licence = entry.licence;
    } else if (!direct.has(key)) {
      found.push(entry);
    }
  }
  for (const dependency of found) {
    if (dependency.licence !== "unknown") continue;
    const licence =
      dependency.ecosystem === "npm"
        ? await npmLicence(roots, dependency.name)
        : dependency.ecosystem === "python"
          ? await pythonLicence(roots, dependency.name)
          : undefined;
    if (licence) dependency.licence = licence;
  }
  return found;
}
