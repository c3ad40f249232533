/**
 * JSON and YAML locale files: string values are segments (keys, numbers, booleans, URLs and
 * metadata are not), variables are placeholders, identity is byte for byte, and a translation
 * changes the values only: same keys, same layout, comments and anchors kept.
 */
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

/** Replaces every string value of a parsed document with its path, keeping the shape. */
function keysOf(value: unknown, path = ""): unknown {
  if (Array.isArray(value)) return value.map((item, index) => keysOf(item, `${path}.${index}`));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, keysOf(item, `${path}.${key}`)]),
    );
  }
  return typeof value === "string" ? "string" : value;
}

const JSON_STRING = /"(?:[^"\\]|\\.)*"/g;

describe("JSON adapter", () => {
  it("hands out string values with variables as placeholders, never keys or metadata", async () => {
    const document = await extract("messages.json", fixture("messages.json"));
    expectWellFormedSegments(document);
    expect(document.segments.map((segment) => [segment.kind, segment.text])).toEqual([
      ["value:app.title", "Harness"],
      ["value:app.greeting", "Hello, ⟦1⟧!"],
      ["value:app.welcome", "Welcome back, ⟦1⟧. You have ⟦2⟧ new messages."],
      ["value:app.files", "⟦1⟧No files⟦2⟧# file⟦3⟧# files⟦4⟧"],
      ["value:app.gender", "⟦1⟧She replied⟦2⟧He replied⟦3⟧They replied⟦4⟧"],
      ["value:app.price", "Price: ⟦1⟧"],
      ["value:app.rich", "Read the ⟦1⟧terms⟦2⟧ and ⟦3⟧accept⟦4⟧ them."],
      ["value:app.laravel", "The ⟦1⟧ field is required."],
      ["value:app.rails", "Hello ⟦1⟧, you have ⟦2⟧ items"],
      ["value:menu.0", "Open file"],
      ["value:menu.1", "Save as…"],
      ["value:menu.2", "Quit"],
      ["value:escaped", 'Tab\there, "quoted" and \\ backslash'],
    ]);
  });

  it("gives the source back byte for byte, and a translation changes the values only", async () => {
    const source = fixtureText("messages.json");
    const document = await extract("messages.json", source);
    expect(await renderText(document, (text) => text)).toBe(source);

    const output = await renderText(document, pseudo);
    expect(output.replace(JSON_STRING, '""')).toBe(source.replace(JSON_STRING, '""'));
    const translated = JSON.parse(output) as Record<string, Record<string, string>>;
    expect(keysOf(translated)).toEqual(keysOf(JSON.parse(source)));
    expect(translated.app!.files).toBe(
      "«{count, plural, =0 {NO FILES} one {# FILE} other {# FILES}}»",
    );
    expect(translated.app!.rich).toBe("«READ THE <0>TERMS</0> AND <strong>ACCEPT</strong> THEM.»");
    expect(translated.app!.rails).toBe("«HELLO %{name}, YOU HAVE %1$s ITEMS»");
    expect(translated.escaped).toBe('«TAB\tHERE, "QUOTED" AND \\ BACKSLASH»');
    expect(translated.links).toEqual({
      home: "https://example.com",
      support: "support@example.com",
    });
    expect(translated["@@locale"]).toBe("en");
  });

  it("keeps \\u escapes in a file written in ASCII only", async () => {
    const source = '{\n    "a": "Caf\\u00e9 ouvert",\n    "b": "Ferm\\u00e9"\n}\n';
    const document = await extract("fr.json", source);
    const output = await renderText(document, (text) =>
      text === "Fermé" ? "Geschlossen" : "Café geöffnet",
    );
    expect(output).toBe('{\n    "a": "Caf\\u00e9 ge\\u00f6ffnet",\n    "b": "Geschlossen"\n}\n');
  });

  it("rejects invalid JSON with an input error", async () => {
    await expect(extract("bad.json", '{ "a": "b", }')).rejects.toThrow(InputError);
    await expect(extract("bad.json", '{ "a": "b" // comment\n}')).rejects.toThrow(/not valid JSON/);
  });
});

describe("YAML adapter", () => {
  it("hands out string values with variables as placeholders, never keys", async () => {
    const document = await extract("messages.yaml", fixture("messages.yaml"));
    expectWellFormedSegments(document);
    expect(document.segments.map((segment) => [segment.kind, segment.text])).toEqual([
      ["value:en.app.title", "Harness"],
      ["value:en.app.greeting", "Hello, ⟦1⟧!"],
      ["value:en.app.welcome", "Welcome back, ⟦1⟧. You have ⟦2⟧ new messages."],
      ["value:en.app.farewell", "See you soon, it's been fun"],
      ["value:en.app.files", "⟦1⟧# file⟦2⟧# files⟦3⟧"],
      [
        "value:en.help.intro",
        "This tool translates your documentation.\nIt keeps code and links as they are.",
      ],
      ["value:en.help.summary", "Folded text that continues here."],
      ["value:en.menu.0", "Open file"],
      ["value:en.menu.1", "Save as…"],
      ["value:en.menu.2", "Quit"],
      ["value:en.shortcuts.0", "Copy"],
      ["value:en.shortcuts.1", "Paste"],
      ["value:en.shortcuts.2", "Select all"],
    ]);
  });

  it("gives the source back byte for byte, and a translation keeps keys, comments and styles", async () => {
    const source = fixtureText("messages.yaml");
    const document = await extract("messages.yml", source);
    expect(await renderText(document, (text) => text)).toBe(source);

    const output = await renderText(document, pseudo);
    const before = parseYaml(source) as { en: Record<string, Record<string, unknown>> };
    const after = parseYaml(output) as typeof before;
    expect(keysOf(after)).toEqual(keysOf(before));
    expect(output).toContain("# Locale file for the web app\nen:\n  app:\n");
    expect(output).toContain("title: «HARNESS»   # product name, kept as text");
    expect(output).toContain("farewell: '«SEE YOU SOON, IT''S BEEN FUN»'");
    expect(output).toContain(
      "  help:\n    intro: |\n      «THIS TOOL TRANSLATES YOUR DOCUMENTATION.\n",
    );
    expect(output).toContain("    - &quit «QUIT»\n");
    expect(output).toContain("exit: *quit\n");
    expect(output).toContain('shortcuts: [«COPY», «PASTE», "«SELECT ALL»"]');
    expect(after.en.app!.files).toBe("«{count, plural, one {# FILE} other {# FILES}}»");
    expect(after.en.help!.intro).toBe(
      "«THIS TOOL TRANSLATES YOUR DOCUMENTATION.\nIT KEEPS CODE AND LINKS AS THEY ARE.»\n",
    );
    expect(after.en.limits).toEqual(before.en.limits);
    expect(after.en.links).toEqual(before.en.links);
    const [file] = await document.render(document.segments.map((segment) => segment.text));
    expect(file!.extension).toBe(".yml");
  });

  it("quotes a translation that would stop being a string", async () => {
    const source = "answer: Right\ncount: Several\nlist:\n  - one line\n";
    const document = await extract("a.yaml", source);
    const output = await renderText(
      document,
      (text) => ({ Right: "yes", Several: "12", "one line": "two\nlines" })[text]!,
    );
    expect(parseYaml(output)).toEqual({ answer: "yes", count: "12", list: ["two\nlines"] });
    // "yes" is a boolean to YAML 1.1 readers (Ruby's Psych, PyYAML): quoted too.
    expect(output).toBe('answer: "yes"\ncount: "12"\nlist:\n  - "two\\nlines"\n');
  });

  it("rejects invalid YAML with an input error", async () => {
    await expect(extract("bad.yaml", "a: [unclosed\nb: c\n")).rejects.toThrow(InputError);
  });
});
