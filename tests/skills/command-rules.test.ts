import { describe, expect, it } from "vitest";
import { problemsIn } from "./fixtures.js";

describe("command rules", () => {
  it("warns once about $0/$1 placeholders, at their first line", async () => {
    expect(await problemsIn("command-positional")).toEqual([
      {
        severity: "warning",
        rule: "positional-arguments",
        file: ".claude/commands/fix-issue.md",
        line: 6,
      },
    ]);
  });

  it("warns that name and paths mean nothing to a command", async () => {
    expect(await problemsIn("command-unused-keys")).toEqual([
      {
        severity: "warning",
        rule: "command-key-unused",
        file: ".claude/commands/deploy.md",
        line: 2,
      },
      {
        severity: "warning",
        rule: "command-key-unused",
        file: ".claude/commands/deploy.md",
        line: 4,
      },
    ]);
  });
});
