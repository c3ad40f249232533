/** The run report (reports/translate-<date>-<lang>.md) and the `--help` text. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { supportedExtensions } from "../../src/translate/formats/index.js";
import { translateHelpText } from "../../src/translate/translate-help.js";
import {
  renderTranslateReport,
  writeTranslateReport,
} from "../../src/translate/translate-report.js";
import type { TranslateRunSummary } from "../../src/translate/translate-summary.js";
import { createTempDir, type TempDir } from "../support/temp-dir.js";

let temp: TempDir | undefined;

afterEach(async () => {
  await temp?.remove();
  temp = undefined;
});

function summary(): TranslateRunSummary {
  return {
    language: "ko",
    from: "auto",
    model: "local",
    dryRun: false,
    documents: 4,
    translated: [
      {
        source: "docs/manual.pdf",
        status: "translated",
        format: "pdf",
        sourceHash: "a",
        targets: ["translated/ko/docs/manual.pdf.md", "translated/ko/docs/manual.pdf.docx"],
        targetHashes: ["b", "c"],
        segments: 12,
        translated: 11,
        flagged: [
          { index: 4, kind: "paragraph", reason: "placeholder ⟦1⟧ is missing", attempts: 3 },
        ],
        requests: 3,
        retries: 2,
        tokens: { input: 900, output: 400, cached: 300 },
        promptChars: 3_600,
        notes: ["the exact layout, fonts, columns, images ... are lost"],
        ms: 2_500,
      },
    ],
    unchanged: ["docs/a.md"],
    failures: [{ source: "docs/broken.docx", error: "docs/broken.docx: not a zip file" }],
    cancelled: [],
    problems: [{ path: "docs/logo.png", message: "unsupported format (.png)" }],
    skippedInFolders: { ".svg": 2 },
    segments: { total: 12, translated: 11, flagged: 1 },
    flagged: [
      {
        source: "docs/manual.pdf",
        index: 4,
        kind: "paragraph",
        reason: "placeholder ⟦1⟧ is missing",
        attempts: 3,
      },
    ],
    tokens: { input: 900, output: 400, cached: 300 },
    requests: 3,
    retries: 2,
    promptChars: 3_600,
    notes: { pdf: ["the exact layout, fonts, columns, images ... are lost"] },
    batchSize: 4,
    batches: 1,
    workers: 1,
    ms: 3_000,
    startedAt: "2026-11-22T10:00:00.000Z",
    aborted: false,
    manifest: ".harness/translate/ko/manifest.json",
  };
}

describe("the translation report", () => {
  it("lists documents, flagged segments, failures and what formats lose", () => {
    const text = renderTranslateReport(summary());
    expect(text).toContain("# Translation to ko, 2026-11-22");
    expect(text).toContain("| Segments | 12 (11 translated, 1 flagged) |");
    expect(text).toContain("| Tokens | 900 in (300 cached), 400 out |");
    expect(text).toContain(
      "| docs/manual.pdf | translated/ko/docs/manual.pdf.md, translated/ko/docs/manual.pdf.docx | 12 | 1 | 2.5 s |",
    );
    expect(text).toContain("| docs/manual.pdf | 4 | paragraph | 3 | placeholder ⟦1⟧ is missing |");
    expect(text).toContain("- docs/broken.docx: docs/broken.docx: not a zip file");
    expect(text).toContain("- docs/logo.png: unsupported format (.png)");
    expect(text).toContain("2 × .svg");
    expect(text).toContain("- pdf: the exact layout, fonts, columns, images ... are lost");
  });

  it("never overwrites an earlier report of the same day", async () => {
    temp = await createTempDir("translate-report");
    const first = await writeTranslateReport(temp.path, summary());
    const second = await writeTranslateReport(temp.path, summary());
    expect([first, second]).toEqual([
      "reports/translate-2026-11-22-ko.md",
      "reports/translate-2026-11-22-ko-2.md",
    ]);
    expect(readFileSync(path.join(temp.path, second), "utf8")).toContain("# Translation to ko");
  });
});

describe("translate --help", () => {
  it("says what each format translates and what PDF loses", () => {
    expect(translateHelpText).toMatch(/PDF \(\.pdf\):[^]*exact layout[^]*images[^]*are lost/);
    for (const extension of supportedExtensions) expect(translateHelpText).toContain(extension);
  });
});
