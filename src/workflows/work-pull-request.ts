/**
 * What a work item shows people: the pull request's title and body, and the issue comment
 * (marker `work`) when an item stops before a pull request. The tech report is built from the
 * item's figures here (`WorkProgress`) by src/reports/ (item-report.ts).
 *
 * Model text (the implementer's summary, the reviewer's findings) is shown as plain text: no
 * HTML, no @-mentions. The plan is shown inside a code fence. None of this carries the issue's
 * own text, and the caller secret-scans every body before anything is posted or pushed.
 */
import path from "node:path";

import type { MeteredCall } from "../reports/usage.js";
import type { SecretFinding } from "../safety/secret-scan.js";
import type { PlanItemData } from "./pipeline-contract.js";
import { fenceFor } from "./triage-prompt.js";
import type { ReviewFinding } from "./work-review.js";

/** The hidden marker of the one work comment per issue (failures that need a person). */
export const WORK_COMMENT_MARKER = "work";

/**
 * `.harness/runs/<item-id>/`, relative to the repository: the item's report and test logs, next
 * to the agent runs' own folders (`resolveRunDir`), whose ids never look like item ids.
 */
export function itemRunFolder(itemId: string): string {
  return path.join(".harness", "runs", itemId);
}

/** The plan is shown in the PR up to this many characters. */
const MAX_PLAN_CHARS = 20_000;
const MAX_SUMMARY_CHARS = 3_000;

export interface AgentRunRecord {
  purpose: "implement" | "fix-tests" | "fix-review";
  status: string;
  summary: string;
  turns: number;
  tokens: number;
  costUsd: number;
  durationMs: number;
  /** The runner and its run id (`.harness/runs/<run-id>/`), and the tokens split as reported. */
  runner?: string;
  runId?: string;
  inputTokens?: number;
  outputTokens?: number;
  cachedTokens?: number;
}

export interface TestRunRecord {
  run: number;
  passed: boolean;
  exitCode: number | undefined;
  timedOut: boolean;
  durationMs: number;
  /** Relative to the repository. */
  logPath: string;
}

export interface ReviewRoundRecord {
  round: number;
  approve: boolean;
  findings: ReviewFinding[];
  /** The round's model calls as metered (a retry after an invalid answer is a second call). */
  usage?: {
    inputTokens: number;
    outputTokens: number;
    cachedTokens: number;
    modelCalls: number;
    ms: number;
  };
}

/** What one item did so far; filled in step by step, read by the reports. */
export interface WorkProgress {
  agentRuns: AgentRunRecord[];
  testRuns: TestRunRecord[];
  reviews: ReviewRoundRecord[];
  tokens: number;
  costUsd: number;
  turns: number;
  startedAt: number;
  /** Every model call of the item through its meter, in order (work-item.ts). */
  calls?: MeteredCall[];
}

export function emptyProgress(startedAt: number): WorkProgress {
  return { agentRuns: [], testRuns: [], reviews: [], tokens: 0, costUsd: 0, turns: 0, startedAt };
}

/** Model text as Markdown that renders no HTML and pings nobody. */
export function plainText(text: string): string {
  return text
    .replace(/[<>]/g, (char) => (char === "<" ? "&lt;" : "&gt;"))
    .replace(/@(?=\w)/g, "@\u200b")
    .trim();
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

function fenced(text: string, info = ""): string {
  const fence = fenceFor(text);
  return `${fence}${info}\n${text}\n${fence}`;
}

/** The plan's `# Title` line, if it has one. */
export function planTitle(plan: string): string | undefined {
  const match = /^#\s+(.+?)\s*$/m.exec(plan);
  return match?.[1]?.replace(/\s*\(part \d+\/\d+\)$/, "").trim() || undefined;
}

/** The body of the plan's `## Risks` section, if it has one. */
export function planRisks(plan: string): string | undefined {
  const lines = plan.split("\n");
  const start = lines.findIndex((line) => /^##\s+risks\b/i.test(line.trim()));
  if (start < 0) return undefined;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => /^#{1,2}\s/.test(line));
  const text = (end < 0 ? rest : rest.slice(0, end)).join("\n").trim();
  return text === "" ? undefined : text;
}

/** One PR per issue branch, so its title stays the issue's across the parts of an epic. */
export function pullRequestTitle(data: PlanItemData, plan: string): string {
  const title = (data.epic ? undefined : planTitle(plan)) ?? data.issueTitle;
  return `${title.replace(/\s+/g, " ").trim()} (#${data.issue})`;
}

/** Closes the issue only on a whole issue or the last part of an epic. */
export function closesIssue(data: PlanItemData): boolean {
  return !data.epic || data.epic.part >= data.epic.parts;
}

export function testsLine(testCommand: string, runs: readonly TestRunRecord[]): string {
  if (testCommand.trim() === "") return "not run: no test command is configured";
  const last = runs.at(-1);
  if (!last) return `${code(testCommand)} was not run`;
  const verdict = last.passed
    ? "passed"
    : last.timedOut
      ? "timed out"
      : `failed (exit code ${last.exitCode ?? "none"})`;
  return `${code(testCommand)} ${verdict} on run ${last.run} of ${runs.length}`;
}

function findingLine(finding: ReviewFinding): string {
  const where = `${finding.file}${finding.line !== undefined ? `:${finding.line}` : ""}`;
  return `- **${finding.severity}** [${finding.angle}] ${code(where)}: ${plainText(finding.message).replace(/\s+/g, " ")}`;
}

function reviewSection(reviews: readonly ReviewRoundRecord[], configuredRounds: number): string[] {
  if (configuredRounds === 0) return ["Review is switched off (`work.reviewRounds: 0`)."];
  const lines = reviews.map((review) => {
    const blocking = review.findings.filter((finding) => finding.severity === "blocking").length;
    const verdict =
      review.approve && blocking === 0 ? "approved" : `changes requested (${blocking} blocking)`;
    return `- Round ${review.round}: ${verdict}, ${review.findings.length} finding(s)`;
  });
  const last = reviews.at(-1);
  if (last && last.findings.length > 0) {
    lines.push("", `Findings of round ${last.round}:`, ...last.findings.map(findingLine));
  }
  return lines;
}

export interface PullRequestBodyInput {
  itemId: string;
  data: PlanItemData;
  plan: string;
  testCommand: string;
  progress: WorkProgress;
  reviewRounds: number;
  reviewBlocked: boolean;
}

export function renderPullRequestBody(input: PullRequestBodyInput): string {
  const { data, progress } = input;
  const summary = progress.agentRuns
    .map((run) => run.summary)
    .filter((text) => text.trim() !== "")
    .at(-1);
  const lines: string[] = [];
  lines.push(
    summary ? plainText(summary).slice(0, MAX_SUMMARY_CHARS) : "(the implementer left no summary)",
    "",
  );
  if (closesIssue(data)) {
    lines.push(
      data.epic
        ? `Closes #${data.issue} (the last of ${data.epic.parts} parts).`
        : `Closes #${data.issue}`,
    );
  } else if (data.epic) {
    lines.push(
      `Part ${data.epic.part} of ${data.epic.parts} of #${data.issue}. This pull request stays a draft until the last part is on the branch.`,
    );
  }
  if (input.testCommand.trim() === "") {
    lines.push(
      "",
      "> [!WARNING]",
      "> **No tests were run.** This project has no test command (`project.testCommand` in " +
        "harness.config.yaml), so nothing checked this change. It is a draft until a person has.",
    );
  }
  if (input.reviewBlocked) {
    lines.push(
      "",
      "> [!WARNING]",
      `> **The reviewer still had blocking findings after ${progress.reviews.length} round(s).** ` +
        "They are listed below; this pull request is a draft until a person has looked.",
    );
  }
  lines.push("", "## Tests", "", `- ${testsLine(input.testCommand, progress.testRuns)}`);
  lines.push("", "## Review", "", ...reviewSection(progress.reviews, input.reviewRounds));
  const plan =
    input.plan.length > MAX_PLAN_CHARS
      ? `${input.plan.slice(0, MAX_PLAN_CHARS)}\n[... the rest of the plan is in the queue item]`
      : input.plan;
  lines.push(
    "",
    "## Plan",
    "",
    `<details><summary>Ground plan (queue item ${code(input.itemId)})</summary>`,
    "",
    fenced(plan.trim() === "" ? "(empty)" : plan, "markdown"),
    "",
    "</details>",
    "",
    "<sub>Opened by harness; the tech report is in a comment below. Reruns update this pull " +
      "request in place.</sub>",
  );
  return lines.join("\n");
}

/** The issue comment when the tests kept failing: no output, only where a person finds it. */
export function renderTestsFailedComment(input: {
  itemId: string;
  testCommand: string;
  runs: readonly TestRunRecord[];
  worktree: string;
}): string {
  const last = input.runs.at(-1);
  return [
    "**harness could not finish this issue: the tests kept failing.**",
    "",
    `${testsLine(input.testCommand, input.runs)}; the implementer had a fix round between runs.`,
    "Nothing was pushed and no pull request was opened.",
    "",
    `The worktree is kept at ${code(input.worktree)} on the machine that ran it, with the output of each test run under ${code(itemRunFolder(input.itemId))}${last ? ` (last: ${code(path.basename(last.logPath))})` : ""}.`,
    `After fixing the cause, \`harness queue retry ${input.itemId}\` runs the item again on the same branch.`,
    "",
    "<sub>Written by harness work; it is updated in place.</sub>",
  ].join("\n");
}

/** The issue comment when the diff holds a secret: rule and file, never the value. */
export function renderSecretFoundComment(input: {
  itemId: string;
  findings: readonly SecretFinding[];
  worktree: string;
}): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const finding of input.findings) {
    const where = `${finding.file}${finding.line !== undefined ? `:${finding.line}` : ""}`;
    const line = `- rule ${code(finding.rule)} in ${code(where)}`;
    if (!seen.has(line)) lines.push(line);
    seen.add(line);
  }
  return [
    "**harness stopped before pushing: the change looks like it holds a secret.**",
    "",
    ...lines.slice(0, 20),
    "",
    `Nothing was pushed and no pull request was opened. The worktree is kept at ${code(input.worktree)} for a person to check; if a real secret is there, remove it and rotate it.`,
    "",
    "<sub>Written by harness work; it is updated in place.</sub>",
  ].join("\n");
}
