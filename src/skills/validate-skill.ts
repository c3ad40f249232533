/**
 * The rules for `.claude/skills/<folder>/SKILL.md`: the portable Agent Skills rules for name and
 * description, plus what Claude Code reads.
 */
import type { Diagnostic } from "../diagnostics.js";
import {
  checkBodyNotEmpty,
  checkBooleanKeys,
  checkDescription,
  checkModel,
  checkUnknownKeys,
  keyDiagnostic,
  type CheckedFile,
} from "./frontmatter-checks.js";
import { checkLocalLinks } from "./body-checks.js";
import {
  SKILL_BODY_MAX_LINES,
  SKILL_BOOLEAN_KEYS,
  SKILL_KEYS,
  SKILL_KEY_ALIASES,
  SKILL_NAME_MAX_LENGTH,
} from "./known-fields.js";

/** A skill file and where it sits: `folder` is its folder's name, `folderPath` the absolute path. */
export interface SkillUnderCheck extends CheckedFile {
  folder: string;
  folderPath: string;
}

/** Why a skill name breaks the portable rules, or undefined when it is fine. */
export function skillNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > SKILL_NAME_MAX_LENGTH) {
    return `must be 1-${SKILL_NAME_MAX_LENGTH} characters (it has ${name.length})`;
  }
  if (/[^a-z0-9-]/.test(name)) return "may hold only lowercase letters, digits and hyphens";
  if (name.startsWith("-") || name.endsWith("-")) return "must not start or end with a hyphen";
  if (name.includes("--")) return "must not contain two hyphens in a row";
  return undefined;
}

function checkSkillName(skill: SkillUnderCheck): Diagnostic[] {
  const name = skill.document.frontmatter.name;
  if (name === undefined || name === null) {
    return [
      {
        severity: "error",
        file: skill.file,
        line: 1,
        rule: "skill-name-missing",
        message: "no name in the frontmatter",
        hint: `add name: ${skill.folder} (the folder's name)`,
      },
    ];
  }
  if (typeof name !== "string") {
    return [
      keyDiagnostic(skill, "name", {
        severity: "error",
        rule: "skill-name-format",
        message: `the name must be text, got ${JSON.stringify(name)}`,
        hint: `write name: ${skill.folder}`,
      }),
    ];
  }
  const diagnostics: Diagnostic[] = [];
  const problem = skillNameProblem(name);
  if (problem) {
    diagnostics.push(
      keyDiagnostic(skill, "name", {
        severity: "error",
        rule: "skill-name-format",
        message: `the name "${name}" ${problem}`,
        hint: "use lowercase words joined by single hyphens, e.g. review-pull-request",
      }),
    );
  }
  if (/claude|anthropic/i.test(name)) {
    diagnostics.push(
      keyDiagnostic(skill, "name", {
        severity: "error",
        rule: "skill-name-reserved",
        message: `the name "${name}" contains a reserved word ("claude" or "anthropic")`,
        hint: "name the skill after what it does",
      }),
    );
  }
  if (name !== skill.folder) {
    diagnostics.push(
      keyDiagnostic(skill, "name", {
        severity: "error",
        rule: "skill-name-mismatch",
        message: `the name "${name}" differs from its folder "${skill.folder}"`,
        hint: "rename the folder or change the name so they are equal",
      }),
    );
  }
  return diagnostics;
}

function checkBodyLength(skill: SkillUnderCheck): Diagnostic[] {
  const lineCount = skill.document.body.trimEnd().split("\n").length;
  if (lineCount <= SKILL_BODY_MAX_LINES) return [];
  return [
    {
      severity: "warning",
      file: skill.file,
      line: skill.document.bodyStartLine + SKILL_BODY_MAX_LINES,
      rule: "skill-body-long",
      message: `the body is ${lineCount} lines; keep it under ${SKILL_BODY_MAX_LINES}`,
      hint: "move detail into references/*.md files and link to them, so it loads only when needed",
    },
  ];
}

export function validateSkill(skill: SkillUnderCheck): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  if (!skill.document.hasFrontmatter) {
    diagnostics.push({
      severity: "error",
      file: skill.file,
      line: 1,
      rule: "frontmatter-missing",
      message: "SKILL.md has no frontmatter, so the skill has no name or description",
      hint: `start the file with ---, name: ${skill.folder}, description: <what and when>, ---`,
    });
  } else {
    diagnostics.push(
      ...checkSkillName(skill),
      ...checkDescription(
        skill,
        "error",
        "add description: what the skill does and when to use it (the model decides from this)",
      ),
      ...checkUnknownKeys(skill, SKILL_KEYS, SKILL_KEY_ALIASES, "skill"),
      ...checkBooleanKeys(skill, SKILL_BOOLEAN_KEYS),
      ...checkModel(skill),
    );
  }
  diagnostics.push(
    ...checkBodyNotEmpty(
      skill,
      "error",
      "write the instructions the model follows when it uses the skill",
    ),
    ...checkBodyLength(skill),
    ...checkLocalLinks(skill, skill.folderPath),
  );
  return diagnostics;
}
