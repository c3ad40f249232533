/**
 * The part of a unified diff (`git diff`, `diff -u`) a secret scan needs: per file, its new path,
 * whether it is new or deleted or binary, and its added lines with their line numbers in the new
 * file. Context and removed lines are counted (to keep line numbers right) but not kept: a secret
 * that was already there or is being deleted is not what a push would add.
 *
 * Hunks are read by their line counts, so an added line that itself starts with `++` or `--` is
 * never mistaken for a file header.
 */

export interface DiffFileChange {
  /** The path in the new tree (the old path for a deleted file), without the `b/` prefix. */
  path: string;
  isNew: boolean;
  isDeleted: boolean;
  binary: boolean;
  addedLines: { line: number; text: string }[];
}

export function parseUnifiedDiff(diff: string): DiffFileChange[] {
  const files: DiffFileChange[] = [];
  let file: DiffFileChange | undefined;
  let oldLeft = 0;
  let newLeft = 0;
  let newLine = 0;
  /** The current file's `+++` header was read. */
  let sawNewName = false;
  const startFile = (filePath: string): DiffFileChange => {
    const started = {
      path: filePath,
      isNew: false,
      isDeleted: false,
      binary: false,
      addedLines: [],
    };
    files.push(started);
    return started;
  };

  for (const raw of diff.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (file && (oldLeft > 0 || newLeft > 0)) {
      const marker = line[0];
      if (marker === "+") {
        file.addedLines.push({ line: newLine, text: line.slice(1) });
        newLine++;
        newLeft--;
        continue;
      }
      if (marker === "-") {
        oldLeft--;
        continue;
      }
      // An empty line is a context line whose leading space an editor or mail client trimmed.
      if (marker === " " || line === "") {
        oldLeft--;
        newLeft--;
        newLine++;
        continue;
      }
      if (marker === "\\") continue; // "\ No newline at end of file"
      // Anything else ends the hunk early (a truncated diff); read it as a header.
      oldLeft = 0;
      newLeft = 0;
    }
    if (line.startsWith("diff --git ")) {
      file = startFile(pathFromDiffGitLine(line.slice("diff --git ".length)));
      sawNewName = false;
    } else if (line.startsWith("--- ")) {
      // Plain `diff -u` output has no `diff --git` line: a `---` after a `+++` starts a file.
      if (!file || sawNewName) file = startFile("");
      sawNewName = false;
      const source = stripTimestamp(line.slice(4));
      if (source === "/dev/null") file.isNew = true;
      else if (file.path === "") file.path = stripPrefix(unquotePath(source), "a/");
    } else if (line.startsWith("+++ ")) {
      if (!file || sawNewName) file = startFile("");
      sawNewName = true;
      const target = stripTimestamp(line.slice(4));
      if (target === "/dev/null") file.isDeleted = true;
      else file.path = stripPrefix(unquotePath(target), "b/");
    } else if (file && line.startsWith("new file mode")) {
      file.isNew = true;
    } else if (file && line.startsWith("deleted file mode")) {
      file.isDeleted = true;
    } else if (file && line.startsWith("rename to ")) {
      file.path = unquotePath(line.slice("rename to ".length));
    } else if (file && /^Binary files .* differ$/.test(line)) {
      file.binary = true;
      if (line.includes(" /dev/null and ")) file.isNew = true;
    } else if (file && line.startsWith("@@")) {
      const hunk = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (hunk) {
        oldLeft = hunk[1] === undefined ? 1 : Number(hunk[1]);
        newLine = Number(hunk[2]);
        newLeft = hunk[3] === undefined ? 1 : Number(hunk[3]);
      }
    }
  }
  return files;
}

/**
 * `a/<path> b/<path>`. Without renames both halves name the same path, which finds the split
 * even when the path has spaces; otherwise the last ` b/` does.
 */
function pathFromDiffGitLine(rest: string): string {
  if (rest.startsWith('"')) {
    const end = closingQuote(rest);
    const second = rest.slice(end + 2);
    return stripPrefix(unquotePath(second), "b/");
  }
  const half = (rest.length - 1) / 2;
  if (Number.isInteger(half) && rest[half] === " ") {
    const left = rest.slice(0, half);
    const right = rest.slice(half + 1);
    if (left.startsWith("a/") && right.startsWith("b/") && left.slice(2) === right.slice(2)) {
      return right.slice(2);
    }
  }
  const split = rest.lastIndexOf(" b/");
  const right = split === -1 ? rest : rest.slice(split + 1);
  return stripPrefix(unquotePath(right), "b/");
}

/** Index of the quote closing the C-style quoted string that starts at 0. */
function closingQuote(text: string): number {
  for (let index = 1; index < text.length; index++) {
    if (text[index] === "\\") index++;
    else if (text[index] === '"') return index;
  }
  return text.length - 1;
}

/** Git quotes paths with unusual bytes C-style, with octal escapes for each UTF-8 byte. */
export function unquotePath(text: string): string {
  if (!text.startsWith('"') || !text.endsWith('"') || text.length < 2) return text;
  const bytes: number[] = [];
  const simple: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13 };
  const body = text.slice(1, -1);
  for (let index = 0; index < body.length; index++) {
    const char = body[index]!;
    if (char !== "\\") {
      bytes.push(...Buffer.from(char, "utf8"));
      continue;
    }
    const next = body[index + 1] ?? "";
    const octal = /^[0-7]{3}/.exec(body.slice(index + 1));
    if (octal) {
      bytes.push(parseInt(octal[0], 8));
      index += 3;
    } else {
      bytes.push(simple[next] ?? next.charCodeAt(0));
      index += 1;
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** `diff -u` may follow the name with a tab and a timestamp. */
function stripTimestamp(name: string): string {
  const tab = name.indexOf("\t");
  return tab === -1 ? name : name.slice(0, tab);
}

function stripPrefix(name: string, prefix: string): string {
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}
