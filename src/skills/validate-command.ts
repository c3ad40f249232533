/**
 * The rules for `.claude/commands/**\/*.md`. Frontmatter is optional here: without it Claude Code
 * still runs the command and shows its first line as the description.
 */
import type { Diagnostic } from "../diagnostics.js";
import { checkPositionalArguments } from "./body-checks.js";
import {
  checkBodyNotEmpty,
  checkBooleanKeys,
  checkDescription,
  checkModel,
  checkUnknownKeys,
  keyDiagnostic,
  type CheckedFile,
} from "./frontmatter-checks.js";
import {
  SKILL_BOOLEAN_KEYS,
  SKILL_KEYS,
  SKILL_KEY_ALIASES,
  SKILL_ONLY_KEYS,
} from "./known-fields.js";

/** `name` and `paths` are skill keys: a command is named by its file and cannot be path-scoped. */
function checkSkillOnlyKeys(command: CheckedFile): Diagnostic[] {
  return SKILL_ONLY_KEYS.filter((key) => key in command.document.frontmatter).map((key) =>
    keyDiagnostic(command, key, {
      severity: "warning",
      rule: "command-key-unused",
      message: `commands ignore "${key}"${key === "name" ? ": the file name is the command name" : ""}`,
      hint:
        key === "name"
          ? "remove it, or rename the file to change the command's name"
          : "remove it, or turn the command into a skill if it should load only for those paths",
    }),
  );
}

export function validateCommand(command: CheckedFile): Diagnostic[] {
  return [
    ...checkDescription(
      command,
      "warning",
      "add description: ... to the frontmatter; without it the menu shows the body's first line",
    ),
    // name and paths get their own, more useful warning below, so they count as known here.
    ...checkUnknownKeys(command, SKILL_KEYS, SKILL_KEY_ALIASES, "command"),
    ...checkSkillOnlyKeys(command),
    ...checkBooleanKeys(command, SKILL_BOOLEAN_KEYS),
    ...checkModel(command),
    ...checkBodyNotEmpty(command, "error", "write the prompt the command sends"),
    ...checkPositionalArguments(command),
  ];
}
