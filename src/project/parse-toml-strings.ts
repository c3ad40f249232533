/**
 * Just enough TOML for detection: which tables exist and the string values of simple keys
 * (name, description). Not a TOML parser and it never throws; anything it does not understand
 * (arrays, inline tables, numbers) is skipped, which is safe because callers only want strings.
 */

export interface TomlStrings {
  /** Every table named by a header or a dotted key, e.g. "project", "tool.pytest.ini_options". */
  readonly tables: ReadonlySet<string>;
  /** The string value of `key` in `table` ("" is the top level), if it is a plain string. */
  get(table: string, key: string): string | undefined;
}

const HEADER = /^\[\[?\s*([^[\]]+?)\s*\]\]?\s*(#.*)?$/;
const KEY_VALUE =
  /^((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=\s*(.*)$/;

/** Reads tables and string-valued keys from TOML text; malformed lines are ignored. */
export function parseTomlStrings(text: string): TomlStrings {
  const tables = new Set<string>();
  const values = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  let table = "";
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] ?? "").trim();
    const header = HEADER.exec(line);
    if (header) {
      table = normaliseDottedName(header[1] ?? "");
      tables.add(table);
      continue;
    }
    const pair = KEY_VALUE.exec(line);
    if (!pair) continue;
    const keyPath = normaliseDottedName(pair[1] ?? "").split(".");
    const key = keyPath.pop() ?? "";
    const owner = [table, ...keyPath].filter((part) => part !== "").join(".");
    if (keyPath.length > 0) tables.add(owner);
    const raw = pair[2] ?? "";
    const delimiter = raw.startsWith('"""') ? '"""' : raw.startsWith("'''") ? "'''" : undefined;
    if (delimiter) {
      // A multi-line string: gather lines until the closing delimiter so that text inside it
      // (which may look like "[section]") is not read as structure.
      let body = raw.slice(3);
      while (!body.includes(delimiter) && index + 1 < lines.length) {
        index += 1;
        body += `\n${lines[index] ?? ""}`;
      }
      const end = body.indexOf(delimiter);
      let value = end === -1 ? body : body.slice(0, end);
      value = value.replace(/^\r?\n/, "");
      if (delimiter === '"""') value = unescapeBasic(value.replace(/\\\r?\n\s*/g, ""));
      values.set(`${owner}\u0000${key}`, value.trim());
      continue;
    }
    const value = parseSingleLineString(raw);
    if (value !== undefined) values.set(`${owner}\u0000${key}`, value);
  }
  return {
    tables,
    get: (tableName, key) => values.get(`${tableName}\u0000${key}`),
  };
}

function parseSingleLineString(raw: string): string | undefined {
  if (raw.startsWith("'")) {
    const end = raw.indexOf("'", 1);
    return end === -1 ? undefined : raw.slice(1, end);
  }
  if (!raw.startsWith('"')) return undefined;
  for (let i = 1; i < raw.length; i++) {
    if (raw[i] === "\\") i += 1;
    else if (raw[i] === '"') return unescapeBasic(raw.slice(1, i));
  }
  return undefined;
}

function unescapeBasic(value: string): string {
  return value.replace(/\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)/g, (_, escape: string) => {
    if (escape.length > 1) return String.fromCodePoint(parseInt(escape.slice(1), 16));
    const simple: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f" };
    return simple[escape] ?? escape;
  });
}

function normaliseDottedName(name: string): string {
  return name
    .split(/\s*\.\s*(?=(?:[^"']|"[^"]*"|'[^']*')*$)/)
    .map((part) => part.trim().replace(/^["']|["']$/g, ""))
    .join(".");
}
