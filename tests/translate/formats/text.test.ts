/**
 * Plain text: paragraphs between blank lines are segments; whitespace around and inside them
 * (indentation, trailing spaces, CRLF) comes back exactly; variables are placeholders.
 */
import { describe, expect, it } from "vitest";

import { InputError } from "../../../src/errors.js";
import {
  expectWellFormedSegments,
  extract,
  fixture,
  fixtureText,
  pseudo,
  renderText,
} from "./support.js";

describe("plain text adapter", () => {
  it("makes one segment per paragraph, variables as placeholders", async () => {
    const document = await extract("notes.txt", fixture("notes.txt"));
    expectWellFormedSegments(document);
    expect(document.segments.map((segment) => segment.text)).toEqual([
      "Release notes\n=============",
      "This release adds batch translation.\nIt also fixes two bugs in the queue.",
      "Indented paragraph keeps its indentation\n    on every line.",
      "Contact: team@example.com, or call +1 555 0100.",
      "⟦1⟧ placeholders and ⟦2⟧ variables stay as they are.",
    ]);
    expect(document.segments.every((segment) => segment.kind === "paragraph")).toBe(true);
  });

  it("gives the source back byte for byte, and changes only the paragraphs", async () => {
    const source = fixtureText("notes.txt");
    const document = await extract("notes.txt", source);
    expect(await renderText(document, (text) => text)).toBe(source);
    expect(await renderText(document, pseudo)).toBe(
      "«RELEASE NOTES\n=============»\n\n" +
        "«THIS RELEASE ADDS BATCH TRANSLATION.\nIT ALSO FIXES TWO BUGS IN THE QUEUE.»\n\n\n" +
        "    «INDENTED PARAGRAPH KEEPS ITS INDENTATION\n    ON EVERY LINE.»  \n\n" +
        "«CONTACT: TEAM@EXAMPLE.COM, OR CALL +1 555 0100.»\n\n" +
        "«%s PLACEHOLDERS AND {name} VARIABLES STAY AS THEY ARE.»\n",
    );
  });

  it("keeps CRLF line endings, also for lines a translation adds", async () => {
    const source = "First line\r\nsecond line\r\n\r\nAnother paragraph\r\n";
    const document = await extract("a.txt", source);
    expect(await renderText(document, (text) => text)).toBe(source);
    expect(await renderText(document, (text) => text.toUpperCase().replace(" ", "\n"))).toBe(
      "FIRST\r\nLINE\r\nSECOND LINE\r\n\r\nANOTHER\r\nPARAGRAPH\r\n",
    );
  });

  it("rejects a file that is not UTF-8 text", async () => {
    await expect(extract("a.txt", new Uint8Array([0x48, 0xff, 0xfe, 0x49]))).rejects.toThrow(
      InputError,
    );
    await expect(extract("a.txt", new Uint8Array([0x48, 0x00, 0x49]))).rejects.toThrow(/binary/);
  });
});
