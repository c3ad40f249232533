/**
 * The local tracker on real files in a temp folder: issue files a person can read and write,
 * numbers that are never shared (also across processes), corrupt files reported rather than
 * fatal, and comments and pull request records that a rerun does not repeat.
 */
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { InputError } from "../../src/errors.js";
import {
  LOCAL_ISSUES_DIR,
  createLocalIssue,
  createLocalTracker,
  listLocalIssues,
} from "../../src/tracker/local-tracker.js";
import type { TrackerNotice } from "../../src/tracker/types.js";
import { createTempDir, type TempDir } from "../support/temp-dir.js";

let dir: TempDir;
let root: string;

beforeEach(async () => {
  dir = await createTempDir("local-tracker");
  root = dir.path;
});

afterEach(async () => {
  await dir.remove();
});

function issuePath(number: number): string {
  return path.join(root, LOCAL_ISSUES_DIR, `${number}.md`);
}

function later(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5));
}

/** A pid no process has: a child that already exited. */
function deadPid(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-e", ""]);
    child.on("exit", () => resolve(child.pid ?? 999_999));
  });
}

/**
 * Runs `body` (with `createLocalIssue`, `createLocalTracker`, `root` and `tag` in scope) in a
 * separate Node process per call; resolves to its exit code.
 */
function inProcesses(body: string): (tag: string) => Promise<number> {
  const source = path.resolve(
    path.dirname(fileURLToPath(import.meta.url)),
    "../../src/tracker/local-tracker.ts",
  );
  const script = path.join(root, `worker-${Math.random().toString(36).slice(2)}.mts`);
  writeFileSync(
    script,
    [
      `import { createLocalIssue, createLocalTracker } from ${JSON.stringify(source)};`,
      "const [root, tag] = process.argv.slice(2);",
      body,
    ].join("\n"),
  );
  return (tag) =>
    new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", script, root, tag], {
        stdio: ["ignore", "ignore", "inherit"],
      });
      child.on("exit", (code) => resolve(code ?? -1));
    });
}

describe("local issues", () => {
  it("creates readable issue files and reads them back", async () => {
    const created = await createLocalIssue(root, {
      title: "  Login fails\nwith an empty password ",
      body: "Steps:\n1. Leave the password empty\n2. Press enter\n",
      labels: ["bug"],
      author: "alice",
    });
    expect(created.file).toBe(path.join(".harness", "issues", "1.md"));
    const text = readFileSync(issuePath(1), "utf8");
    expect(text).toMatch(
      /^---\nid: 1\ntitle: Login fails with an empty password\nstate: open\nlabels:\n {2}- bug\nauthor: alice\ncreated: '.+'\nupdated: '.+'\n---\nSteps:\n1\. Leave/,
    );

    const tracker = createLocalTracker(root);
    const issue = await tracker.getIssue(1);
    expect(issue).toEqual({ ...created.issue, updatedAt: issue.updatedAt });
    expect(issue).toMatchObject({
      number: 1,
      title: "Login fails with an empty password",
      body: "Steps:\n1. Leave the password empty\n2. Press enter\n",
      state: "open",
      labels: ["bug"],
      author: "alice",
      authorAssociation: "OWNER",
      isPullRequest: false,
    });
    expect(issue.url).toBeUndefined();

    const second = await createLocalIssue(root, { title: "Second" });
    expect(second.issue).toMatchObject({ number: 2, body: "", labels: [], author: "local" });
    expect((await listLocalIssues(root)).items.map((item) => item.number)).toEqual([1, 2]);
  });

  it("refuses an empty title", async () => {
    await expect(createLocalIssue(root, { title: " \n " })).rejects.toBeInstanceOf(InputError);
  });

  it("reads a hand-written file with only id and title", async () => {
    mkdirSync(path.join(root, LOCAL_ISSUES_DIR), { recursive: true });
    writeFileSync(issuePath(5), "---\nid: 5\ntitle: Written by hand\n---\nJust text.\n");
    const issue = await createLocalTracker(root).getIssue(5);
    expect(issue).toMatchObject({
      number: 5,
      title: "Written by hand",
      body: "Just text.\n",
      labels: [],
    });
    expect(Date.parse(issue.createdAt)).not.toBeNaN();
    // The next new issue takes the next number after the highest.
    expect((await createLocalIssue(root, { title: "After" })).issue.number).toBe(6);
  });

  it("gives every concurrent creator its own number, in one process", async () => {
    const created = await Promise.all(
      Array.from({ length: 25 }, (_, index) => createLocalIssue(root, { title: `Issue ${index}` })),
    );
    const numbers = created.map((result) => result.issue.number).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 25 }, (_, index) => index + 1));
    const titles = new Set((await listLocalIssues(root)).items.map((issue) => issue.title));
    expect(titles.size).toBe(25);
  });

  it("gives every concurrent creator its own number, across processes", async () => {
    const run = inProcesses(
      "for (let i = 0; i < 10; i++) await createLocalIssue(root, { title: `${tag} ${i}` });",
    );
    expect(await Promise.all(["a", "b", "c", "d"].map(run))).toEqual([0, 0, 0, 0]);
    const { items, diagnostics } = await listLocalIssues(root);
    expect(diagnostics).toEqual([]);
    expect(items.map((issue) => issue.number)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(new Set(items.map((issue) => issue.title)).size).toBe(40);
  }, 60_000);

  it("lists a corrupt file as a problem, and the other issues still work", async () => {
    await createLocalIssue(root, { title: "Fine" });
    writeFileSync(issuePath(2), "---\nid: 2\ntitle: [unclosed\n---\nbody\n");
    writeFileSync(issuePath(3), "---\nid: 4\ntitle: Wrong id\n---\n");
    writeFileSync(issuePath(4), "No frontmatter at all\n");
    writeFileSync(path.join(root, LOCAL_ISSUES_DIR, "notes.md"), "scratch\n");

    const { items, diagnostics } = await listLocalIssues(root, { state: "all" });
    expect(items.map((issue) => issue.title)).toEqual(["Fine"]);
    expect(diagnostics.map((d) => [d.file, d.rule])).toEqual([
      [path.join(LOCAL_ISSUES_DIR, "notes.md"), "local-issue-name"],
      [path.join(LOCAL_ISSUES_DIR, "2.md"), "local-issue-yaml"],
      [path.join(LOCAL_ISSUES_DIR, "3.md"), "local-issue-field"],
      [path.join(LOCAL_ISSUES_DIR, "4.md"), "local-issue-frontmatter"],
    ]);
    expect(diagnostics[2]?.message).toBe("id 4 does not match the file name 3.md");

    const notices: TrackerNotice[] = [];
    const tracker = createLocalTracker(root, { onNotice: (notice) => notices.push(notice) });
    expect((await tracker.listChanged()).issues.map((issue) => issue.title)).toEqual(["Fine"]);
    expect(notices.map((notice) => notice.message).join("\n")).toContain(
      "2.md: error: invalid YAML",
    );

    const error = await tracker.getIssue(2).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(
      /^Local issue file \.harness\/issues\/2\.md is corrupt: invalid YAML/,
    );
    await expect(tracker.getIssue(9)).rejects.toThrow(
      "Local issue #9 not found (.harness/issues/9.md)",
    );
    await expect(tracker.setLabel(3, "bug")).rejects.toBeInstanceOf(InputError);
  });
});

describe("LocalTracker", () => {
  it("lists open issues changed since the cursor, including edits made by hand", async () => {
    const tracker = createLocalTracker(root);
    await createLocalIssue(root, { title: "One" });
    await later();
    await createLocalIssue(root, { title: "Two" });
    await later();
    await createLocalIssue(root, { title: "Three" });
    await tracker.closeIssue(3, "completed");

    const first = await tracker.listChanged();
    expect(first.issues.map((issue) => issue.title)).toEqual(["One", "Two"]);
    expect(await tracker.listChanged(first.cursor)).toEqual({ issues: [], cursor: first.cursor });

    await later();
    await tracker.setLabel(1, "harness:valid");
    const second = await tracker.listChanged(first.cursor);
    expect(second.issues.map((issue) => [issue.title, issue.labels])).toEqual([
      ["One", ["harness:valid"]],
    ]);

    // A person edits issue 2 in an editor, without touching `updated`.
    const file = issuePath(2);
    writeFileSync(file, readFileSync(file, "utf8").replace(/\n$/, "") + "More detail.\n");
    const future = new Date(Date.now() + 2_000);
    utimesSync(file, future, future);
    const third = await tracker.listChanged(second.cursor);
    expect(third.issues.map((issue) => [issue.title, issue.body])).toEqual([
      ["Two", "More detail.\n"],
    ]);
    expect((await tracker.listChanged(third.cursor)).issues).toEqual([]);
  });

  it("keeps one comment file per marker: created, unchanged on rerun, updated in place", async () => {
    await createLocalIssue(root, { title: "Slow search" });
    const tracker = createLocalTracker(root);
    expect(await tracker.upsertComment(1, "triage", "Verdict: valid")).toEqual({
      id: "1/triage",
      action: "created",
    });
    const file = path.join(root, LOCAL_ISSUES_DIR, "1.comments", "triage.md");
    const written = readFileSync(file, "utf8");
    expect(written).toBe("<!-- harness:triage -->\nVerdict: valid\n");
    expect((await tracker.upsertComment(1, "triage", "Verdict: valid\n")).action).toBe("unchanged");
    expect(readFileSync(file, "utf8")).toBe(written);
    expect((await tracker.upsertComment(1, "triage", "Verdict: duplicate of #3")).action).toBe(
      "updated",
    );
    expect((await tracker.upsertComment(1, "plan", "1. Add an index")).action).toBe("created");
    expect(readdirSync(path.dirname(file)).sort()).toEqual(["plan.md", "triage.md"]);
    expect(readFileSync(file, "utf8")).toBe("<!-- harness:triage -->\nVerdict: duplicate of #3\n");
    // Comments live beside the issue; the issue file itself is untouched.
    expect((await listLocalIssues(root)).items).toHaveLength(1);

    await expect(tracker.upsertComment(2, "triage", "x")).rejects.toThrow(/#2 not found/);
    await expect(tracker.upsertComment(1, "../escape", "x")).rejects.toThrow(/marker/);
  });

  it("sets one label of an exclusive group and keeps the body and unknown keys as they were", async () => {
    mkdirSync(path.join(root, LOCAL_ISSUES_DIR), { recursive: true });
    writeFileSync(
      issuePath(1),
      "---\nid: 1\ntitle: Docs link\nlabels: [docs, harness:needs-info]\npriority: high\n---\nThe link   is broken.\n\n  Indented line.\n",
    );
    const tracker = createLocalTracker(root);
    const group = ["harness:valid", "harness:needs-info", "harness:duplicate"];
    expect(await tracker.setLabel(1, "harness:valid", { exclusiveGroup: group })).toEqual({
      added: true,
      removed: ["harness:needs-info"],
    });
    const issue = await tracker.getIssue(1);
    expect(issue.labels).toEqual(["docs", "harness:valid"]);
    expect(issue.body).toBe("The link   is broken.\n\n  Indented line.\n");
    expect(readFileSync(issuePath(1), "utf8")).toContain("priority: high\n");

    const before = readFileSync(issuePath(1), "utf8");
    expect(await tracker.setLabel(1, "harness:valid", { exclusiveGroup: group })).toEqual({
      added: false,
      removed: [],
    });
    expect(readFileSync(issuePath(1), "utf8")).toBe(before);
    expect(await tracker.ensureLabel("anything")).toBe("exists");
  });

  it("closes an issue once and records why", async () => {
    await createLocalIssue(root, { title: "Out of scope" });
    const tracker = createLocalTracker(root);
    expect(await tracker.closeIssue(1, "not_planned")).toEqual({ action: "closed" });
    expect(await tracker.closeIssue(1, "not_planned")).toEqual({ action: "unchanged" });
    expect(readFileSync(issuePath(1), "utf8")).toContain("state: closed\n");
    expect(readFileSync(issuePath(1), "utf8")).toContain("closed_reason: not_planned\n");
    expect((await listLocalIssues(root)).items).toEqual([]);
    expect((await listLocalIssues(root, { state: "closed" })).items).toHaveLength(1);
  });

  it("does not lose a label when several workers label the same issue at once", async () => {
    await createLocalIssue(root, { title: "Busy" });
    const tracker = createLocalTracker(root);
    await Promise.all(["a", "b", "c", "d", "e"].map((label) => tracker.setLabel(1, label)));
    expect((await tracker.getIssue(1)).labels.sort()).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("does not lose a label when processes label the same issue at once", async () => {
    await createLocalIssue(root, { title: "Busy across processes" });
    const run = inProcesses(
      "const tracker = createLocalTracker(root);\n" +
        "for (let i = 0; i < 5; i++) await tracker.setLabel(1, `${tag}-${i}`);",
    );
    expect(await Promise.all(["a", "b", "c", "d"].map(run))).toEqual([0, 0, 0, 0]);
    expect((await createLocalTracker(root).getIssue(1)).labels).toHaveLength(20);
  }, 60_000);

  it("takes over a lock left by a process that died", async () => {
    await createLocalIssue(root, { title: "Locked" });
    const locks = path.join(root, LOCAL_ISSUES_DIR, ".locks");
    mkdirSync(locks, { recursive: true });
    writeFileSync(path.join(locks, "issue-1.lock"), `${await deadPid()}\n`);
    expect(await createLocalTracker(root).setLabel(1, "bug")).toEqual({ added: true, removed: [] });
    expect(existsSync(path.join(locks, "issue-1.lock"))).toBe(false);
  });
});

describe("LocalTracker pull request records", () => {
  const input = {
    head: "harness/1-fix-login",
    base: "main",
    title: "Fix login",
    body: "Closes #1",
    labels: ["harness"],
  };

  it("records one PR per head branch: created, unchanged, updated", async () => {
    const tracker = createLocalTracker(root);
    const created = await tracker.upsertPullRequest(input);
    expect(created).toEqual({
      number: 1,
      url: path.join(LOCAL_ISSUES_DIR, "pulls.json") + "#1",
      action: "created",
    });
    expect(await tracker.upsertPullRequest(input)).toEqual({ ...created, action: "unchanged" });
    expect(await tracker.upsertPullRequest({ ...input, body: "Closes #1\n\nReport" })).toEqual({
      ...created,
      action: "updated",
    });
    expect(await tracker.findOpenPullRequest(input.head)).toMatchObject({
      number: 1,
      body: "Closes #1\n\nReport",
      labels: ["harness"],
      state: "open",
    });
    const other = await tracker.upsertPullRequest({ ...input, head: "alice/tweak", labels: [] });
    expect(other.number).toBe(2);
    expect(
      (await tracker.listOpenPullRequests({ label: "harness" })).map((pull) => pull.number),
    ).toEqual([1]);
    expect(
      (await tracker.listOpenPullRequests({ headPrefix: "harness/" })).map((pull) => pull.number),
    ).toEqual([1]);
    expect(await tracker.listOpenPullRequests()).toHaveLength(2);

    const file = JSON.parse(readFileSync(path.join(root, LOCAL_ISSUES_DIR, "pulls.json"), "utf8"));
    expect(file.pulls).toHaveLength(2);
  });

  it("never records a second PR for a head, even when workers race", async () => {
    const tracker = createLocalTracker(root);
    const results = await Promise.all(
      Array.from({ length: 6 }, () => createLocalTracker(root).upsertPullRequest(input)),
    );
    expect(new Set(results.map((result) => result.number))).toEqual(new Set([1]));
    expect(results.filter((result) => result.action === "created")).toHaveLength(1);
    expect(await tracker.listOpenPullRequests()).toHaveLength(1);
  });

  it("comments on a recorded PR once per marker", async () => {
    const tracker = createLocalTracker(root);
    const pull = await tracker.upsertPullRequest(input);
    expect(
      (await tracker.upsertPullRequestComment(pull.number, "report", "All green")).action,
    ).toBe("created");
    expect(
      (await tracker.upsertPullRequestComment(pull.number, "report", "All green")).action,
    ).toBe("unchanged");
    expect(
      (await tracker.upsertPullRequestComment(pull.number, "report", "Still green")).action,
    ).toBe("updated");
    await expect(tracker.upsertPullRequestComment(9, "report", "x")).rejects.toThrow(
      /#9 is not recorded/,
    );
  });

  it("a corrupt pulls.json is an error naming the file, not a silent second PR", async () => {
    mkdirSync(path.join(root, LOCAL_ISSUES_DIR), { recursive: true });
    writeFileSync(path.join(root, LOCAL_ISSUES_DIR, "pulls.json"), "{ not json");
    const error = await createLocalTracker(root)
      .upsertPullRequest(input)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toContain(
      `${path.join(LOCAL_ISSUES_DIR, "pulls.json")} is corrupt`,
    );
  });
});
