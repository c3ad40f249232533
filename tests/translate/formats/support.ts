/**
 * What the format tests share: the corpus, the adapter options, and a deterministic
 * pseudo-translation that changes every word of a segment but none of its placeholders.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { expect } from "vitest";

import { adapterFor } from "../../../src/translate/formats/index.js";
import { placeholdersIn } from "../../../src/translate/placeholders.js";
import type { ExtractedDocument } from "../../../src/translate/types.js";

export const options = {
  frontMatterKeys: ["title", "description", "tags"],
  htmlAttributes: ["alt", "title", "aria-label", "placeholder"],
};

export function fixture(name: string): Uint8Array {
  return new Uint8Array(
    readFileSync(fileURLToPath(new URL(`../../fixtures/translate/${name}`, import.meta.url))),
  );
}

export function fixtureText(name: string): string {
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(fixture(name));
}

/** Upper-cases the words and wraps the segment in «…»; placeholders are digits, so untouched. */
export function pseudo(text: string): string {
  return `«${text.replace(/\p{L}+/gu, (word) => word.toUpperCase())}»`;
}

export async function extract(
  name: string,
  source: Uint8Array | string,
): Promise<ExtractedDocument> {
  const adapter = adapterFor(name);
  if (!adapter) throw new Error(`no adapter for ${name}`);
  const bytes = typeof source === "string" ? new TextEncoder().encode(source) : source;
  return adapter.extract(bytes, options);
}

/** Renders with one translation per segment; returns the first output file as text. */
export async function renderText(
  document: ExtractedDocument,
  translate: (text: string, index: number) => string,
): Promise<string> {
  const [file] = await document.render(
    document.segments.map((segment, index) => translate(segment.text, index)),
  );
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(file!.bytes);
}

/** The engine's view of every document: indices in order, placeholders as the text holds them. */
export function expectWellFormedSegments(document: ExtractedDocument): void {
  document.segments.forEach((segment, index) => {
    expect(segment.index).toBe(index);
    expect(segment.placeholders).toEqual(placeholdersIn(segment.text));
    expect(new Set(segment.placeholders).size).toBe(segment.placeholders.length);
    expect(segment.text.trim()).not.toBe("");
  });
}
