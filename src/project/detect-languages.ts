/**
 * Languages by counting file extensions: no file is opened, so this stays fast on big repos.
 * Counting files rather than bytes is cruder than GitHub's linguist but needs no stat calls.
 */
import { isVendoredPath } from "./vendored-paths.js";

// A Map, not an object literal: "x.constructor" must not find a prototype method.
const LANGUAGE_BY_EXTENSION: ReadonlyMap<string, string> = new Map(
  Object.entries({
    ts: "TypeScript",
    tsx: "TypeScript",
    mts: "TypeScript",
    cts: "TypeScript",
    js: "JavaScript",
    jsx: "JavaScript",
    mjs: "JavaScript",
    cjs: "JavaScript",
    py: "Python",
    pyi: "Python",
    ipynb: "Jupyter Notebook",
    go: "Go",
    rs: "Rust",
    java: "Java",
    kt: "Kotlin",
    kts: "Kotlin",
    scala: "Scala",
    groovy: "Groovy",
    c: "C",
    cc: "C++",
    cpp: "C++",
    cxx: "C++",
    "c++": "C++",
    hpp: "C++",
    hh: "C++",
    hxx: "C++",
    cs: "C#",
    fs: "F#",
    fsx: "F#",
    vb: "Visual Basic",
    rb: "Ruby",
    rake: "Ruby",
    php: "PHP",
    swift: "Swift",
    m: "Objective-C",
    mm: "Objective-C",
    sh: "Shell",
    bash: "Shell",
    zsh: "Shell",
    ps1: "PowerShell",
    lua: "Lua",
    pl: "Perl",
    pm: "Perl",
    r: "R",
    dart: "Dart",
    ex: "Elixir",
    exs: "Elixir",
    erl: "Erlang",
    hs: "Haskell",
    ml: "OCaml",
    mli: "OCaml",
    clj: "Clojure",
    cljs: "Clojure",
    cljc: "Clojure",
    jl: "Julia",
    zig: "Zig",
    nim: "Nim",
    sol: "Solidity",
    vue: "Vue",
    svelte: "Svelte",
    html: "HTML",
    htm: "HTML",
    css: "CSS",
    scss: "SCSS",
    sass: "SCSS",
    less: "Less",
    sql: "SQL",
    tf: "HCL",
  }),
);

/** A language is listed when it has this share of the counted files... */
const MIN_SHARE = 0.02;
/** ...or at least this many files, so a big repo's 30 shell scripts still show. */
const MIN_FILES = 10;

/** Languages of `files` (relative paths), most files first, minor ones dropped; ties by name. */
export function detectLanguages(files: readonly string[]): string[] {
  const counts = countLanguages(files);
  const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
  return [...counts.entries()]
    .filter(([, count]) => count >= MIN_FILES || count >= total * MIN_SHARE)
    .sort(([nameA, countA], [nameB, countB]) => countB - countA || (nameA < nameB ? -1 : 1))
    .map(([name]) => name);
}

/** Files per language, vendored and generated folders left out. */
export function countLanguages(files: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  let headers = 0;
  for (const file of files) {
    const extension = extensionOf(file);
    if (extension === undefined || isVendoredPath(file)) continue;
    if (extension === "h") {
      headers += 1;
      continue;
    }
    const language = LANGUAGE_BY_EXTENSION.get(extension);
    if (language) counts.set(language, (counts.get(language) ?? 0) + 1);
  }
  if (headers > 0) {
    // A .h file belongs to whichever of C and C++ the sources are mostly written in.
    const language = (counts.get("C++") ?? 0) > (counts.get("C") ?? 0) ? "C++" : "C";
    counts.set(language, (counts.get(language) ?? 0) + headers);
  }
  return counts;
}

function extensionOf(file: string): string | undefined {
  const name = file.slice(file.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  // No dot, or a dotfile such as ".bashrc": no extension.
  if (dot <= 0) return undefined;
  return name.slice(dot + 1).toLowerCase();
}
