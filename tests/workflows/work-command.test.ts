/**
 * `runWorkCommand` end to end on the local tracker: the config's router is a scripted
 * llama-server-like backend (it answers /health, so the session uses it as the router) that
 * plays the built-in implementer's tool calls. `--json` reports the summary as the result
 * record; an empty queue works nothing; bad flags are input errors.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { runWorkCommand } from "../../src/commands/work.js";
import { InputError } from "../../src/errors.js";
import { createFileQueue } from "../../src/queue/file-queue.js";
import { queueDir } from "../../src/queue/open-queue.js";
import { LOCAL_ISSUES_DIR, createLocalIssue } from "../../src/tracker/local-tracker.js";
import { workBranchName } from "../../src/git/branch-names.js";
import {
  startScriptedOpenAiBackend,
  type ScriptedBackend,
  type ScriptedStep,
} from "../agents/fixtures/scripted-openai-backend.js";
import { captureCommand, jsonRecords } from "../support/command-context.js";
import { createTempGitRepo, type TempGitRepo } from "../support/temp-git-repo.js";
import { GOOD_GREET, PLAN, progressEntry } from "./work-fixture.js";

let repo: TempGitRepo;
let backend: ScriptedBackend | undefined;

const usage = { promptTokens: 100, completionTokens: 10 };
const script: ScriptedStep[] = [
  { toolCall: { name: "write_file", input: { path: "src/greet.js", content: GOOD_GREET } }, usage },
  {
    toolCall: { name: "write_file", input: { path: "PROGRESS.md", content: progressEntry(1) } },
    usage,
  },
  { toolCall: { name: "finish", input: { status: "done", summary: "Greets harness." } }, usage },
];

async function setUp(withItem: boolean): Promise<void> {
  backend = await startScriptedOpenAiBackend(script);
  const port = new URL(backend.url).port;
  repo = createTempGitRepo({
    "harness.config.yaml": [
      "project:",
      "  testCommand: node test.js",
      "work:",
      "  reviewRounds: 0",
      "router:",
      `  port: ${port}`,
      "",
    ].join("\n"),
    "src/greet.js": 'export function greet() {\n  return "Hello, world";\n}\n',
    "test.js":
      'import { greet } from "./src/greet.js";\nprocess.exit(greet() === "Hello, harness" ? 0 : 1);\n',
    "package.json": '{ "type": "module" }\n',
    "PROGRESS.md": "# Progress\n",
    ".gitignore": ".harness/\n",
  });
  if (!withItem) return;
  await createLocalIssue(repo.root, { title: "Greet harness", body: "Say hello to harness." });
  const queue = await createFileQueue({ dir: queueDir(repo.root) });
  await queue.enqueue({
    id: "issue-1",
    title: "Greet harness",
    body: PLAN,
    data: {
      kind: "issue-plan",
      issue: 1,
      issueTitle: "Greet harness",
      branch: workBranchName(1, "Greet harness"),
      baseCommit: repo.git("rev-parse", "HEAD").trim(),
      issueHash: "hash",
      files: ["src/greet.js"],
      tests: ["test.js"],
      size: "s",
      dependsOn: [],
    },
  });
  await queue.close();
}

afterEach(async () => {
  repo?.cleanup();
  await backend?.close();
  backend = undefined;
});

async function run(
  options: Parameters<typeof runWorkCommand>[0],
  json: boolean,
): Promise<{ exitCode: number; stdout: string }> {
  const { ctx, output } = captureCommand({
    cwd: repo.root,
    json,
    env: { NO_COLOR: "1", PATH: process.env.PATH, HOME: process.env.HOME },
  });
  const { exitCode } = await runWorkCommand(options, ctx);
  return { exitCode, stdout: output() };
}

describe("runWorkCommand", () => {
  it("works the item and reports the summary as JSON", async () => {
    await setUp(true);
    const { exitCode, stdout } = await run({ item: "issue-1" }, true);
    expect(exitCode).toBe(0);
    const records = jsonRecords(stdout);
    const result = records.find((record) => record["type"] === "result");
    expect(result).toMatchObject({
      command: "work",
      items: [
        {
          id: "issue-1",
          issue: 1,
          outcome: "pr-opened",
          testRuns: 1,
          testsPassed: true,
          pullRequest: { number: 1 },
        },
      ],
    });
    expect(records.some((record) => record["type"] === "work-finished")).toBe(true);
    expect(backend?.requests).toHaveLength(3);
    const pulls = JSON.parse(
      readFileSync(path.join(repo.root, LOCAL_ISSUES_DIR, "pulls.json"), "utf8"),
    ) as { pulls: { body: string }[] };
    expect(pulls.pulls[0]?.body).toContain("Closes #1");
    // No remote in this repository: nothing was pushed, and the report says so.
    const report = readFileSync(
      path.join(repo.root, ".harness", "runs", "issue-1", "report.md"),
      "utf8",
    );
    expect(report).toContain(
      'Push: no git remote "origin" is configured, so the branch was not pushed',
    );
  });

  it("prints that nothing was worked when the queue is empty", async () => {
    await setUp(false);
    const { exitCode, stdout } = await run({}, false);
    expect(exitCode).toBe(0);
    expect(stdout).toContain("0 item(s) worked");
    expect(backend?.requests).toHaveLength(0);
  });

  it("refuses a concurrency that is not a whole number from 1", async () => {
    await setUp(false);
    await expect(run({ concurrency: 0 }, false)).rejects.toThrow(InputError);
  });
});
