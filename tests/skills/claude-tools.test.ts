import { describe, expect, it } from "vitest";
import { isKnownTool, parseToolList, splitToolList } from "../../src/skills/claude-tools.js";

describe("tool lists", () => {
  it("splits on commas outside parentheses and drops empty entries", () => {
    expect(splitToolList("Read, Bash(git add:*, git commit:*),  Grep ,")).toEqual([
      "Read",
      "Bash(git add:*, git commit:*)",
      "Grep",
    ]);
  });

  it("accepts a comma-separated string or a YAML list of strings", () => {
    expect(parseToolList("Read, Write")).toEqual({ ok: true, tools: ["Read", "Write"] });
    expect(parseToolList(["Read", " Write "])).toEqual({ ok: true, tools: ["Read", "Write"] });
  });

  it("rejects anything else", () => {
    expect(parseToolList(["Read", 3])).toMatchObject({ ok: false });
    expect(parseToolList({ Read: true })).toMatchObject({ ok: false });
  });

  it.each(["Read", "Bash(npm test:*)", "mcp__github__get_issue", "mcp__github", "Agent"])(
    "knows %s",
    (tool) => expect(isKnownTool(tool)).toBe(true),
  );

  it.each(["read", "Grpe", "Bash npm", "mcp_github", "(Read)"])("does not know %s", (tool) =>
    expect(isKnownTool(tool)).toBe(false),
  );
});
