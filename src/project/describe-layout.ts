/**
 * The top level of the repository as agents should first see it: each folder with how many
 * files it holds and, when its name makes it plain, what it is for.
 */
import type { LayoutEntry } from "./project-info.js";

export interface DescribeLayoutOptions {
  /** Paths to leave out, relative to the root: a file, or a folder with or without "/". */
  exclude?: readonly string[];
  /** Top-level folders that are git submodules (their files are not listed). */
  submodules?: readonly string[];
  /** At most this many entries; the rest are counted in `omitted`. */
  maxEntries?: number;
}

export interface LayoutDescription {
  entries: LayoutEntry[];
  /** Entries left out because of `maxEntries`. */
  omitted: number;
}

export const DEFAULT_MAX_LAYOUT_ENTRIES = 40;

// A Map, not an object literal: a folder named "constructor" must not find a prototype method.
const FOLDER_PURPOSES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    src: "source",
    source: "source",
    lib: "library code",
    app: "application code",
    cmd: "command entry points",
    internal: "internal packages",
    pkg: "packages",
    tests: "tests",
    test: "tests",
    __tests__: "tests",
    spec: "tests",
    specs: "tests",
    e2e: "end-to-end tests",
    testdata: "test data",
    fixtures: "test fixtures",
    docs: "documentation",
    doc: "documentation",
    documentation: "documentation",
    scripts: "scripts",
    bin: "executables",
    tools: "tools",
    examples: "examples",
    example: "examples",
    samples: "examples",
    packages: "workspace packages",
    apps: "workspace packages",
    crates: "workspace crates",
    bench: "benchmarks",
    benches: "benchmarks",
    benchmarks: "benchmarks",
    assets: "static assets",
    static: "static assets",
    public: "static assets",
    config: "configuration",
    configs: "configuration",
    migrations: "database migrations",
    templates: "templates",
    include: "headers",
    deploy: "deployment",
    infra: "infrastructure",
    terraform: "infrastructure",
    charts: "Helm charts",
    vendor: "vendored dependencies",
    third_party: "vendored dependencies",
    node_modules: "installed dependencies",
    dist: "build output",
    build: "build output",
    target: "build output",
    ".github": "CI and GitHub settings",
    ".gitlab": "CI and GitLab settings",
    ".circleci": "CI",
    ".vscode": "editor settings",
    ".idea": "editor settings",
    ".devcontainer": "dev container",
    ".husky": "git hooks",
  }),
);

const FILE_PURPOSES: readonly (readonly [pattern: RegExp, purpose: string])[] = [
  [/^readme(\.|$)/i, "project overview"],
  [/^(license|licence|copying)(\.|$)/i, "license"],
  [/^(changelog|changes|history)(\.|$)/i, "changelog"],
  [/^contributing(\.|$)/i, "contributor guide"],
  [/^security(\.|$)/i, "security policy"],
  [/^code_of_conduct(\.|$)/i, "code of conduct"],
  [/^package\.json$/, "Node.js manifest"],
  [
    /^(package-lock\.json|pnpm-lock\.yaml|yarn\.lock|bun\.lockb?|poetry\.lock|uv\.lock|Cargo\.lock|Gemfile\.lock|go\.sum|composer\.lock|Pipfile\.lock)$/,
    "dependency lockfile",
  ],
  [/^pyproject\.toml$/, "Python project config"],
  [/^(setup\.py|setup\.cfg)$/, "Python package config"],
  [/^requirements.*\.txt$/, "Python dependencies"],
  [/^go\.mod$/, "Go module"],
  [/^Cargo\.toml$/, "Rust manifest"],
  [/^(pom\.xml|build\.gradle(\.kts)?|settings\.gradle(\.kts)?)$/, "JVM build"],
  [/^Gemfile$/, "Ruby dependencies"],
  [/^(GNUmakefile|Makefile|makefile)$/, "make targets"],
  [/^(justfile|Justfile|\.justfile)$/, "just recipes"],
  [/^(Dockerfile|Containerfile)(\..*)?$/, "container image"],
  [/^(docker-)?compose(\..*)?\.ya?ml$/, "local services"],
  [/^tsconfig.*\.json$/, "TypeScript config"],
  [/^\.gitignore$/, "git ignore rules"],
  [/^\.gitattributes$/, "git attributes"],
  [/^\.gitmodules$/, "git submodules"],
  [/^\.editorconfig$/, "editor settings"],
  [/^(eslint\.config\.[cm]?[jt]s|\.eslintrc.*)$/, "lint config"],
  [/^(\.prettierrc.*|prettier\.config\.[cm]?js)$/, "format config"],
  [/^(CLAUDE|AGENTS)\.md$/, "agent instructions"],
];

/** Top-level entries of `files` (relative, sorted or not): folders first, then files, A to Z. */
export function describeLayout(
  files: readonly string[],
  options: DescribeLayoutOptions = {},
): LayoutDescription {
  const excluded = (options.exclude ?? []).map((entry) => entry.replace(/\/+$/, ""));
  const isExcluded = (file: string) =>
    excluded.some((entry) => file === entry || file.startsWith(`${entry}/`));

  const folderCounts = new Map<string, number>();
  const rootFiles: string[] = [];
  for (const file of files) {
    if (isExcluded(file)) continue;
    const slash = file.indexOf("/");
    if (slash === -1) rootFiles.push(file);
    else {
      const folder = file.slice(0, slash);
      folderCounts.set(folder, (folderCounts.get(folder) ?? 0) + 1);
    }
  }
  const submodules = new Set<string>();
  for (const submodule of options.submodules ?? []) {
    if (!submodule.includes("/") && !isExcluded(submodule)) submodules.add(submodule);
  }

  const folderEntries: LayoutEntry[] = [...new Set([...folderCounts.keys(), ...submodules])]
    .sort(compareNames)
    .map((folder) =>
      withPurpose(
        { path: `${folder}/`, kind: "dir", files: folderCounts.get(folder) ?? 0 },
        submodules.has(folder) ? "git submodule" : FOLDER_PURPOSES.get(folder),
      ),
    );
  const fileEntries: LayoutEntry[] = rootFiles
    .filter((file) => !submodules.has(file))
    .sort(compareNames)
    .map((file) =>
      withPurpose(
        { path: file, kind: "file", files: 1 },
        FILE_PURPOSES.find(([pattern]) => pattern.test(file))?.[1],
      ),
    );

  const all = [...folderEntries, ...fileEntries];
  const max = options.maxEntries ?? DEFAULT_MAX_LAYOUT_ENTRIES;
  return { entries: all.slice(0, max), omitted: Math.max(0, all.length - max) };
}

function withPurpose(entry: LayoutEntry, purpose: string | undefined): LayoutEntry {
  return purpose === undefined ? entry : { ...entry, purpose };
}

/** Case-insensitive A to Z, ties broken by code units: the same order on every machine. */
function compareNames(a: string, b: string): number {
  const lowerA = a.toLowerCase();
  const lowerB = b.toLowerCase();
  if (lowerA !== lowerB) return lowerA < lowerB ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
