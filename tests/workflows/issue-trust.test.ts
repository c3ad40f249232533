/**
 * Who harness works for: trusted author associations, allow-listed logins and the approval
 * label; follow-up issues harness filed itself (with its own token, so from a trusted
 * association) wait for the approval label like anyone else's.
 */
import { describe, expect, it } from "vitest";

import { defaultConfig } from "../../src/config/schema.js";
import type { TrackedIssue } from "../../src/tracker/types.js";
import { FOLLOW_UP_LABEL, isTrustedIssue } from "../../src/workflows/triage-comment.js";

const trust = defaultConfig().trust;

function issue(overrides: Partial<TrackedIssue>): TrackedIssue {
  return {
    number: 1,
    title: "t",
    body: "",
    state: "open",
    labels: [],
    author: "someone",
    authorAssociation: "NONE",
    createdAt: "2026-11-22T00:00:00Z",
    updatedAt: "2026-11-22T00:00:00Z",
    isPullRequest: false,
    ...overrides,
  };
}

describe("isTrustedIssue", () => {
  it("trusts the configured associations, allow-listed logins and the approval label", () => {
    expect(isTrustedIssue(issue({ authorAssociation: "MEMBER" }), trust)).toBe(true);
    expect(isTrustedIssue(issue({}), trust)).toBe(false);
    expect(isTrustedIssue(issue({ author: "Ada" }), { ...trust, allowUsers: ["ada"] })).toBe(true);
    expect(isTrustedIssue(issue({ labels: [trust.approvalLabel] }), trust)).toBe(true);
  });

  it("makes harness's own follow-ups wait for the approval label", () => {
    const followUp = issue({ authorAssociation: "OWNER", labels: [FOLLOW_UP_LABEL] });
    expect(isTrustedIssue(followUp, trust)).toBe(false);
    expect(
      isTrustedIssue({ ...followUp, labels: [FOLLOW_UP_LABEL, trust.approvalLabel] }, trust),
    ).toBe(true);
  });
});
