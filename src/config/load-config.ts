/**
 * Finds, parses, expands and validates harness.config.yaml. Returns diagnostics that name the key
 * path, the line and the fix; never throws for bad input (see requireConfig for commands).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { LineCounter, parseDocument, isMap } from "yaml";
import type { z } from "zod";
import { ConfigError } from "../errors.js";
import { closestMatch, formatDiagnostic, hasErrors, type Diagnostic } from "../diagnostics.js";
import { expandEnvDeep } from "./expand-env.js";
import { configSchema, type HarnessConfig } from "./schema.js";

export const CONFIG_FILE_NAME = "harness.config.yaml";

export interface ConfigLoadResult {
  /** Present when the file was valid (or absent: then the defaults). */
  config?: HarnessConfig;
  /** Absolute path of the file read, if one was found. */
  path?: string;
  diagnostics: Diagnostic[];
}

/** Walks up from `cwd` to the first folder holding harness.config.yaml, stopping at a git root. */
export function findConfigFile(cwd: string): string | undefined {
  let dir = path.resolve(cwd);
  for (;;) {
    const candidate = path.join(dir, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    if (existsSync(path.join(dir, ".git"))) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export async function loadConfig(options: {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** An explicit file; otherwise searched from cwd. */
  file?: string;
}): Promise<ConfigLoadResult> {
  const file = options.file ? path.resolve(options.cwd, options.file) : findConfigFile(options.cwd);
  if (!file) return { config: configSchema.parse({}), diagnostics: [] };
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    return {
      path: file,
      diagnostics: [
        {
          severity: "error",
          file,
          rule: "config-unreadable",
          message: `cannot read the config file (${reason})`,
          hint: "check the path and its permissions",
        },
      ],
    };
  }
  return { path: file, ...parseConfigText(text, file, options.env ?? process.env) };
}

export function parseConfigText(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv,
): { config?: HarnessConfig; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;

  if (doc.errors.length > 0) {
    return {
      diagnostics: doc.errors.map((error) => ({
        severity: "error" as const,
        file,
        line: lineOf(error.pos[0]),
        rule: "config-yaml",
        message: `malformed YAML: ${error.message.split("\n")[0]}`,
        hint: "fix the YAML syntax at that line (indentation, quotes, a missing colon)",
      })),
    };
  }
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== "object" || Array.isArray(raw) || raw === null) {
    return {
      diagnostics: [
        {
          severity: "error",
          file,
          line: 1,
          rule: "config-shape",
          message: "the config must be a YAML mapping of keys to values",
        },
      ],
    };
  }

  const lineOfPath = (keyPath: PropertyKey[]): number | undefined => {
    for (let depth = keyPath.length; depth > 0; depth--) {
      const node = doc.getIn(keyPath.slice(0, depth) as (string | number)[], true) as
        { range?: [number, number, number] } | undefined;
      if (node?.range) return lineOf(node.range[0]);
    }
    return undefined;
  };
  const diagnostics: Diagnostic[] = [];

  const expanded = expandEnvDeep(raw, env);
  for (const problem of expanded.problems) {
    diagnostics.push({
      severity: "error",
      file,
      line: lineOfPath(problem.path),
      rule: "config-env",
      message: `${dotted(problem.path)}: environment variable ${problem.variable} is not set`,
      hint: `export ${problem.variable}=..., or give a fallback: \${${problem.variable}:-value}`,
    });
  }

  const parsed = configSchema.safeParse(expanded.value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      diagnostics.push(describeIssue(issue, file, lineOfPath, doc));
    }
  }
  if (hasErrors(diagnostics) || !parsed.success) return { diagnostics };
  return { config: parsed.data, diagnostics };
}

function dotted(keyPath: readonly PropertyKey[]): string {
  return keyPath.length === 0 ? "(top level)" : keyPath.map(String).join(".");
}

function describeIssue(
  issue: z.core.$ZodIssue,
  file: string,
  lineOfPath: (keyPath: PropertyKey[]) => number | undefined,
  doc: ReturnType<typeof parseDocument>,
): Diagnostic {
  const where = dotted(issue.path);
  const base = { severity: "error" as const, file, line: lineOfPath(issue.path) };
  switch (issue.code) {
    case "unrecognized_keys": {
      const parent =
        issue.path.length === 0 ? doc.contents : doc.getIn(issue.path as string[], true);
      const known = knownKeysAt(issue.path);
      const key = issue.keys[0]!;
      const suggestion = closestMatch(key, known);
      const keyLine = isMap(parent)
        ? parent.items.find((pair) => String((pair.key as { value?: unknown })?.value) === key)
        : undefined;
      const keyRange = (keyLine?.key as { range?: [number, number, number] } | undefined)?.range;
      return {
        ...base,
        line: keyRange ? lineOfPath([...issue.path, key]) : base.line,
        rule: "config-unknown-key",
        message: `${issue.path.length ? `${where}: ` : ""}unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`,
        hint: suggestion
          ? `did you mean "${suggestion}"?`
          : `known keys here: ${known.join(", ") || "(none)"}`,
      };
    }
    case "invalid_type":
      return {
        ...base,
        rule: "config-type",
        message: `${where}: expected ${issue.expected}`,
        hint: `set ${where} to a ${issue.expected}`,
      };
    case "invalid_value":
      return {
        ...base,
        rule: "config-value",
        message: `${where}: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`,
        hint: `pick one of the listed values for ${where}`,
      };
    case "too_small":
    case "too_big": {
      const bound = Number(issue.code === "too_small" ? issue.minimum : issue.maximum);
      const message =
        issue.origin === "string" && issue.code === "too_small" && bound === 1
          ? "must not be empty"
          : `must be ${comparison(issue.code, issue.inclusive !== false)} ${bound}${issue.origin === "string" ? " characters" : ""}`;
      return {
        ...base,
        rule: "config-value",
        message: `${where}: ${message}`,
        hint: `change ${where}`,
      };
    }
    default:
      return {
        ...base,
        rule: "config-value",
        message: `${where}: ${issue.message}`,
        hint: `see the comment above ${where.split(".").pop()} in harness.config.yaml`,
      };
  }
}

function comparison(code: "too_small" | "too_big", inclusive: boolean): string {
  if (code === "too_small") return inclusive ? "at least" : "greater than";
  return inclusive ? "at most" : "less than";
}

/** The keys the schema allows at a path, for "did you mean" suggestions. */
function knownKeysAt(keyPath: readonly PropertyKey[]): string[] {
  let node: z.ZodType = configSchema;
  for (const segment of keyPath) {
    const shape = shapeOf(node);
    if (shape && typeof segment === "string" && shape[segment]) node = shape[segment];
    else {
      const element = unwrap(node) as { element?: z.ZodType };
      if (element.element) node = element.element;
      else return [];
    }
  }
  return Object.keys(shapeOf(node) ?? {});
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema as z.ZodType & { def?: { innerType?: z.ZodType } };
  while (current.def?.innerType) current = current.def.innerType as typeof current;
  return current;
}

function shapeOf(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  return (unwrap(schema) as { shape?: Record<string, z.ZodType> }).shape;
}

/** For commands that cannot go on without a valid config. */
export async function requireConfig(options: {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  file?: string;
}): Promise<{ config: HarnessConfig; path?: string; diagnostics: Diagnostic[] }> {
  const result = await loadConfig(options);
  if (!result.config) {
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    throw new ConfigError(
      `invalid configuration:\n${errors.map((d) => `  ${formatDiagnostic(d)}`).join("\n")}`,
      { hint: "fix the listed keys, or run `harness doctor` for a full check" },
    );
  }
  return { config: result.config, path: result.path, diagnostics: result.diagnostics };
}
