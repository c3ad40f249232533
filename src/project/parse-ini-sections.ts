/**
 * A forgiving reader for setup.cfg, tox.ini and pytest.ini: sections and their keys, with
 * indented continuation lines joined. It never throws; odd lines are skipped.
 */

/** Section name to its keys (lower-cased) and values, in file order. */
export type IniSections = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** Parses INI-style text as Python's configparser would for the keys detection reads. */
export function parseIniSections(text: string): IniSections {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  let lastKey: string | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    if (/^\s*[#;]/.test(rawLine) || rawLine.trim() === "") continue;
    const header = /^\[([^\]]+)\]/.exec(rawLine);
    if (header) {
      const name = (header[1] ?? "").trim();
      current = sections.get(name) ?? new Map<string, string>();
      sections.set(name, current);
      lastKey = undefined;
      continue;
    }
    if (!current) continue;
    if (/^\s/.test(rawLine) && lastKey !== undefined) {
      const previous = current.get(lastKey) ?? "";
      current.set(lastKey, previous === "" ? rawLine.trim() : `${previous}\n${rawLine.trim()}`);
      continue;
    }
    const pair = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(rawLine);
    if (!pair) continue;
    lastKey = (pair[1] ?? "").trim().toLowerCase();
    current.set(lastKey, (pair[2] ?? "").trim());
  }
  return sections;
}
