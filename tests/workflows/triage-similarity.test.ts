/**
 * The text similarity triage ranks related issues and pull requests with: terms (split
 * identifiers, stop words out, light stemming), rare shared words outranking common ones, the
 * bonus, the limit, and ties broken by number.
 */
import { describe, expect, it } from "vitest";

import {
  createSimilarityIndex,
  rankBySimilarity,
  textTerms,
} from "../../src/workflows/triage-similarity.js";

interface Doc {
  number: number;
  text: string;
}

function rank(docs: Doc[], query: string, options: { limit?: number; bonus?: number[] } = {}) {
  const index = createSimilarityIndex(docs, (doc) => doc.text);
  return rankBySimilarity(index, textTerms(query), {
    limit: options.limit ?? 10,
    ...(options.bonus
      ? { bonus: (doc: Doc) => (options.bonus!.includes(doc.number) ? 1 : 0) }
      : {}),
  }).map(({ item }) => item.number);
}

describe("textTerms", () => {
  it("splits identifiers, drops stop words and short words, and strips common suffixes", () => {
    expect([...textTerms("The cartTotal FAILS when updating user_name; it failed again")]).toEqual([
      "cart",
      "total",
      "fail",
      "updat",
      "user",
      "name",
    ]);
    expect(textTerms("updates updated updating update")).toEqual(new Set(["updat"]));
    expect(textTerms("crashes crash boxes box")).toEqual(new Set(["crash", "box"]));
    expect(textTerms("Issues: please, thanks!")).toEqual(new Set());
  });
});

describe("rankBySimilarity", () => {
  const docs: Doc[] = [
    { number: 1, text: "Login page crashes on submit" },
    { number: 2, text: "Page title is wrong" },
    { number: 3, text: "Crash when the login form is submitted twice" },
    { number: 4, text: "Dark mode" },
  ];

  it("ranks by shared rare words, leaves out documents that share none", () => {
    expect(rank(docs, "submitting the login form crashes the page")).toEqual([3, 1, 2]);
  });

  it("puts a bonus first, keeps the limit, and breaks ties by number", () => {
    expect(rank(docs, "login crash", { bonus: [4], limit: 2 })).toEqual([4, 1]);
    const twins: Doc[] = [
      { number: 9, text: "cart total" },
      { number: 5, text: "cart total" },
    ];
    expect(rank(twins, "cart total")).toEqual([5, 9]);
  });
});
