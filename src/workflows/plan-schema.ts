/**
 * The planner's answer: the zod schema a model answer must pass, and the JSON schema sent as
 * `responseSchema`. Limits are generous where a model tends to run long (the title is shortened
 * afterwards rather than rejected) and firm where the pipeline relies on the shape.
 */
import { z } from "zod";

import type { ResponseSchema } from "../models/model-client.js";
import { grammarSafeResponseSchema } from "./structured-answer.js";
import { planSizes } from "./pipeline-contract.js";

const text = (max: number) => z.string().trim().min(1).max(max);

export const planAnswerSchema = z.strictObject({
  title: text(200).describe("What the change does, imperative mood, under 70 characters."),
  goal: text(2000).describe("The outcome in two to four sentences, observable from outside."),
  background: text(4000).describe(
    "The problem in your own words, with path:line evidence; never copy the issue text.",
  ),
  files: z
    .array(
      z.strictObject({
        path: text(300).describe("Repository-relative path, as in the list of tracked files."),
        change: text(1000).describe("What changes in this file."),
        new: z.boolean().optional().describe("true when the file does not exist yet."),
      }),
    )
    .min(1)
    .max(60),
  steps: z
    .array(
      z.strictObject({
        text: text(1500).describe("The change, naming the files it touches by path."),
        check: text(600).describe("How to check this step is done."),
      }),
    )
    .min(1)
    .max(30),
  tests: z
    .array(
      z.strictObject({
        file: text(300),
        case: text(300).describe("The test case's name and what it asserts."),
        failsBefore: z.boolean().describe("true when it fails before the change."),
      }),
    )
    .max(20),
  risks: z.array(text(600)).max(10),
  outOfScope: z.array(text(600)).max(10),
  size: z.enum(planSizes).describe("s: an hour, m: a day, l: more than one worker should take."),
});

export type PlanAnswer = z.infer<typeof planAnswerSchema>;
export type PlanFile = PlanAnswer["files"][number];
export type PlanStep = PlanAnswer["steps"][number];
export type PlanTest = PlanAnswer["tests"][number];

/** Sent with every plan request; built once, so the request stays byte-stable. */
export const planResponseSchema: ResponseSchema = grammarSafeResponseSchema(
  "ground_plan",
  planAnswerSchema,
);

/** The longest title kept; longer ones are cut at a word. */
export const MAX_TITLE_CHARS = 69;

/** The title as one line under 70 characters, cut at a word boundary when it is longer. */
export function shortenTitle(title: string): string {
  const line = title.replace(/\s+/g, " ").trim();
  if (line.length <= MAX_TITLE_CHARS) return line;
  const cut = line.slice(0, MAX_TITLE_CHARS);
  const space = cut.lastIndexOf(" ");
  return (space > 20 ? cut.slice(0, space) : cut).replace(/[\s,.;:-]+$/, "");
}
