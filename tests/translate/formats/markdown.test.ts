/**
 * Markdown and MDX: only human text becomes segments; identity gives the source back byte for
 * byte; a pseudo-translation changes the words and nothing else (the re-parsed document has the
 * same structure, code, URLs, math and definitions); line breaks keep their container prefixes;
 * broken placeholders fall back to the source.
 */
import remarkFrontmatter from "remark-frontmatter";
import remarkGfm from "remark-gfm";
import remarkMath from "remark-math";
import remarkMdx from "remark-mdx";
import remarkParse from "remark-parse";
import { unified } from "unified";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

import { InputError } from "../../../src/errors.js";
import {
  expectWellFormedSegments,
  extract,
  fixture,
  fixtureText,
  pseudo,
  renderText,
} from "./support.js";

interface Node {
  type: string;
  children?: Node[];
  [key: string]: unknown;
}

function parseMarkdown(text: string, mdx = false): Node {
  const processor = unified().use(remarkParse);
  if (mdx) processor.use(remarkMdx);
  processor.use(remarkGfm).use(remarkFrontmatter, ["yaml", "toml"]).use(remarkMath);
  return processor.parse(text) as Node;
}

/** The structure of a document and everything in it that must not change (not the words). */
function shape(node: Node): unknown {
  const kept: Record<string, unknown> = { type: node.type };
  for (const key of [
    "depth",
    "ordered",
    "start",
    "checked",
    "align",
    "url",
    "identifier",
    "referenceType",
    "lang",
    "meta",
    "name",
  ]) {
    if (node[key] !== undefined && node[key] !== null) kept[key] = node[key];
  }
  if (
    [
      "code",
      "inlineCode",
      "math",
      "inlineMath",
      "mdxjsEsm",
      "mdxTextExpression",
      "mdxFlowExpression",
    ].includes(node.type)
  ) {
    kept.value = node.value;
  }
  if (node.type === "html") kept.tags = String(node.value).match(/<\/?[a-z]+/gi);
  if (node.type === "definition") kept.title = node.title;
  // Text nodes are the words: a translation may split or join them.
  if (node.children)
    kept.children = node.children.filter((child) => child.type !== "text").map(shape);
  return kept;
}

function allText(node: Node): string[] {
  const own = node.type === "text" && typeof node.value === "string" ? [node.value] : [];
  return [...own, ...(node.children ?? []).flatMap(allText)];
}

function frontMatter(text: string): Record<string, unknown> {
  return parseYaml(/^---\r?\n([\s\S]*?)\r?\n---/.exec(text)![1]!) as Record<string, unknown>;
}

describe("Markdown adapter", () => {
  it("hands out headings, paragraphs, list items, cells, alt and link text, front matter", async () => {
    const document = await extract("guide.md", fixture("guide.md"));
    expectWellFormedSegments(document);
    const byText = (text: string) => document.segments.find((segment) => segment.text === text);
    expect(byText("Getting started with Harness")?.kind).toBe("front-matter:title");
    expect(byText("Install ⟦1⟧ and run your first batch")?.kind).toBe("front-matter:description");
    expect(byText("setup")?.kind).toBe("front-matter:tags");
    expect(byText("Getting ⟦1⟧started⟦2⟧ with Harness")?.kind).toBe("heading");
    expect(byText("Run ⟦1⟧ to check.")?.kind).toBe("list-item");
    expect(byText("The language to translate into")?.kind).toBe("table-cell");
    expect(byText("⟦1⟧Architecture diagram of the *pipeline*⟦2⟧")?.kind).toBe("alt");
    expect(byText("The Harness logo")?.kind).toBe("attribute:alt");
    expect(byText("Why not translate everything?")).toBeDefined();
    expect(byText("Tables stay tables and lists keep their nesting.")?.kind).toBe("footnote");
    // Link text is translatable; a shortcut reference names its definition and is not.
    expect(
      byText("See ⟦1⟧the reference⟦2⟧ and ⟦3⟧ for details, or open\n⟦4⟧ and ⟦5⟧ directly."),
    ).toBeDefined();
    // Continuation lines lose their container prefix inside the segment.
    expect(
      byText(
        "⟦1⟧Note:⟦2⟧ the first run downloads a small model.\nIt is cached under ⟦3⟧ for later runs.",
      ),
    ).toBeDefined();

    const all = document.segments.map((segment) => segment.text).join("\n");
    for (const kept of [
      "npm install",
      "https://",
      "def greet",
      "\\sum",
      "O(n",
      "getting-started",
      "indented code",
      "workers",
      "glossary]",
      "images/",
    ]) {
      expect(all).not.toContain(kept);
    }
  });

  it("gives the source back byte for byte for an identity translation (LF, CRLF, BOM)", async () => {
    const source = fixtureText("guide.md");
    for (const variant of [source, source.replace(/\n/g, "\r\n"), `\uFEFF${source}`]) {
      const document = await extract("guide.md", variant);
      expect(await renderText(document, (text) => text)).toBe(variant);
    }
  });

  it("changes only the words: same structure, code, URLs, math and definitions", async () => {
    const source = fixtureText("guide.md");
    const output = await renderText(await extract("guide.md", source), pseudo);
    expect(shape(parseMarkdown(output))).toEqual(shape(parseMarkdown(source)));
    expect(output).toContain("# «GETTING *STARTED* WITH HARNESS»");
    expect(output).toContain('[USER GUIDE](https://example.com/guide "The guide")');
    expect(output).toContain("| «HOW MANY FILES ARE TRANSLATED AT ONCE» |");
    expect(output).toContain("<summary>«WHY NOT TRANSLATE EVERYTHING?»</summary>");
    expect(output).toContain('alt="«THE HARNESS LOGO»" width="120"');
    expect(output).toContain("[glossary]");
    for (const block of source.match(/```[\s\S]*?```/g)!) expect(output).toContain(block);
    const before = frontMatter(source);
    const after = frontMatter(output);
    expect(after).toEqual({
      ...before,
      title: "«GETTING STARTED WITH HARNESS»",
      description: "«INSTALL {product} AND RUN YOUR FIRST BATCH»",
      tags: ["«SETUP»", "«GUIDE»"],
    });
    // Every word outside code was translated.
    const leftovers = allText(parseMarkdown(output.replace(/^---[\s\S]*?---/, ""))).filter((text) =>
      /\p{Ll}{3}/u.test(text.replace(/https?:\S+|www\.\S+/g, "")),
    );
    // Only the shortcut reference, which names its definition, keeps its words.
    expect(leftovers).toEqual(["glossary"]);
  });

  it("keeps container prefixes, tables and nesting when a translation adds lines and pipes", async () => {
    const source = fixtureText("guide.md");
    const document = await extract("guide.md", source);
    const output = await renderText(
      document,
      (text) => `${text.replace(/ /, "\n")} | x\n- not a list\n# not a heading`,
    );
    expect(shape(parseMarkdown(output))).toEqual(shape(parseMarkdown(source)));
    // A new line inside a block quote gets the quote's prefix; one that would start a list or
    // a heading is joined instead; headings and cells stay on one line, pipes escaped.
    expect(output).toContain("> **Note:**\n> the first run");
    expect(output).toContain("\nturns a repository");
    expect(output).toContain("hard break. | x - not a list # not a heading\n");
    expect(output).toContain("  - with at least one commit | x - not a list # not a heading\n");
    expect(output).toContain("| Setting \\| x - not a list # not a heading |");
    expect(output).toContain("## Requirements | x - not a list # not a heading\n");
  });

  it("keeps a segment as it was when its translation loses a placeholder", async () => {
    const document = await extract("guide.md", fixture("guide.md"));
    const output = await renderText(document, (text) => pseudo(text).replace("⟦2⟧", ""));
    expect(output).toContain("# Getting *started* with Harness");
    expect(output).toContain("## «REQUIREMENTS»");
  });

  it("hides character references and badge images, and keeps table cells on one line", async () => {
    const source =
      "[![Build status](https://ci.example/badge.svg)](https://ci.example) &copy; 2026 &mdash; ACME\n\n" +
      "| Key | Meaning |\n|---|---|\n| a<br>b | `x\\|y` or \\| z |\n";
    const document = await extract("README.md", source);
    expect(document.segments.map((segment) => segment.text)).toEqual([
      "⟦1⟧Build status⟦2⟧ ⟦3⟧ 2026 ⟦4⟧ ACME",
      "Key",
      "Meaning",
      "a⟦1⟧b",
      "⟦1⟧ or \\| z",
    ]);
    const output = await renderText(document, (text) =>
      text.toUpperCase().replace(" OR ", " | or\n"),
    );
    expect(output).toBe(
      "[![BUILD STATUS](https://ci.example/badge.svg)](https://ci.example) &copy; 2026 &mdash; ACME\n\n" +
        "| KEY | MEANING |\n|---|---|\n| A<br>B | `x\\|y` \\| or \\| Z |\n",
    );
  });

  it("keeps front matter it cannot read, translating the rest", async () => {
    const source = "---\ntitle: [unclosed\n---\n\n# Title\n";
    const document = await extract("a.md", source);
    expect(document.segments.map((segment) => segment.text)).toEqual(["Title"]);
    expect(document.notes.join(" ")).toMatch(/front matter is not valid YAML/);
    expect(await renderText(document, () => "Titel")).toBe(
      "---\ntitle: [unclosed\n---\n\n# Titel\n",
    );
  });

  it("writes its output with the extension it was chosen for", async () => {
    const document = await extract("README.markdown", "# Title\n");
    const [file] = await document.render(["Titel"]);
    expect(file!.extension).toBe(".markdown");
    expect(new TextDecoder().decode(file!.bytes)).toBe("# Titel\n");
  });
});

describe("MDX adapter", () => {
  it("keeps imports, exports, expressions and JSX, translating text and configured attributes", async () => {
    const source = fixtureText("component.mdx");
    const document = await extract("component.mdx", source);
    expectWellFormedSegments(document);
    expect(document.segments.map((segment) => [segment.kind, segment.text])).toEqual([
      ["front-matter:title", "Tabs and callouts"],
      ["heading", "Using the ⟦1⟧ release"],
      ["attribute:title", "Before you start"],
      ["paragraph", "Back up your data. The migration ⟦1⟧cannot be undone⟦2⟧ once it has started."],
      ["paragraph", "Press ⟦1⟧Ctrl⟦2⟧ + ⟦3⟧S⟦4⟧ to save, or use the ⟦5⟧new⟦6⟧ autosave."],
      ["attribute:title", "New feature"],
      ["paragraph", "Install the package with npm."],
      ["paragraph", "The result is ⟦1⟧ items."],
    ]);
    expect(await renderText(document, (text) => text)).toBe(source);

    const output = await renderText(document, pseudo);
    expect(shape(parseMarkdown(output, true))).toEqual(shape(parseMarkdown(source, true)));
    expect(output).toContain('<Callout type="warning" title="«BEFORE YOU START»">');
    expect(output).toContain('<Badge color="green" title="«NEW FEATURE»">NEW</Badge>');
    expect(output).toContain("# «USING THE {meta.version} RELEASE»");
  });

  it("reads each file with its own flavor when Markdown and MDX files alternate", async () => {
    // One parser per flavor serves every file: JSX is JSX in .mdx only.
    const source = '# Title\n\nUse <Badge title="Counter">{count}</Badge> items.\n';
    const kinds = async (name: string) =>
      (await extract(name, source)).segments.map((segment) => segment.kind);
    expect(await kinds("first.md")).toEqual(["heading", "paragraph"]);
    expect(await kinds("second.mdx")).toEqual(["heading", "paragraph", "attribute:title"]);
    expect(await kinds("third.md")).toEqual(["heading", "paragraph"]);
    expect(await kinds("fourth.mdx")).toEqual(["heading", "paragraph", "attribute:title"]);
  });

  it("rejects a broken MDX file with an input error", async () => {
    await expect(extract("broken.mdx", "# Title\n\n<Callout>\n\nText {unclosed\n")).rejects.toThrow(
      InputError,
    );
  });
});
