/**
 * The triager's answer: the verdicts it may give, the zod schema a model answer must pass (and
 * the JSON schema sent as `responseSchema`), and the tracker labels each verdict maps to.
 */
import { z } from "zod";

import type { ResponseSchema } from "../models/model-client.js";
import { grammarSafeResponseSchema } from "./structured-answer.js";

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

/**
 * The schema an answer is checked with: `triageVerdictSchema`, reading the two numbers a grammar
 * cannot bound leniently. llama.cpp's JSON-schema grammars (the embedded backend, llama-server)
 * enforce types, enums, lengths and item counts but not `minimum`/`maximum`, so a small local
 * model may write a confidence of 85 or fill `duplicateOf` for another verdict; neither should
 * cost the verdict. A confidence above 1 (up to 100) is read as a percentage, and any
 * confidence is clamped to 0..1; `duplicateOf` is dropped unless the verdict is duplicate.
 * Everything else must match the schema as it is.
 */
export const lenientTriageVerdictSchema = z.preprocess(
  normalizeVerdictNumbers,
  triageVerdictSchema,
);

function normalizeVerdictNumbers(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const answer: Record<string, unknown> = { ...value };
  if (answer["verdict"] !== "duplicate") delete answer["duplicateOf"];
  const confidence = answer["confidence"];
  if (typeof confidence === "number" && !Number.isNaN(confidence)) {
    const share = confidence > 1 && confidence <= 100 ? confidence / 100 : confidence;
    answer["confidence"] = Math.min(1, Math.max(0, share));
  }
  return answer;
}

/** Sent with every triage request; built once, so the request stays byte-stable. */
export const triageResponseSchema: ResponseSchema = grammarSafeResponseSchema(
  "triage_verdict",
  triageVerdictSchema,
);

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
