import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { buildPromptPrefix } from "../../src/models/prompt-prefix.js";

describe("buildPromptPrefix", () => {
  const documents = [
    { path: "CLAUDE.md", content: "# Project\nRules.\n" },
    { path: "PROGRESS.md", content: "2024-05-01: shipped the queue.\n" },
  ];

  it("puts the role prompt, then tools, then soul documents, in a fixed order", () => {
    const prefix = buildPromptPrefix({
      rolePrompt: "You plan work.",
      tools: [
        { name: "write_file", description: "Writes a file." },
        { name: "read_file", description: "Reads a file." },
      ],
      documents,
    });
    expect(prefix).toBe(
      [
        "You plan work.",
        "",
        "# Tools",
        "- read_file: Reads a file.",
        "- write_file: Writes a file.",
        "",
        "# Project documents",
        "",
        '<document path="CLAUDE.md">',
        "# Project",
        "Rules.",
        "</document>",
        "",
        '<document path="PROGRESS.md">',
        "2024-05-01: shipped the queue.",
        "</document>",
        "",
      ].join("\n"),
    );
  });

  it("gives the same bytes whatever order the tools were registered in", () => {
    const a = { name: "a", description: "A." };
    const b = { name: "b", description: "B." };
    expect(buildPromptPrefix({ rolePrompt: "R", tools: [a, b] })).toBe(
      buildPromptPrefix({ rolePrompt: "R", tools: [b, a] }),
    );
  });

  it("refuses dates, ids and timestamps in the role prompt or tool descriptions", () => {
    expect(() => buildPromptPrefix({ rolePrompt: "Today is 2025-03-04." })).toThrow(InputError);
    expect(() =>
      buildPromptPrefix({ rolePrompt: "Run 1b4e28ba-2fa1-11d2-883f-0016d3cca427" }),
    ).toThrow(/UUID/);
    expect(() =>
      buildPromptPrefix({
        rolePrompt: "R",
        tools: [{ name: "now", description: "Time is 2025-03-04T10:00:00Z." }],
      }),
    ).toThrow(/tool "now"/);
    expect(() => buildPromptPrefix({ rolePrompt: "Started at 1735689600." })).toThrow(/timestamp/);
  });
});
