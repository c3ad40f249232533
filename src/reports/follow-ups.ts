/**
 * Follow-ups filed as issues (`reports.fileFollowUps`): the reporter's follow-ups marked as
 * their own work (it reads the reviewer's findings too) become new issues labelled
 * `harness:follow-up`, each linking the issue (and pull request) it came from.
 *
 * Never twice: each finding's marker is a hash of the original issue and the follow-up's title,
 * and the tracker looks for an issue with that marker before filing (`createIssue`), so a
 * regenerated report, a redelivered item or two workers file it once. A follow-up whose text
 * the secret scan flags is not filed.
 */
import { createHash } from "node:crypto";

import type { EventSink } from "../events.js";
import { scanText } from "../safety/secret-scan.js";
import type { Tracker } from "../tracker/types.js";
import { plainText } from "../workflows/work-pull-request.js";

import { FOLLOW_UP_LABEL } from "../workflows/triage-comment.js";

export { FOLLOW_UP_LABEL };

export interface FollowUp {
  title: string;
  why: string;
}

/** `follow-up-<12 hex>` from the issue and the title (case and spacing ignored). */
export function followUpMarker(issue: number, title: string): string {
  const normalized = title.toLowerCase().replace(/\s+/g, " ").trim();
  const hash = createHash("sha256").update(`${issue}\n${normalized}`).digest("hex");
  return `follow-up-${hash.slice(0, 12)}`;
}

export function renderFollowUpBody(input: {
  issue: number;
  pullRequest?: number;
  why: string;
}): string {
  const from =
    input.pullRequest !== undefined
      ? `#${input.issue} (pull request #${input.pullRequest})`
      : `#${input.issue}`;
  return [
    `Found while harness worked on ${from}.`,
    "",
    plainText(input.why),
    "",
    "<sub>Filed by harness (`reports.fileFollowUps`) from the tech report's follow-ups; it is " +
      "filed once, however often the report is regenerated.</sub>",
  ].join("\n");
}

/**
 * Files each follow-up once; returns the issue number per follow-up title. A tracker failure
 * is a warning, never the item's failure.
 */
export async function fileFollowUps(input: {
  tracker: Tracker;
  issue: number;
  pullRequest?: number;
  followUps: readonly FollowUp[];
  events?: EventSink;
}): Promise<Map<string, number>> {
  const filed = new Map<string, number>();
  for (const followUp of input.followUps) {
    const title = plainText(followUp.title).replace(/\s+/g, " ").trim().slice(0, 120);
    if (title === "") continue;
    const body = renderFollowUpBody({
      issue: input.issue,
      ...(input.pullRequest !== undefined ? { pullRequest: input.pullRequest } : {}),
      why: followUp.why,
    });
    if (scanText("follow-up.md", `${title}\n${body}`).length > 0) {
      input.events?.emit({
        type: "warning-raised",
        message: `a follow-up of issue #${input.issue} looks like it holds a secret; it was not filed`,
      });
      continue;
    }
    try {
      const created = await input.tracker.createIssue({
        title,
        body,
        labels: [FOLLOW_UP_LABEL],
        marker: followUpMarker(input.issue, title),
      });
      filed.set(followUp.title, created.issue.number);
    } catch (error) {
      input.events?.emit({
        type: "warning-raised",
        message: `could not file a follow-up of issue #${input.issue}: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  return filed;
}
