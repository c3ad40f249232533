/**
 * The triager's answer: the verdicts it may give, the zod schema a model answer must pass (and
 * the JSON schema sent as `responseSchema`), and the tracker labels each verdict maps to.
 */
import { z } from "zod";

import type { ResponseSchema } from "../models/model-client.js";

export const triageVerdicts = [
  "valid",
  "needs-info",
  "duplicate",
  "already-fixed",
  "out-of-scope",
  "unsafe",
] as const;

export type TriageVerdictName = (typeof triageVerdicts)[number];

export const triageVerdictSchema = z.strictObject({
  verdict: z.enum(triageVerdicts),
  duplicateOf: z.number().int().positive().optional(),
  reasons: z.array(z.string().min(1).max(500)).min(1).max(8),
  confidence: z.number().min(0).max(1),
  evidence: z.array(z.string().min(1).max(300)).max(12),
});

export type TriageVerdict = z.infer<typeof triageVerdictSchema>;

/** Sent with every triage request; built once, so the request stays byte-stable. */
export const triageResponseSchema: ResponseSchema = {
  name: "triage_verdict",
  schema: z.toJSONSchema(triageVerdictSchema) as Record<string, unknown>,
};

/** The label each verdict sets; the six form one exclusive group. */
export function verdictLabel(verdict: TriageVerdictName): string {
  return `harness:${verdict}`;
}

export const verdictLabelGroup: readonly string[] = triageVerdicts.map(verdictLabel);

/** Label colours, so a person tells the verdicts apart in the issue list. */
export const verdictLabelColors: Record<TriageVerdictName, string> = {
  valid: "0e8a16",
  "needs-info": "fbca04",
  duplicate: "cfd3d7",
  "already-fixed": "c2e0c6",
  "out-of-scope": "e4e669",
  unsafe: "b60205",
};

/** A zero count per verdict, for summaries. */
export function emptyVerdictCounts(): Record<TriageVerdictName, number> {
  return Object.fromEntries(triageVerdicts.map((verdict) => [verdict, 0])) as Record<
    TriageVerdictName,
    number
  >;
}
