/**
 * Choosing an adapter by extension, and what every adapter promises the engine: segments in
 * order with their placeholders, an identity render that gives the same bytes, and an output
 * named with the extension the adapter was chosen for.
 */
import { describe, expect, it } from "vitest";

import { adapterFor, adapters, supportedExtensions } from "../../../src/translate/formats/index.js";
import { documentFormats } from "../../../src/translate/types.js";
import { expectWellFormedSegments, fixture, options } from "./support.js";

describe("adapterFor", () => {
  it("picks an adapter by extension, ignoring case", () => {
    expect(adapterFor("docs/guide.md")?.format).toBe("markdown");
    expect(adapterFor("docs/Page.MDX")?.format).toBe("markdown");
    expect(adapterFor("README.markdown")?.extensions).toEqual([".markdown"]);
    expect(adapterFor("notes.TXT")?.format).toBe("text");
    expect(adapterFor("site/index.htm")?.format).toBe("html");
    expect(adapterFor("locales/en.json")?.format).toBe("json");
    expect(adapterFor("lib/l10n/app_en.arb")?.format).toBe("json");
    expect(adapterFor("config/locales/en.yml")?.format).toBe("yaml");
    expect(adapterFor("report.docx")?.format).toBe("docx");
    expect(adapterFor("scan.pdf")?.format).toBe("pdf");
  });

  it("returns undefined for unsupported files", () => {
    for (const path of [
      "image.png",
      "slides.pptx",
      "old.doc",
      "Makefile",
      "archive.tar.gz",
      ".md",
    ]) {
      expect(adapterFor(path)).toBeUndefined();
    }
  });

  it("has one adapter per extension, each of a known format", () => {
    expect(new Set(supportedExtensions).size).toBe(supportedExtensions.length);
    expect(adapters.map((adapter) => adapter.extensions[0])).toEqual(supportedExtensions);
    for (const adapter of adapters) expect(documentFormats).toContain(adapter.format);
  });
});

describe("every text format", () => {
  const corpus = [
    "guide.md",
    "component.mdx",
    "notes.txt",
    "page.html",
    "messages.json",
    "messages.yaml",
  ];

  it.each(corpus)(
    "%s: well-formed segments, identity render byte for byte, same extension",
    async (name) => {
      const source = fixture(name);
      const adapter = adapterFor(name)!;
      const document = await adapter.extract(source, options);
      expect(document.segments.length).toBeGreaterThan(3);
      expectWellFormedSegments(document);
      const files = await document.render(document.segments.map((segment) => segment.text));
      // Rendering leaves the document as it was: a second render gives the same bytes.
      const again = await document.render(document.segments.map((segment) => segment.text));
      expect(Buffer.from(again[0]!.bytes).equals(Buffer.from(files[0]!.bytes))).toBe(true);
      expect(files).toHaveLength(1);
      expect(files[0]!.extension).toBe(name.slice(name.lastIndexOf(".")));
      expect(Buffer.from(files[0]!.bytes).equals(Buffer.from(source))).toBe(true);
    },
  );

  it.each(corpus)(
    "%s: a translation list that is too short leaves the rest untranslated",
    async (name) => {
      const source = fixture(name);
      const document = await adapterFor(name)!.extract(source, options);
      const files = await document.render([]);
      expect(Buffer.from(files[0]!.bytes).equals(Buffer.from(source))).toBe(true);
    },
  );
});
