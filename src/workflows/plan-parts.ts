/**
 * What is kept of the planner's answer, and how a big plan becomes an epic. Paths are checked
 * against the repository (a file must be tracked or marked new; nothing outside the repository
 * or under `.git/` or `.harness/`), and a plan listing more files than `plan.splitAboveFiles`
 * is cut into file-level parts that are worked one after another on the one branch.
 */
import path from "node:path";

import type { PlanAnswer, PlanFile, PlanStep, PlanTest } from "./plan-schema.js";

/**
 * The repository-relative POSIX form of `candidate`, or undefined when it points outside the
 * repository or into `.git/` or `.harness/`.
 */
export function repositoryPath(candidate: string): string | undefined {
  const slashed = candidate.trim().replace(/\\/g, "/");
  if (slashed === "" || slashed.startsWith("/") || /^[A-Za-z]:/.test(slashed)) return undefined;
  const normal = path.posix.normalize(slashed).replace(/^(\.\/)+/, "");
  if (normal === "." || normal === ".." || normal.startsWith("../")) return undefined;
  if (normal.endsWith("/")) return undefined;
  const top = normal.split("/")[0];
  if (top === ".git" || top === ".harness") return undefined;
  return normal;
}

/** Which of the planner's files were dropped, and why, for a warning. */
export interface DroppedPath {
  path: string;
  reason: "outside the repository" | "not tracked and not marked new";
}

/**
 * The answer with its paths made repository-relative: files that are neither tracked nor marked
 * new, or that lie outside the repository, are dropped (the first entry of a path wins); tests
 * whose file lies outside the repository are dropped too.
 */
export function keepRepositoryFiles(
  answer: PlanAnswer,
  tracked: ReadonlySet<string>,
): { answer: PlanAnswer; dropped: DroppedPath[] } {
  const dropped: DroppedPath[] = [];
  const files: PlanFile[] = [];
  const seen = new Set<string>();
  for (const file of answer.files) {
    const relative = repositoryPath(file.path);
    if (relative === undefined) {
      dropped.push({ path: file.path, reason: "outside the repository" });
    } else if (!tracked.has(relative) && file.new !== true) {
      dropped.push({ path: file.path, reason: "not tracked and not marked new" });
    } else if (!seen.has(relative)) {
      seen.add(relative);
      const isNew = !tracked.has(relative);
      files.push({ path: relative, change: file.change, ...(isNew ? { new: true } : {}) });
    }
  }
  const tests: PlanTest[] = [];
  for (const test of answer.tests) {
    const relative = repositoryPath(test.file);
    if (relative !== undefined) tests.push({ ...test, file: relative });
  }
  return { answer: { ...answer, files, tests }, dropped };
}

/** One part of a plan: all of it for a small plan, a slice of the files for an epic. */
export interface PlanPart {
  /** 1-based; 1 of 1 for a plan that was not split. */
  part: number;
  parts: number;
  files: PlanFile[];
  steps: PlanStep[];
  tests: PlanTest[];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The index of the first part whose files the step names: by full path, or by a file name that
 * only one file of the plan has. Undefined when it names none.
 */
function partOfStep(step: PlanStep, partOfFile: ReadonlyMap<string, number>): number | undefined {
  const text = `${step.text}\n${step.check}`;
  const names = new Map<string, number>();
  for (const file of partOfFile.keys()) {
    const base = path.posix.basename(file);
    names.set(base, (names.get(base) ?? 0) + 1);
  }
  let first: number | undefined;
  for (const [file, part] of partOfFile) {
    const base = path.posix.basename(file);
    const byPath = text.includes(file);
    const byName =
      names.get(base) === 1 &&
      new RegExp(`(^|[^\\w./-])${escapeRegExp(base)}(?![\\w/-])`).test(text);
    if ((byPath || byName) && (first === undefined || part < first)) first = part;
  }
  return first;
}

/**
 * The plan as parts of at most `maxFiles` files each, in the planner's file order; one part when
 * it lists no more than `maxFiles`. A step goes with the first part whose files it names (part 1
 * when it names none); a test goes with the part that touches its file, else the last part.
 */
export function splitPlan(answer: PlanAnswer, maxFiles: number): PlanPart[] {
  const size = Math.max(1, maxFiles);
  if (answer.files.length <= size) {
    return [{ part: 1, parts: 1, files: answer.files, steps: answer.steps, tests: answer.tests }];
  }
  const count = Math.ceil(answer.files.length / size);
  const parts: PlanPart[] = Array.from({ length: count }, (_, index) => ({
    part: index + 1,
    parts: count,
    files: answer.files.slice(index * size, (index + 1) * size),
    steps: [],
    tests: [],
  }));
  const partOfFile = new Map<string, number>();
  parts.forEach((part, index) => {
    for (const file of part.files) partOfFile.set(file.path, index);
  });
  for (const step of answer.steps) {
    parts[partOfStep(step, partOfFile) ?? 0]!.steps.push(step);
  }
  for (const test of answer.tests) {
    parts[partOfFile.get(test.file) ?? count - 1]!.tests.push(test);
  }
  return parts;
}
