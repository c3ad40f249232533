/**
 * What a changed file is for, so a report can say "3 source files, 2 test files" instead of a
 * flat list: dependencies (manifests and lockfiles), tests, docs, config, or source. Decided by
 * path alone, first match wins in that order; a person reading the table sees every file anyway.
 */
import path from "node:path";

import type { DiffFileStat } from "../git/worktrees.js";

export const diffPurposes = ["source", "tests", "docs", "config", "dependencies"] as const;
export type DiffPurpose = (typeof diffPurposes)[number];

const DEPENDENCY_FILES = new Set([
  "package.json",
  "package-lock.json",
  "npm-shrinkwrap.json",
  "yarn.lock",
  "pnpm-lock.yaml",
  "bun.lockb",
  "pipfile",
  "pipfile.lock",
  "poetry.lock",
  "uv.lock",
  "pyproject.toml",
  "go.mod",
  "go.sum",
  "cargo.toml",
  "cargo.lock",
  "gemfile",
  "gemfile.lock",
  "composer.json",
  "composer.lock",
]);

const DOC_EXTENSIONS = new Set([".md", ".mdx", ".rst", ".adoc", ".txt"]);
const DOC_NAMES = /^(readme|changelog|license|licence|notice|contributing|authors)(\.|$)/i;
const CONFIG_EXTENSIONS = new Set([
  ".json",
  ".jsonc",
  ".yaml",
  ".yml",
  ".toml",
  ".ini",
  ".cfg",
  ".conf",
  ".properties",
  ".env",
]);
const CONFIG_NAMES = /^(dockerfile|makefile|procfile|\.[\w.-]+rc|\.[\w.-]*ignore|\.editorconfig)$/i;

function isDependencyFile(base: string): boolean {
  return DEPENDENCY_FILES.has(base) || /^requirements.*\.(txt|in)$/.test(base);
}

function isTestFile(file: string, base: string): boolean {
  return (
    /(^|\/)(tests?|__tests__|specs?|testdata|fixtures)\//i.test(file) ||
    /\.(test|spec)\.[cm]?[jt]sx?$/i.test(base) ||
    /(_test\.go|_test\.py|^test_.*\.py|_spec\.rb|Test\.java|Tests?\.cs)$/.test(base)
  );
}

function isDocFile(file: string, base: string): boolean {
  return (
    /(^|\/)docs?\//i.test(file) ||
    DOC_NAMES.test(base) ||
    DOC_EXTENSIONS.has(path.extname(base).toLowerCase())
  );
}

function isConfigFile(file: string, base: string): boolean {
  return (
    /(^|\/)\.(github|circleci|gitlab|husky|vscode|devcontainer|claude)\//.test(file) ||
    CONFIG_NAMES.test(base) ||
    /\.config\.[cm]?[jt]s$/.test(base) ||
    /^(tsconfig|jsconfig).*\.json$/.test(base) ||
    CONFIG_EXTENSIONS.has(path.extname(base).toLowerCase()) ||
    base.startsWith(".env")
  );
}

export function purposeOf(file: string): DiffPurpose {
  const normalized = file.replace(/\\/g, "/");
  const base = path.posix.basename(normalized);
  if (isDependencyFile(base.toLowerCase())) return "dependencies";
  if (isTestFile(normalized, base)) return "tests";
  if (isDocFile(normalized, base)) return "docs";
  if (isConfigFile(normalized, base)) return "config";
  return "source";
}

export interface PurposeTotals {
  files: number;
  additions: number;
  deletions: number;
}

export interface ChangedFile extends DiffFileStat {
  purpose: DiffPurpose;
}

export function classifyFiles(files: readonly DiffFileStat[]): ChangedFile[] {
  return files.map((file) => ({ ...file, purpose: purposeOf(file.path) }));
}

/** Totals per purpose, every purpose present (zeros included), in `diffPurposes` order. */
export function totalsByPurpose(files: readonly ChangedFile[]): Record<DiffPurpose, PurposeTotals> {
  const totals = Object.fromEntries(
    diffPurposes.map((purpose) => [purpose, { files: 0, additions: 0, deletions: 0 }]),
  ) as Record<DiffPurpose, PurposeTotals>;
  for (const file of files) {
    const total = totals[file.purpose];
    total.files++;
    total.additions += file.additions;
    total.deletions += file.deletions;
  }
  return totals;
}
