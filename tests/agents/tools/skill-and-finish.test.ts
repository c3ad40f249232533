import { describe, expect, it } from "vitest";
import { ToolError } from "../../../src/agents/tool-error.js";
import { finishTool } from "../../../src/agents/tools/finish.js";
import { skillTool } from "../../../src/agents/tools/skill.js";
import type { ToolContext } from "../../../src/agents/types.js";

const context: ToolContext = {
  root: "/nonexistent-root-not-used",
  signal: new AbortController().signal,
  env: {},
  commandPolicy: { allow: [], deny: [], timeoutMs: 1000 },
  skills: new Map([
    ["write-tests", { description: "How to write tests", body: "1. Read the code.\n2. Test it." }],
    ["plan-work", { description: "Plan", body: "Plan first." }],
  ]),
  maxOutputChars: 10_000,
};

describe("skill", () => {
  it("returns the body of a known skill", async () => {
    expect(await skillTool.run({ name: "write-tests" }, context)).toEqual({
      content: "1. Read the code.\n2. Test it.",
    });
    expect((await skillTool.run({ name: "/plan-work" }, context)).content).toBe("Plan first.");
  });

  it("lists the known skills for an unknown name", async () => {
    const error = await skillTool.run({ name: "deploy" }, context).catch((caught) => caught);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).message).toBe(
      "there is no skill deploy; the skills are: plan-work, write-tests",
    );
    const none = await skillTool
      .run({ name: "deploy" }, { ...context, skills: new Map() })
      .catch((caught) => caught);
    expect((none as ToolError).message).toBe(
      "there is no skill deploy; no skills are available in this run",
    );
  });
});

describe("finish", () => {
  it("ends the run with a status, a summary and any JSON output", async () => {
    const output = { files: ["a.ts"], score: 3, nested: [null, true] };
    expect(await finishTool.run({ status: "done", summary: "Fixed it.", output }, context)).toEqual(
      {
        content: "finished: done",
        finish: { status: "done", summary: "Fixed it.", output },
      },
    );
    expect(await finishTool.run({ status: "failed", summary: "Cannot build." }, context)).toEqual({
      content: "finished: failed",
      finish: { status: "failed", summary: "Cannot build." },
    });
  });

  it("refuses an unknown status or an empty summary", async () => {
    for (const input of [{ status: "maybe", summary: "x" }, { status: "done", summary: "" }, {}]) {
      const error = await finishTool.run(input, context).catch((caught) => caught);
      expect(error, JSON.stringify(input)).toBeInstanceOf(ToolError);
      expect((error as ToolError).message).toMatch(/^invalid input for finish: /);
    }
  });
});
