/**
 * Checks shared by skills, commands and agents. Each takes the file being checked and returns
 * its diagnostics, so the per-kind validators read as a list of rules.
 */
import { closestMatch, type Diagnostic } from "../diagnostics.js";
import { DESCRIPTION_MAX_LENGTH, MODEL_ALIASES } from "./known-fields.js";
import type { FrontmatterDocument } from "./parse-frontmatter.js";

/** The file under check: its display path and parsed content. */
export interface CheckedFile {
  file: string;
  document: FrontmatterDocument;
}

/** A diagnostic about one frontmatter key, placed on that key's line (else the first line). */
export function keyDiagnostic(
  target: CheckedFile,
  key: string,
  fields: Omit<Diagnostic, "file" | "line">,
): Diagnostic {
  return { file: target.file, line: target.document.lineOfKey(key) ?? 1, ...fields };
}

export function checkUnknownKeys(
  target: CheckedFile,
  knownKeys: readonly string[],
  aliases: Readonly<Record<string, string>>,
  kindLabel: string,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const key of Object.keys(target.document.frontmatter)) {
    if (knownKeys.includes(key)) continue;
    const suggestion = aliases[key] ?? closestMatch(key, knownKeys);
    diagnostics.push(
      keyDiagnostic(target, key, {
        severity: "warning",
        rule: "unknown-key",
        message: `unknown ${kindLabel} key "${key}"`,
        hint: suggestion
          ? `did you mean "${suggestion}"?`
          : `remove it, or check the spelling; known keys: ${knownKeys.join(", ")}`,
      }),
    );
  }
  return diagnostics;
}

export function checkBooleanKeys(target: CheckedFile, keys: readonly string[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const key of keys) {
    const value = target.document.frontmatter[key];
    if (value === undefined || typeof value === "boolean") continue;
    const quoted = value === "true" || value === "false";
    diagnostics.push(
      keyDiagnostic(target, key, {
        severity: "error",
        rule: "boolean-type",
        message: `${key} must be true or false, got ${quoted ? `the string "${value}"` : JSON.stringify(value)}`,
        hint: quoted
          ? `write ${key}: ${value} without quotes`
          : `write ${key}: true or ${key}: false`,
      }),
    );
  }
  return diagnostics;
}

/**
 * `description` is what the model reads to decide whether to use the item, so skills and agents
 * need one; commands fall back to their first line (`severity` says which case this is).
 */
export function checkDescription(
  target: CheckedFile,
  missingSeverity: Diagnostic["severity"],
  missingHint: string,
): Diagnostic[] {
  const value = target.document.frontmatter.description;
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) {
    return [
      {
        file: target.file,
        line: target.document.lineOfKey("description") ?? 1,
        severity: missingSeverity,
        rule: "description-missing",
        message: value === undefined ? "no description" : "the description is empty",
        hint: missingHint,
      },
    ];
  }
  if (typeof value !== "string") {
    return [
      keyDiagnostic(target, "description", {
        severity: "error",
        rule: "description-type",
        message: `description must be text, got ${JSON.stringify(value)}`,
        hint: "quote the description",
      }),
    ];
  }
  if (value.length > DESCRIPTION_MAX_LENGTH) {
    return [
      keyDiagnostic(target, "description", {
        severity: "error",
        rule: "description-too-long",
        message: `the description is ${value.length} characters; the limit is ${DESCRIPTION_MAX_LENGTH}`,
        hint: "say what it does and when to use it in a few sentences; move detail into the body",
      }),
    ];
  }
  return [];
}

/** An alias, or a full model id (which never contains whitespace). */
export function checkModel(target: CheckedFile): Diagnostic[] {
  const value = target.document.frontmatter.model;
  if (value === undefined) return [];
  if (typeof value === "string" && value.trim() !== "" && !/\s/.test(value)) return [];
  const suggestion = typeof value === "string" ? closestMatch(value, MODEL_ALIASES) : undefined;
  return [
    keyDiagnostic(target, "model", {
      severity: "error",
      rule: "model-value",
      message: `model ${JSON.stringify(value)} is neither ${MODEL_ALIASES.join(", ")} nor a model id`,
      hint: suggestion
        ? `did you mean "${suggestion}"?`
        : `use one of ${MODEL_ALIASES.join(", ")}, or a full model id such as claude-sonnet-4-5`,
    }),
  ];
}

/** Every kind needs a body: it is the prompt (command), the instructions (skill) or the system prompt (agent). */
export function checkBodyNotEmpty(
  target: CheckedFile,
  severity: Diagnostic["severity"],
  hint: string,
): Diagnostic[] {
  if (target.document.body.trim() !== "") return [];
  return [
    {
      file: target.file,
      // The closing "---" line: the body's own first line may not exist.
      line: target.document.hasFrontmatter ? target.document.bodyStartLine - 1 : 1,
      severity,
      rule: "body-empty",
      message: "the body after the frontmatter is empty",
      hint,
    },
  ];
}
