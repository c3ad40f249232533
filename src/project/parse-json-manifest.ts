/**
 * JSON manifests (package.json, composer.json, deno.json and its commented form deno.jsonc)
 * read as plain records. Malformed input gives undefined rather than an exception.
 */

export type JsonRecord = Readonly<Record<string, unknown>>;

/** The top-level object of JSON or JSONC text, or undefined when it is not a valid object. */
export function parseJsonManifest(text: string, allowComments = false): JsonRecord | undefined {
  try {
    const parsed: unknown = JSON.parse(allowComments ? stripJsonComments(text) : text);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `record[key]` when it is a non-empty string. */
export function stringField(record: JsonRecord | undefined, key: string): string | undefined {
  const value = record?.[key];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** `record[key]` when it is an object, else an empty record. */
export function recordField(record: JsonRecord | undefined, key: string): JsonRecord {
  const value = record?.[key];
  return isRecord(value) ? value : {};
}

/** Removes // and /* *\/ comments and trailing commas, leaving string contents untouched. */
function stripJsonComments(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      out += text.slice(i, end + 1);
      i = end;
    } else if (char === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (char === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end === -1 ? text.length : end + 1;
    } else if (char === "," && /^\s*[}\]]/.test(text.slice(i + 1, i + 200))) {
      // A trailing comma, which JSONC allows and JSON.parse does not.
      continue;
    } else {
      out += char;
    }
  }
  return out;
}
