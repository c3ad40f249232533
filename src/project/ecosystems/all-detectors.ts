/**
 * Every ecosystem detector, in the order that breaks ties when two ecosystems rank the same
 * (same languages, both with or both without tests): node before deno, the common before the rare.
 */
import { detectDeno } from "./detect-deno.js";
import { detectDotnet } from "./detect-dotnet.js";
import { detectGo } from "./detect-go.js";
import { detectJava } from "./detect-java.js";
import { detectNode } from "./detect-node.js";
import { detectDart, detectElixir, detectSwift } from "./detect-other-toolchains.js";
import { detectPhp } from "./detect-php.js";
import { detectPython } from "./detect-python.js";
import { detectRuby } from "./detect-ruby.js";
import { detectRust } from "./detect-rust.js";
import type { EcosystemDetector } from "./ecosystem-detection.js";

export const ECOSYSTEM_DETECTORS: readonly EcosystemDetector[] = [
  detectNode,
  detectPython,
  detectGo,
  detectRust,
  detectJava,
  detectDotnet,
  detectRuby,
  detectPhp,
  detectDeno,
  detectSwift,
  detectElixir,
  detectDart,
];

/** Marker files whose presence directly inside a top-level folder makes it a sub-project. */
export const SUBPROJECT_MANIFESTS: readonly string[] = [
  "package.json",
  "pyproject.toml",
  "setup.py",
  "requirements.txt",
  "Pipfile",
  "go.mod",
  "Cargo.toml",
  "pom.xml",
  "build.gradle",
  "build.gradle.kts",
  "Gemfile",
  "composer.json",
  "deno.json",
  "deno.jsonc",
  "Package.swift",
  "mix.exs",
  "pubspec.yaml",
];
