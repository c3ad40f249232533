/**
 * harness.config.yaml: absent is fine for now (defaults apply) but worth a warning; invalid is a
 * failure that lists every diagnostic with file:line, key path and fix.
 */
import path from "node:path";
import { formatDiagnostic, type Diagnostic } from "../diagnostics.js";
import { CONFIG_FILE_NAME, type ConfigLoadResult } from "../config/load-config.js";
import type { CheckResult } from "./check-result.js";

export async function checkConfig(
  loaded: Promise<ConfigLoadResult> | ConfigLoadResult,
  cwd: string,
): Promise<CheckResult> {
  const result = await loaded;
  if (!result.path) {
    return {
      name: "config",
      status: "warn",
      detail: `no ${CONFIG_FILE_NAME} found (defaults apply)`,
      fix: "run harness init",
    };
  }
  const shownPath = path.relative(cwd, result.path) || CONFIG_FILE_NAME;
  // In file order, so a person can fix them top to bottom.
  const listed = (diagnostics: Diagnostic[]) =>
    [...diagnostics]
      .sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
      .map((d) => formatDiagnostic({ ...d, file: path.relative(cwd, d.file) || d.file }));
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (!result.config || errors.length > 0) {
    const count = errors.length === 1 ? "1 problem" : `${errors.length} problems`;
    return {
      name: "config",
      status: "fail",
      detail: [`${shownPath} has ${count}:`, ...listed(errors)].join("\n"),
      fix: `correct the keys listed above in ${shownPath}, then run harness doctor again`,
    };
  }
  if (result.diagnostics.length > 0) {
    return {
      name: "config",
      status: "warn",
      detail: [`${shownPath} is valid, with warnings:`, ...listed(result.diagnostics)].join("\n"),
      fix: `see the warnings above in ${shownPath}`,
    };
  }
  return { name: "config", status: "ok", detail: `${shownPath} is valid` };
}
