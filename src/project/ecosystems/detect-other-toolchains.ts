/**
 * Ecosystems whose single build tool answers every question: Swift Package Manager, Mix
 * (Elixir) and Dart/Flutter. Each needs only its manifest and a regex or two.
 */
import type { RepoView } from "../repo-view.js";
import type { EcosystemDetection } from "./ecosystem-detection.js";

/** Detects a Swift package from Package.swift. */
export async function detectSwift(view: RepoView): Promise<EcosystemDetection | undefined> {
  if (!view.has("Package.swift")) return undefined;
  const manifest = (await view.readText("Package.swift")) ?? "";
  return {
    ecosystem: "swift",
    languages: ["Swift"],
    packageManager: "swiftpm",
    testCommand: "swift test",
    buildCommand: "swift build",
    name: /Package\s*\(\s*name:\s*"([^"]+)"/.exec(manifest)?.[1],
    notes: [],
  };
}

/** Detects an Elixir project from mix.exs. */
export async function detectElixir(view: RepoView): Promise<EcosystemDetection | undefined> {
  if (!view.has("mix.exs")) return undefined;
  const mix = (await view.readText("mix.exs")) ?? "";
  return {
    ecosystem: "elixir",
    languages: ["Elixir", "Erlang"],
    packageManager: "mix",
    testCommand: "mix test",
    buildCommand: "mix compile",
    lintCommand: /:credo\b/.test(mix) ? "mix credo" : "mix format --check-formatted",
    name: /\bapp:\s*:([A-Za-z_][A-Za-z0-9_]*)/.exec(mix)?.[1],
    notes: [],
  };
}

/** Detects a Dart or Flutter package from pubspec.yaml. */
export async function detectDart(view: RepoView): Promise<EcosystemDetection | undefined> {
  if (!view.has("pubspec.yaml")) return undefined;
  const pubspec = (await view.readText("pubspec.yaml")) ?? "";
  const tool = /^\s+sdk:\s*flutter\b/m.test(pubspec) ? "flutter" : "dart";
  return {
    ecosystem: "dart",
    languages: ["Dart"],
    packageManager: "pub",
    testCommand: `${tool} test`,
    lintCommand: `${tool} analyze`,
    name: /^name:\s*["']?([^\s"'#]+)/m.exec(pubspec)?.[1],
    description: /^description:\s*["']?([^"'\n#]+?)["']?\s*$/m.exec(pubspec)?.[1],
    notes: [],
  };
}
