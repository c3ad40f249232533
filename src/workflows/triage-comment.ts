/**
 * What triage shows on the tracker: the trust decision and the verdict comment. The comment
 * never carries the issue's text: reasons that quote it are replaced, evidence is kept only when
 * it names a tracked file, and the finished body is secret-scanned before anyone posts it.
 */
import type { HarnessConfig } from "../config/schema.js";
import { scanText, type SecretFinding } from "../safety/secret-scan.js";
import type { TrackedIssue } from "../tracker/types.js";
import type { TriageVerdict } from "./triage-verdict.js";

/** The hidden marker of the one triage comment per issue. */
export const TRIAGE_COMMENT_MARKER = "triage";

/** The label on issues harness itself filed (reviewer and reporter follow-ups). */
export const FOLLOW_UP_LABEL = "harness:follow-up";

/**
 * Whether harness may later plan and work this issue: a trusted author association, an
 * allow-listed login, or the approval label a maintainer adds. Triage runs for everyone.
 * Follow-ups harness filed itself carry its own token's association, so they wait for the
 * approval label: otherwise findings would turn into work with no person deciding.
 */
export function isTrustedIssue(issue: TrackedIssue, trust: HarnessConfig["trust"]): boolean {
  const approved = trust.approvalLabel !== "" && issue.labels.includes(trust.approvalLabel);
  if (issue.labels.includes(FOLLOW_UP_LABEL)) return approved;
  const associations: readonly string[] = trust.authorAssociations;
  if (associations.includes(issue.authorAssociation)) return true;
  const login = issue.author.toLowerCase();
  if (trust.allowUsers.some((user) => user.toLowerCase() === login)) return true;
  return approved;
}

const QUOTE_WINDOW_WORDS = 6;

function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
}

/** True when `item` repeats a run of six or more words of the issue's text. */
export function quotesIssueText(item: string, issue: TrackedIssue): boolean {
  const source = ` ${words(`${issue.title}\n${issue.body}`).join(" ")} `;
  const own = words(item);
  for (let start = 0; start + QUOTE_WINDOW_WORDS <= own.length; start++) {
    const window = own.slice(start, start + QUOTE_WINDOW_WORDS).join(" ");
    if (source.includes(` ${window} `)) return true;
  }
  return false;
}

/** One line of Markdown, with nothing that pings people or renders as HTML. */
function plainLine(text: string): string {
  return text
    .replace(/\s+/g, " ")
    .replace(/[<>]/g, (char) => (char === "<" ? "&lt;" : "&gt;"))
    .replace(/@(?=\w)/g, "@\u200b")
    .trim();
}

/** Evidence that names a tracked file as `path:line`; anything else is dropped. */
export function keepEvidence(evidence: readonly string[], tracked: ReadonlySet<string>): string[] {
  const kept: string[] = [];
  for (const item of evidence) {
    const match = /^([^\s:`]+):(\d+)\b/.exec(item.trim());
    if (match?.[1] && match[2] && tracked.has(match[1])) kept.push(`${match[1]}:${match[2]}`);
  }
  return [...new Set(kept)];
}

export function renderTriageComment(options: {
  issue: TrackedIssue;
  verdict: TriageVerdict;
  evidence: readonly string[];
  trusted: boolean;
}): string {
  const { verdict, issue } = options;
  const reasons = verdict.reasons.map((reason) =>
    quotesIssueText(reason, issue) ? "(a reason that quoted the issue was left out)" : reason,
  );
  const headline =
    verdict.verdict === "duplicate" && verdict.duplicateOf !== undefined
      ? `**Triage verdict: duplicate** of #${verdict.duplicateOf}`
      : `**Triage verdict: ${verdict.verdict}**`;
  const lines = [
    `${headline} (confidence ${verdict.confidence.toFixed(2)})`,
    "",
    "Reasons:",
    ...reasons.map((reason) => `- ${plainLine(reason)}`),
    "",
    "Evidence:",
    ...(options.evidence.length > 0
      ? options.evidence.map((item) => `- \`${item}\``)
      : ["- none in the code"]),
    "",
    options.trusted
      ? "The author is trusted: a valid issue may be planned automatically."
      : "The author is not in the trusted list: harness triages this issue but does not work on it unless a maintainer approves it.",
    "",
    "<sub>Written by harness triage; it is updated in place when the issue changes.</sub>",
  ];
  return lines.join("\n");
}

/** Findings that forbid posting `body`. */
export function scanComment(body: string): SecretFinding[] {
  return scanText("triage-comment.md", body);
}
