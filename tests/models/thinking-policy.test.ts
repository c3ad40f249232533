import { describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/schema.js";
import { resolveThinking } from "../../src/models/thinking-policy.js";

describe("resolveThinking", () => {
  const models = defaultConfig().models;

  it("gives each task kind its configured level on the first attempt", () => {
    expect(resolveThinking("triage", models, 0)).toBe("low");
    expect(resolveThinking("plan", models, 0)).toBe("high");
    expect(resolveThinking("implement", models, 0)).toBe("medium");
    expect(resolveThinking("translate", models, 0)).toBe("off");
  });

  it("uses off for a task kind the config does not name", () => {
    expect(resolveThinking("summarize", models, 0)).toBe("off");
    expect(resolveThinking("constructor", models, 0)).toBe("off");
  });

  it("raises the level one step per retry and stops at high", () => {
    expect([0, 1, 2, 3, 4].map((attempt) => resolveThinking("translate", models, attempt))).toEqual(
      ["off", "low", "medium", "high", "high"],
    );
    expect(resolveThinking("triage", models, 1)).toBe("medium");
    expect(resolveThinking("plan", models, 5)).toBe("high");
    expect(resolveThinking("triage", models, -1)).toBe("low");
  });

  it("follows the config", () => {
    const custom = { ...models, thinking: { triage: "high" as const } };
    expect(resolveThinking("triage", custom, 0)).toBe("high");
    expect(resolveThinking("plan", custom, 0)).toBe("off");
  });
});
