import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig, parseConfigText, requireConfig } from "../../src/config/load-config.js";
import { defaultConfig } from "../../src/config/schema.js";
import { ConfigError } from "../../src/errors.js";
import { renderTemplate, placeholdersIn } from "../../src/scaffold/render-template.js";
import { bundledTemplatesDir } from "../../src/scaffold/template-files.js";

const parseText = (text: string, env: NodeJS.ProcessEnv = {}) =>
  parseConfigText(text, "harness.config.yaml", env);

describe("config loading", () => {
  it("gives the documented defaults for an empty file", () => {
    expect(parseText("").config).toEqual(defaultConfig());
    expect(defaultConfig().fanOut).toEqual({ maxWorkers: 4, maxItemsPerWorker: 4 });
  });

  it("expands ${VAR} and ${VAR:-fallback} from the environment", () => {
    const text =
      "github:\n  token: ${GH_TEST_TOKEN}\nproject:\n  name: ${NAME:-fallback}\n  testCommand: $${literal}\n";
    const result = parseText(text, { GH_TEST_TOKEN: "abc" });
    expect(result.diagnostics).toEqual([]);
    expect(result.config?.github.token).toBe("abc");
    expect(result.config?.project.name).toBe("fallback");
    expect(result.config?.project.testCommand).toBe("${literal}");
  });

  it("names the key path, line and fix for an unset variable", () => {
    const result = parseText("version: 1\ngithub:\n  token: ${MISSING_TOKEN}\n");
    expect(result.config).toBeUndefined();
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        rule: "config-env",
        line: 3,
        message: "github.token: environment variable MISSING_TOKEN is not set",
        hint: expect.stringContaining("${MISSING_TOKEN:-value}"),
      }),
    ]);
  });

  it("suggests the right key for a typo, at the typo's line", () => {
    const result = parseText("fanOut:\n  maxWorkers: 2\n  maxItemPerWorker: 3\n");
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        rule: "config-unknown-key",
        line: 3,
        message: 'fanOut: unknown key "maxItemPerWorker"',
        hint: 'did you mean "maxItemsPerWorker"?',
      }),
    ]);
  });

  it("reports wrong types and values with their key paths", () => {
    const result = parseText("router:\n  port: eighty\nagents:\n  runner: gpt\n");
    expect(result.diagnostics.map((d) => [d.rule, d.line, d.message])).toEqual([
      ["config-type", 2, "router.port: expected number"],
      ["config-value", 4, 'agents.runner: must be one of "builtin", "claude", "codex"'],
    ]);
  });

  it("reports malformed YAML with its line", () => {
    const result = parseText("project:\n  name: x\n   testCommand: [unclosed\n");
    expect(result.diagnostics[0]).toMatchObject({ rule: "config-yaml", severity: "error" });
    expect(result.diagnostics[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it("finds the file from a sub-folder and throws a ConfigError when a command needs it valid", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "harness-config-"));
    try {
      writeFileSync(path.join(root, ".git"), "");
      writeFileSync(path.join(root, "harness.config.yaml"), "budgets:\n  maxTurns: -1\n");
      const sub = path.join(root, "a");
      const result = await loadConfig({ cwd: root });
      expect(result.path).toBe(path.join(root, "harness.config.yaml"));
      expect(result.diagnostics[0]?.message).toBe("budgets.maxTurns: must be greater than 0");
      await expect(requireConfig({ cwd: sub })).rejects.toBeInstanceOf(ConfigError);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("the config template init writes", () => {
  const template = readFileSync(path.join(bundledTemplatesDir(), "harness.config.yaml"), "utf8");
  const values = Object.fromEntries(
    placeholdersIn(template).map((name) => [name, name.startsWith("yaml") ? '""' : ""]),
  );
  values.yamlDefaultBranch = '"main"';
  const rendered = renderTemplate(template, values);

  it("is valid and equals the schema defaults", () => {
    const result = parseText(rendered, {});
    expect(result.diagnostics).toEqual([]);
    expect(result.config).toEqual(defaultConfig());
  });

  it("documents every key of the schema with a comment", () => {
    const leafKeys = (value: unknown, prefix: string[] = []): string[][] =>
      value && typeof value === "object" && !Array.isArray(value)
        ? Object.entries(value).flatMap(([key, item]) => leafKeys(item, [...prefix, key]))
        : [prefix];
    const inTemplate = parse(rendered) as unknown;
    expect(leafKeys(inTemplate).sort()).toEqual(leafKeys(defaultConfig()).sort());
    // Every key with a value has a comment line right above it; a record's entries (the
    // thinking levels) are documented by the comment above the record.
    const lines = rendered.split("\n");
    let recordIndent = -1;
    for (const [index, line] of lines.entries()) {
      const match = /^(\s+)(\w+):(.*)$/.exec(line);
      if (!match) continue;
      const [, indent = "", key = "", rest = ""] = match;
      if (recordIndent >= 0 && indent.length > recordIndent) continue;
      recordIndent = key === "thinking" ? indent.length : -1;
      if (rest.trim() === "" && key !== "thinking") continue; // a section header
      expect(lines[index - 1], `comment above ${key}`).toMatch(/^\s+#/);
    }
  });
});
