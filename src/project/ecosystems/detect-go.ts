/**
 * Go: go.mod fixes everything; the toolchain is the package manager and `go vet` the linter
 * unless golangci-lint is configured.
 */
import type { RepoView } from "../repo-view.js";
import { firstPresent, type EcosystemDetection } from "./ecosystem-detection.js";

const GOLANGCI_CONFIGS = [".golangci.yml", ".golangci.yaml", ".golangci.toml", ".golangci.json"];

/** Detects a Go module from go.mod. */
export async function detectGo(view: RepoView): Promise<EcosystemDetection | undefined> {
  if (!view.has("go.mod")) return undefined;
  const goMod = (await view.readText("go.mod")) ?? "";
  const modulePath = /^\s*module\s+("?)([^\s"]+)\1/m.exec(goMod)?.[2];
  return {
    ecosystem: "go",
    languages: ["Go"],
    packageManager: "go",
    testCommand: "go test ./...",
    buildCommand: "go build ./...",
    lintCommand: firstPresent(view, GOLANGCI_CONFIGS) ? "golangci-lint run" : "go vet ./...",
    name: modulePath === undefined ? undefined : moduleName(modulePath),
    notes: [],
  };
}

/** "github.com/acme/tool/v2" names the project "tool": a major-version suffix is not a name. */
function moduleName(modulePath: string): string | undefined {
  const segments = modulePath.split("/").filter((segment) => segment !== "");
  const last = segments.at(-1);
  if (last !== undefined && /^v\d+$/.test(last) && segments.length > 1) return segments.at(-2);
  return last;
}
