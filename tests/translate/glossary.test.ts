/** The glossary file, the entries a chunk gets, and the checks on translated text. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import {
  checkGlossary,
  glossaryEntriesIn,
  glossaryFor,
  loadGlossary,
  parseGlossary,
} from "../../src/translate/glossary.js";

const glossary = parseGlossary(`
keep: [Lablup, Backend.AI, AI]
translations:
  ko:
    compute session: 연산 세션
  pt:
    session: sessão
`);

describe("glossary", () => {
  it("reads kept terms and per-language tables, matching a region to its language", () => {
    expect(glossaryFor(glossary, "ko")).toEqual({
      keep: ["Lablup", "Backend.AI", "AI"],
      fixed: [["compute session", "연산 세션"]],
    });
    expect(glossaryFor(glossary, "pt-BR").fixed).toEqual([["session", "sessão"]]);
    expect(glossaryFor(glossary, "de").fixed).toEqual([]);
  });

  it("lists only the entries that occur in the text, as whole words", () => {
    const ko = glossaryFor(glossary, "ko");
    expect(glossaryEntriesIn("Start a Compute Session on Backend.AI.", ko)).toEqual([
      { kind: "keep", term: "Backend.AI" },
      { kind: "keep", term: "AI" },
      { kind: "fixed", source: "compute session", target: "연산 세션" },
    ]);
    // Not inside a longer word ("MAIN"); kept terms are case-sensitive ("lablup").
    expect(glossaryEntriesIn("The MAIN branch of lablup.", ko)).toEqual([]);
  });

  it("finds kept terms missing and fixed terms not translated as required", () => {
    const ko = glossaryFor(glossary, "ko");
    expect(checkGlossary("Lablup ships it.", "Lablup은 그것을 출시합니다.", ko)).toEqual([]);
    expect(
      checkGlossary("Lablup ships it.", "랩업은 출시합니다.", ko).map((v) => v.message),
    ).toEqual(['"Lablup" must stay as it is (not translated)']);
    expect(
      checkGlossary("Open a compute session.", "세션을 여세요.", ko).map((v) => v.message),
    ).toEqual(['"compute session" must be translated as "연산 세션"']);
    expect(checkGlossary("Open a compute session.", "연산 세션을 여세요.", ko)).toEqual([]);
  });

  it("says where a glossary file is wrong", async () => {
    expect(() => parseGlossary("keep: Lablup\n", "g.yaml")).toThrow(/g\.yaml is invalid at keep/);
    expect(() => parseGlossary("keep: [a\n", "g.yaml")).toThrow(InputError);
    expect(() => parseGlossary("terms: []\n", "g.yaml")).toThrow(/Unrecognized key/);
    const dir = mkdtempSync(path.join(os.tmpdir(), "harness-glossary-"));
    try {
      await expect(loadGlossary(path.join(dir, "none.yaml"))).rejects.toThrow(/cannot read/);
      writeFileSync(path.join(dir, "g.yaml"), "keep: [Lablup]\n");
      await expect(loadGlossary(path.join(dir, "g.yaml"))).resolves.toEqual({
        keep: ["Lablup"],
        translations: {},
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
