/**
 * HTML: text runs (inline tags as placeholders) and configured attributes are segments; script,
 * style, code, pre, template and translate="no" are left alone; identity is byte for byte and a
 * pseudo-translation leaves every tag, attribute and non-text byte as it was.
 */
import { parse, type DefaultTreeAdapterTypes } from "parse5";
import { describe, expect, it } from "vitest";

import {
  expectWellFormedSegments,
  extract,
  fixture,
  fixtureText,
  pseudo,
  renderText,
} from "./support.js";

type Node = DefaultTreeAdapterTypes.Node;

/** Tags and attributes of the document (translated attributes masked), and the raw texts kept. */
function structure(html: string): unknown[] {
  const out: unknown[] = [];
  const translated = new Set(["alt", "title", "aria-label", "placeholder"]);
  const walk = (node: Node, keepText: boolean): void => {
    if ("tagName" in node) {
      const attributes = node.attrs.map((attribute) =>
        translated.has(attribute.name) ||
        (node.tagName === "meta" && attribute.name === "content") ||
        (node.tagName === "input" && attribute.name === "value")
          ? attribute.name
          : `${attribute.name}=${attribute.value}`,
      );
      out.push([node.tagName, ...attributes]);
      const keep =
        keepText || ["script", "style", "code", "pre", "kbd", "textarea"].includes(node.tagName);
      const translate = node.attrs.find((attribute) => attribute.name === "translate");
      for (const child of node.childNodes) walk(child, keep || translate?.value === "no");
      if ("content" in node) walk(node.content as Node, true);
    } else if (node.nodeName === "#text" && keepText) {
      out.push((node as DefaultTreeAdapterTypes.TextNode).value);
    } else if ("childNodes" in node) {
      for (const child of node.childNodes) walk(child, keepText);
    }
  };
  walk(parse(html), false);
  return out;
}

describe("HTML adapter", () => {
  it("groups inline markup into one segment and reads the configured attributes", async () => {
    const document = await extract("page.html", fixture("page.html"));
    expectWellFormedSegments(document);
    const segments = document.segments.map((segment) => [segment.kind, segment.text]);
    expect(segments).toContainEqual(["title", "Harness & friends"]);
    expect(segments).toContainEqual(["attribute:content", "Batch translation for documentation"]);
    expect(segments).toContainEqual(["attribute:aria-label", "Main navigation"]);
    expect(segments).toContainEqual(["heading", "Translate your ⟦1⟧whole⟦2⟧ documentation"]);
    expect(segments).toContainEqual([
      "paragraph",
      "Harness sends only the ⟦1⟧human text⟦2⟧ to the model, keeps\n⟦3⟧markup⟦4⟧ and\n" +
        "⟦5⟧ intact,\u00a0and writes the result back.⟦6⟧\nIt runs on ⟦7⟧CI⟦8⟧ too.",
    ]);
    expect(segments).toContainEqual(["attribute:alt", "How the pipeline works"]);
    expect(segments).toContainEqual(["list-item", "HTML ⟦1⟧"]);
    expect(segments).toContainEqual(["table-cell", "Markdown and Word"]);
    expect(segments).toContainEqual(["attribute:placeholder", "Search the docs"]);
    expect(segments).toContainEqual(["attribute:value", "Search"]);
    expect(segments).toContainEqual(["attribute:placeholder", "Your comment"]);
    const all = document.segments.map((segment) => segment.text).join("\n");
    for (const kept of [
      "script",
      "font-family",
      "answer",
      "Harness CLI",
      "Default text",
      "Template",
      "JSON",
      "A comment that",
      "width=",
    ]) {
      expect(all).not.toContain(kept);
    }
  });

  it("gives the source back byte for byte for an identity translation", async () => {
    const source = fixtureText("page.html");
    expect(await renderText(await extract("page.html", source), (text) => text)).toBe(source);
  });

  it("changes only text and translated attributes", async () => {
    const source = fixtureText("page.html");
    const output = await renderText(await extract("page.html", source), pseudo);
    expect(structure(output)).toEqual(structure(source));
    expect(output).toContain("<title>«HARNESS &amp; FRIENDS»</title>");
    expect(output).toContain(
      '<a href="https://example.com/markup" title="«ABOUT MARKUP»">MARKUP</a> AND\n      <code>code</code> INTACT,&nbsp;AND',
    );
    expect(output).toContain(
      '<img src="/images/diagram.png" alt="«HOW THE PIPELINE WORKS»" width="600">',
    );
    expect(output).toContain('<p translate="no">Harness CLI</p>');
    expect(output).toContain('<input type="submit" value="«SEARCH»">');
    // Everything outside the body's text is as it was.
    const head = source.slice(0, source.indexOf("<title>"));
    expect(output.startsWith(head)).toBe(true);
    expect(output).toContain(source.slice(source.indexOf("<style>"), source.indexOf("</head>")));
  });

  it("escapes what a translation writes into text and attributes", async () => {
    const source = '<p title="Tip">Fish &amp; chips</p>\n';
    const document = await extract("a.html", source);
    expect(document.segments.map((segment) => segment.text)).toEqual(["Tip", "Fish & chips"]);
    const output = await renderText(document, (text) =>
      text === "Tip" ? 'Say "hi" & go' : "a < b & c",
    );
    expect(output).toBe('<p title="Say &quot;hi&quot; &amp; go">a &lt; b &amp; c</p>\n');
  });

  it("keeps CRLF line breaks and their indentation inside a translated paragraph", async () => {
    const source = "<div>\r\n  Two\r\n  lines <b>bold</b>\r\n</div>\r\n";
    const document = await extract("a.html", source);
    expect(document.segments.map((segment) => segment.text)).toEqual(["Two\nlines ⟦1⟧bold⟦2⟧"]);
    expect(await renderText(document, () => "Zwei\nZeilen ⟦1⟧fett⟦2⟧")).toBe(
      "<div>\r\n  Zwei\r\n  Zeilen <b>fett</b>\r\n</div>\r\n",
    );
  });

  it("falls back to one segment per text node when the parser repairs misnested tags", async () => {
    const source = "<p><b>bold <i>both</b> italic</i> plain</p>";
    const document = await extract("a.html", source);
    expect(document.segments.map((segment) => segment.text)).toEqual([
      "bold",
      "both",
      "italic",
      "plain",
    ]);
    expect(await renderText(document, (text) => text.toUpperCase())).toBe(
      "<p><b>BOLD <i>BOTH</b> ITALIC</i> PLAIN</p>",
    );
  });
});
