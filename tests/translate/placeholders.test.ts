/**
 * Placeholders: the token format, the check a translation must pass, restoring, the variables
 * that are protected (and the look-alikes that are not), and how a segment is built.
 */
import { describe, expect, it } from "vitest";

import {
  SegmentBuilder,
  checkPlaceholders,
  hasTranslatableText,
  placeholderToken,
  placeholdersIn,
  protectVariables,
  restorePlaceholders,
  splitAtPlaceholders,
  usableTranslation,
  type VariableSyntax,
} from "../../src/translate/placeholders.js";

function variables(text: string, syntax: VariableSyntax): string[] {
  return protectVariables(text, syntax).flatMap((piece) =>
    "variable" in piece ? [piece.variable] : [],
  );
}

function build(parts: Array<string | { markup: string }>, syntax: VariableSyntax = "prose") {
  const builder = new SegmentBuilder<string>({ variables: syntax, literal: (text) => text });
  for (const part of parts) {
    if (typeof part === "string") builder.addText(part);
    else builder.addMarkup(part.markup);
  }
  return builder.build();
}

describe("placeholder tokens", () => {
  it("numbers tokens from 1 and finds them in order, repeats included", () => {
    expect(placeholderToken(3)).toBe("⟦3⟧");
    expect(placeholdersIn("a ⟦2⟧ b ⟦1⟧ c ⟦2⟧ [1] {1}")).toEqual(["⟦2⟧", "⟦1⟧", "⟦2⟧"]);
    expect(splitAtPlaceholders("⟦1⟧x ⟦2⟧")).toEqual([
      { token: "⟦1⟧" },
      { text: "x " },
      { token: "⟦2⟧" },
    ]);
  });

  it("accepts a translation with every token once, in any order", () => {
    const segment = { placeholders: ["⟦1⟧", "⟦2⟧"] };
    expect(checkPlaceholders(segment, "⟦2⟧b ⟦1⟧a").ok).toBe(true);
  });

  it("names missing, duplicated and invented tokens", () => {
    const segment = { placeholders: ["⟦1⟧", "⟦2⟧", "⟦3⟧"] };
    const check = checkPlaceholders(segment, "⟦1⟧ ⟦1⟧ ⟦3⟧ ⟦7⟧");
    expect(check.ok).toBe(false);
    expect(check.missing).toEqual(["⟦2⟧"]);
    expect(check.duplicated).toEqual(["⟦1⟧"]);
    expect(check.invented).toEqual(["⟦7⟧"]);
    expect(check.problems).toEqual([
      "⟦2⟧ is missing",
      "⟦1⟧ appears 2 times",
      "⟦7⟧ is not in the source",
    ]);
  });

  it("falls back to the source text when a translation breaks its placeholders", () => {
    const segment = { text: "Click ⟦1⟧here⟦2⟧", placeholders: ["⟦1⟧", "⟦2⟧"] };
    expect(usableTranslation(segment, "Klicken Sie ⟦1⟧hier⟦2⟧")).toBe("Klicken Sie ⟦1⟧hier⟦2⟧");
    expect(usableTranslation(segment, "Klicken Sie hier⟦2⟧")).toBe("Click ⟦1⟧here⟦2⟧");
  });
});

describe("protectVariables", () => {
  it("protects the variables of prose: braces, templates, printf", () => {
    expect(
      variables(
        "Hi {name}, {0} and {{ user.name }} {% if x %} ${count} %s %1$d %(n)s %.2f",
        "prose",
      ),
    ).toEqual([
      "{name}",
      "{0}",
      "{{ user.name }}",
      "{% if x %}",
      "${count}",
      "%s",
      "%1$d",
      "%(n)s",
      "%.2f",
    ]);
  });

  it("leaves look-alikes in prose alone", () => {
    expect(
      variables("50% off, 100% sure, 10:30, {not a variable}, a % d b, 5%discount", "prose"),
    ).toEqual([]);
    expect(variables("Note:name https://x.org", "locale")).toEqual([]);
  });

  it("protects locale syntaxes: :name, %{name}, tags, typed ICU arguments", () => {
    expect(
      variables(
        "The :attribute of %{name}: <0>terms</0> <br/> {n, number} $t(key) @:common.ok",
        "locale",
      ),
    ).toEqual([
      ":attribute",
      "%{name}",
      "<0>",
      "</0>",
      "<br/>",
      "{n, number}",
      "$t(key)",
      "@:common.ok",
    ]);
  });

  it("keeps the messages of ICU plural and select frames translatable, nesting included", () => {
    const pieces = protectVariables(
      "You have {count, plural, =0 {no files} one {# file in {folder}} other {# files}} left",
      "locale",
    );
    expect(pieces).toEqual([
      { text: "You have " },
      { variable: "{count, plural, =0 {" },
      { text: "no files" },
      { variable: "} one {" },
      { text: "# file in " },
      { variable: "{folder}" },
      { variable: "} other {" },
      { text: "# files" },
      { variable: "}}" },
      { text: " left" },
    ]);
    const nested = protectVariables(
      "{g, select, female {{n, plural, one {She has one} other {She has #}}} other {They}}",
      "locale",
    );
    expect(nested.filter((piece) => "text" in piece)).toEqual([
      { text: "She has one" },
      { text: "She has #" },
      { text: "They" },
    ]);
  });

  it("treats an unbalanced ICU frame as ordinary text", () => {
    expect(variables("{count, plural, one {# file}", "locale")).toEqual([]);
  });

  it("protects text that already looks like a token, in every syntax", () => {
    expect(variables("literal ⟦1⟧ in the source", "none")).toEqual(["⟦1⟧"]);
  });
});

describe("SegmentBuilder", () => {
  it("numbers markup in order and merges adjacent markup into one token", () => {
    const segment = build([
      "See ",
      { markup: "**" },
      { markup: "[" },
      "the guide",
      { markup: "](u)" },
      { markup: "**" },
      ".",
    ]);
    expect(segment.text).toBe("See ⟦1⟧the guide⟦2⟧.");
    expect(segment.placeholders).toEqual(["⟦1⟧", "⟦2⟧"]);
    expect(segment.markup.get("⟦1⟧")).toEqual(["**", "["]);
    expect(segment.markup.get("⟦2⟧")).toEqual(["](u)", "**"]);
  });

  it("turns variables into placeholders that restore to the variable", () => {
    const segment = build(["Hello {name}, you have %d messages"]);
    expect(segment.text).toBe("Hello ⟦1⟧, you have ⟦2⟧ messages");
    const restored = restorePlaceholders(
      "⟦2⟧ Nachrichten für ⟦1⟧",
      segment.markup,
      (markup) => markup,
    );
    expect(restored).toBe("%d Nachrichten für {name}");
  });

  it("protects a token-like text of the source, so restoring gives it back", () => {
    const segment = build(["Press ⟦1⟧ then ", { markup: "`x`" }]);
    expect(segment.text).toBe("Press ⟦1⟧ then ⟦2⟧");
    expect(restorePlaceholders(segment.text.toUpperCase(), segment.markup, (m) => m)).toBe(
      "PRESS ⟦1⟧ THEN `x`",
    );
  });

  it("knows when there is nothing to translate", () => {
    expect(hasTranslatableText(build([{ markup: "`code`" }, " 42 ", "{name}"]).text)).toBe(false);
    expect(hasTranslatableText(build(["Übersicht"]).text)).toBe(true);
  });
});
