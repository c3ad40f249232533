/**
 * Rust: Cargo.toml. A virtual workspace (no [package]) has no name of its own; the folder
 * name is used then.
 */
import type { RepoView } from "../repo-view.js";
import { parseTomlStrings } from "../parse-toml-strings.js";
import type { EcosystemDetection } from "./ecosystem-detection.js";

/** Detects a Rust crate or workspace from Cargo.toml. */
export async function detectRust(view: RepoView): Promise<EcosystemDetection | undefined> {
  if (!view.has("Cargo.toml")) return undefined;
  const cargo = parseTomlStrings((await view.readText("Cargo.toml")) ?? "");
  return {
    ecosystem: "rust",
    languages: ["Rust"],
    packageManager: "cargo",
    testCommand: "cargo test",
    buildCommand: "cargo build",
    lintCommand: "cargo clippy",
    name: cargo.get("package", "name"),
    description:
      cargo.get("package", "description") ?? cargo.get("workspace.package", "description"),
    notes: [],
  };
}
