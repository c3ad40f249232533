/**
 * What a plan looks like to people: the queue item's body (the ground plan in the format of
 * `.claude/skills/plan-issue/references/plan-format.md`, without the frontmatter, which is the
 * queue's) and the one plan comment on the issue (a short summary, or the epic's checklist).
 *
 * The model wrote the text, so it is kept in its sections: a line of it cannot start a heading
 * of its own, and list items are one line each. The comment never carries the issue's text: a
 * goal or test name that quotes it is left out, and the caller secret-scans the result.
 */
import type { TrackedIssue } from "../tracker/types.js";
import type { PlanPart } from "./plan-parts.js";
import type { PlanAnswer, PlanFile, PlanTest } from "./plan-schema.js";
import { quotesIssueText } from "./triage-comment.js";

/** Model text as paragraphs that cannot open a Markdown heading or close the document. */
function paragraphs(text: string): string {
  return text
    .trim()
    .split("\n")
    .map((line) => line.replace(/^(\s*)(#|---|===)/, "$1\\$2"))
    .join("\n");
}

/** Model text on one Markdown line. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** One line for a comment: nothing that pings people or renders as HTML. */
function commentLine(text: string): string {
  return oneLine(text)
    .replace(/[<>]/g, (char) => (char === "<" ? "&lt;" : "&gt;"))
    .replace(/@(?=\w)/g, "@\u200b");
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

function fileLine(file: PlanFile): string {
  return `- ${code(file.path)}${file.new ? " *(new)*" : ""}: ${oneLine(file.change)}`;
}

function testLine(test: PlanTest): string {
  const proof = test.failsBefore
    ? "fails before the change, passes after"
    : "passes before and after (guards behaviour that must not change)";
  return `- ${code(test.file)} › ${oneLine(test.case)}: ${proof}.`;
}

function bullets(items: readonly string[], none: string): string {
  return items.length > 0 ? items.map((item) => `- ${oneLine(item)}`).join("\n") : `- ${none}`;
}

export interface PlanBodyInput {
  issue: number;
  /** The item's title (with "(part k/K)" for a part). */
  title: string;
  answer: PlanAnswer;
  part: PlanPart;
  /** Every part, to say what the others cover. */
  allParts: readonly PlanPart[];
  branch: string;
  /** `project.testCommand`; "" when the config has none. */
  testCommand: string;
}

/** The ground plan of one queue item, in the plan format's sections and order. */
export function renderPlanBody(input: PlanBodyInput): string {
  const { answer, part } = input;
  const epic = part.parts > 1;
  const goal = [paragraphs(answer.goal)];
  if (epic) {
    goal.push(
      `This is part ${part.part} of ${part.parts} of the plan for issue #${input.issue}. ` +
        `All parts are worked one after another on the branch ${code(input.branch)}` +
        (part.part > 1 ? `; part ${part.part - 1} is done before this one starts.` : "."),
    );
  }
  const steps =
    part.steps.length > 0
      ? part.steps
          .map(
            (step, index) =>
              `${index + 1}. ${oneLine(step.text)}\n   Check: ${oneLine(step.check)}`,
          )
          .join("\n")
      : "1. Make the changes listed under Files to touch.\n   Check: the tests below and the full suite pass.";
  const tests = part.tests.map(testLine);
  if (tests.length === 0) {
    tests.push(
      epic
        ? "- No test belongs to this part; run the full suite to show nothing broke."
        : "- The planner named no test: add one that fails before the change.",
    );
  }
  tests.push(
    input.testCommand === ""
      ? "- Run the project's test suite; run the files above on their own while iterating."
      : `- Run ${code(input.testCommand)}; run the files above on their own while iterating.`,
  );
  const outOfScope = answer.outOfScope.map(oneLine);
  if (epic) {
    for (const other of input.allParts) {
      if (other.part === part.part) continue;
      const files = other.files.map((file) => code(file.path)).join(", ");
      outOfScope.push(`Part ${other.part} of ${other.parts}: ${files}.`);
    }
  }
  return [
    `# ${oneLine(input.title)}`,
    "## Goal",
    goal.join("\n\n"),
    "## Background",
    paragraphs(answer.background),
    "## Files to touch",
    part.files.map(fileLine).join("\n"),
    "## Steps",
    steps,
    "## Tests that prove it",
    tests.join("\n"),
    "## Risks",
    bullets(answer.risks, "None identified."),
    "## Out of scope",
    bullets(outOfScope, "Anything the goal does not name."),
  ]
    .join("\n\n")
    .concat("\n");
}

const FOOTER = "<sub>Written by harness plan; it is updated in place when the plan changes.</sub>";

function goalLine(answer: PlanAnswer, issue: TrackedIssue): string {
  return quotesIssueText(answer.goal, issue)
    ? "(the goal quoted the issue and is left out here; the plan in the queue has it)"
    : commentLine(answer.goal);
}

/** The plan comment of a plan that was not split: goal, files, tests and size. */
export function renderPlanComment(options: {
  issue: TrackedIssue;
  answer: PlanAnswer;
  itemId: string;
  branch: string;
}): string {
  const { answer, issue } = options;
  const tests = answer.tests
    .filter((test) => !quotesIssueText(test.case, issue))
    .map((test) => `- ${code(test.file)} › ${commentLine(test.case)}`);
  return [
    `**Ground plan ready** (size ${answer.size}): ${code(options.itemId)} in the work queue, to be worked on the branch ${code(options.branch)}.`,
    "",
    `Goal: ${goalLine(answer, issue)}`,
    "",
    "Files:",
    ...answer.files.map((file) => `- ${code(file.path)}${file.new ? " (new)" : ""}`),
    "",
    "Tests:",
    ...(tests.length > 0 ? tests : ["- none named"]),
    "",
    FOOTER,
  ].join("\n");
}

/** The epic's one comment: the goal and a checklist of its parts. */
export function renderEpicComment(options: {
  issue: TrackedIssue;
  answer: PlanAnswer;
  parts: readonly PlanPart[];
  branch: string;
}): string {
  const { answer, issue, parts } = options;
  return [
    `**Ground plan ready as an epic of ${parts.length} parts** (size ${answer.size}), worked one after another on the branch ${code(options.branch)}: one pull request for the issue.`,
    "",
    `Goal: ${goalLine(answer, issue)}`,
    "",
    ...parts.map(
      (part) => `- [ ] part ${part.part}: ${part.files.map((file) => code(file.path)).join(", ")}`,
    ),
    "",
    FOOTER,
  ].join("\n");
}
