/**
 * Input handling every tool shares: one zod schema per tool gives the JSON schema the model sees
 * and the validation of what it sends back, so the two never drift apart.
 */
import { z } from "zod";
import { ToolError } from "../tool-error.js";

/** The JSON schema sent to the model: plain `type: object`, properties, required. */
export function toInputSchema(schema: z.ZodObject): Record<string, unknown> {
  const plain = { ...(z.toJSONSchema(schema, { io: "input" }) as Record<string, unknown>) };
  delete plain.$schema;
  return withoutSafeIntegerBounds(plain) as Record<string, unknown>;
}

/** Parses `input` or throws a `ToolError` naming each wrong field. */
export function parseToolInput<Schema extends z.ZodObject>(
  toolName: string,
  schema: Schema,
  input: unknown,
): z.output<Schema> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) =>
    issue.path.length === 0 ? issue.message : `${issue.path.join(".")}: ${issue.message}`,
  );
  const received =
    input !== null && typeof input === "object" && !Array.isArray(input)
      ? ` (received fields: ${Object.keys(input).join(", ") || "none"})`
      : "";
  throw new ToolError(
    `invalid input for ${toolName}: ${problems.join("; ")}${received}; follow the tool's input schema`,
  );
}

/** zod writes `maximum: 2^53-1` for every integer; it only adds noise to the prompt. */
function withoutSafeIntegerBounds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSafeIntegerBounds);
  if (value === null || typeof value !== "object") return value;
  const result: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === "maximum" && inner === Number.MAX_SAFE_INTEGER) continue;
    if (key === "minimum" && inner === Number.MIN_SAFE_INTEGER) continue;
    result[key] = withoutSafeIntegerBounds(inner);
  }
  return result;
}
