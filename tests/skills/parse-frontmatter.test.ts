import { describe, expect, it } from "vitest";
import { parseFrontmatter } from "../../src/skills/parse-frontmatter.js";

const rulesOf = (text: string) =>
  parseFrontmatter(text, "x.md").diagnostics.map((d) => [d.rule, d.line]);

describe("parseFrontmatter", () => {
  it("splits frontmatter and body and knows where the body starts", () => {
    const { document } = parseFrontmatter("---\nname: a\ndescription: b\n---\nBody line\n", "x.md");
    expect(document?.frontmatter).toEqual({ name: "a", description: "b" });
    expect(document?.body).toBe("Body line\n");
    expect(document?.bodyStartLine).toBe(5);
    expect(document?.lineOfKey("description")).toBe(3);
    expect(document?.lineOfKey("missing")).toBeUndefined();
  });

  it("finds quoted keys and handles CRLF line ends and a byte-order mark", () => {
    const text = '\uFEFF---\r\n"name": a\r\nmodel: sonnet\r\n---\r\nBody\r\n';
    const { document, diagnostics } = parseFrontmatter(text, "x.md");
    expect(diagnostics).toEqual([]);
    expect(document?.frontmatter).toEqual({ name: "a", model: "sonnet" });
    expect(document?.lineOfKey("name")).toBe(2);
    expect(document?.bodyStartLine).toBe(5);
  });

  it("treats a file without an opening --- as all body", () => {
    const { document } = parseFrontmatter("# Title\n\ntext\n", "x.md");
    expect(document?.hasFrontmatter).toBe(false);
    expect(document?.frontmatter).toEqual({});
    expect(document?.bodyStartLine).toBe(1);
  });

  it("treats an empty frontmatter block as an empty mapping", () => {
    const { document } = parseFrontmatter("---\n---\nBody\n", "x.md");
    expect(document?.hasFrontmatter).toBe(true);
    expect(document?.frontmatter).toEqual({});
    expect(document?.body).toBe("Body\n");
  });

  it("puts YAML errors on their line in the file", () => {
    expect(rulesOf("---\nname: a\nname: b\n---\n")).toEqual([["frontmatter-yaml", 3]]);
    expect(rulesOf("---\nname: a\n\n\ndescription: x: y\n---\n")).toEqual([
      ["frontmatter-yaml", 5],
    ]);
  });

  it("rejects frontmatter that is not a mapping", () => {
    expect(rulesOf("---\n- a\n- b\n---\nBody\n")).toEqual([["frontmatter-not-mapping", 2]]);
    expect(rulesOf("---\njust text\n---\nBody\n")).toEqual([["frontmatter-not-mapping", 2]]);
  });

  it("refuses a language tag after ---, which gray-matter would evaluate as code", () => {
    expect(rulesOf("---js\n{ name: 'a' }\n---\nBody\n")).toEqual([["frontmatter-delimiter", 1]]);
  });

  it("reports a block that is never closed", () => {
    expect(rulesOf("---\nname: a\n\nBody\n")).toEqual([["frontmatter-unterminated", 1]]);
  });

  it("parses two files with the same text independently", () => {
    // gray-matter caches by text when called without options; a cached failure would vanish.
    const broken = "---\nname: [a\n---\n";
    expect(parseFrontmatter(broken, "a.md").diagnostics).toHaveLength(1);
    expect(parseFrontmatter(broken, "b.md").diagnostics[0]?.file).toBe("b.md");
  });
});
