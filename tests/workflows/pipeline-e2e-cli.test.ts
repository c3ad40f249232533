/**
 * The whole loop offline through the built CLI: `harness issue new` files a local issue in
 * `.harness/issues/`, then `harness run --once --json` runs triage → plan → work → report with
 * the local tracker (no GitHub remote: `origin` is a bare repository on disk), the router
 * started in-process in front of a scripted OpenAI-like backend (the triager's and planner's
 * JSON, the built-in implementer's tool calls, the reviewer's JSON, in request order), and the
 * project's real test command. Then: the verdict label and comment, the plan item done, the
 * branch pushed, the PR record in `.harness/issues/pulls.json`, the digest written; no request
 * carries the token in the environment; and a second run changes nothing and asks no model.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { LOCAL_ISSUES_DIR, createLocalTracker } from "../../src/tracker/local-tracker.js";
import {
  startScriptedOpenAiBackend,
  type ScriptedBackend,
} from "../agents/fixtures/scripted-openai-backend.js";
import { ensureBuiltCli } from "../support/built-cli.js";
import {
  greetPlan,
  jsonStep,
  queueSnapshot,
  toolStep,
  triageVerdict,
} from "../support/pipeline-scripts.js";
import { runHarness } from "../support/run-cli.js";
import { createTempDir, type TempDir } from "../support/temp-dir.js";
import {
  GOOD_GREET,
  createWorkFixture,
  fakeToken,
  git,
  originBranches,
  progressEntry,
  type WorkFixture,
} from "./work-fixture.js";

let fixture: WorkFixture;
let backend: ScriptedBackend;
let home: TempDir;

beforeAll(async () => {
  await ensureBuiltCli();
}, 180_000);

beforeEach(async () => {
  fixture = await createWorkFixture();
  home = await createTempDir("pipeline-e2e-home");
});

afterEach(async () => {
  await backend?.close();
  await fixture?.cleanup();
  await home?.remove();
});

function writeConfig(backendUrl: string): void {
  writeFileSync(
    path.join(fixture.repo.root, "harness.config.yaml"),
    [
      "project:",
      "  testCommand: node test.js",
      "router:",
      // Nothing answers on port 0: the run starts the router in-process, in front of the backend.
      "  port: 0",
      "  backends:",
      "    - name: scripted",
      "      kind: llama-server",
      `      url: ${backendUrl}`,
      "fanOut:",
      "  maxWorkers: 1",
      "work:",
      "  maxConcurrent: 1",
      "  reviewRounds: 1",
      "",
    ].join("\n"),
  );
}

function harness(args: string[]) {
  return runHarness(args, {
    cwd: fixture.repo.root,
    env: { HARNESS_HOME: home.path, GITHUB_TOKEN: fakeToken, GH_TOKEN: fakeToken },
  });
}

interface PullRecord {
  number: number;
  head: string;
  base: string;
  body: string;
  labels: string[];
  state: string;
  comments: Record<string, string>;
}

function pullsFile(): PullRecord[] {
  const file = path.join(fixture.repo.root, LOCAL_ISSUES_DIR, "pulls.json");
  if (!existsSync(file)) return [];
  return (JSON.parse(readFileSync(file, "utf8")) as { pulls: PullRecord[] }).pulls;
}

function resultOf(records: Record<string, unknown>[]): Record<string, unknown> | undefined {
  return records.find((record) => record["type"] === "result");
}

describe("harness run --once on the local tracker", () => {
  it("triages, plans, works and reports one local issue offline; a second run changes nothing", async () => {
    const filed = await harness([
      "issue",
      "new",
      "Greet harness",
      "--body",
      "greet() should say Hello, harness.",
    ]);
    expect(filed.exitCode, filed.stderr).toBe(0);
    expect(filed.stdout).toContain("#1 Greet harness");

    backend = await startScriptedOpenAiBackend([
      jsonStep(triageVerdict(1, "valid")),
      jsonStep(greetPlan()),
      toolStep("write_file", { path: "src/greet.js", content: GOOD_GREET }),
      toolStep("write_file", { path: "PROGRESS.md", content: progressEntry(1) }),
      toolStep("run_command", { command: "node test.js" }),
      toolStep("finish", { status: "done", summary: "greet() says Hello, harness." }),
      jsonStep({ approve: true, findings: [] }),
    ]);
    writeConfig(backend.url);

    const run = await harness(["run", "--once", "--json"]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(backend.requests).toHaveLength(7);
    const result = resultOf(run.records);
    expect(result).toMatchObject({
      command: "run",
      skipped: false,
      failed: false,
      stages: {
        triage: {
          status: "done",
          summary: { triaged: 1, items: [{ issue: 1, verdict: "valid" }] },
        },
        plan: { status: "done", summary: { planned: [{ issue: 1, items: ["issue-1"] }] } },
        work: {
          status: "done",
          summary: {
            items: [{ id: "issue-1", outcome: "pr-opened", testsPassed: true, reviewRounds: 1 }],
          },
        },
      },
    });

    // The verdict and where the work stands, on the local issue; one comment per stage.
    const issue = await createLocalTracker(fixture.repo.root).getIssue(1);
    expect([...issue.labels].sort()).toEqual(["harness:pr-open", "harness:valid"]);
    const comments = path.join(fixture.repo.root, LOCAL_ISSUES_DIR, "1.comments");
    expect(readFileSync(path.join(comments, "triage.md"), "utf8")).toContain("valid");
    expect(readFileSync(path.join(comments, "plan.md"), "utf8")).toContain("issue-1");

    // The plan item is done; its branch went to origin with the fix; one PR record.
    expect((await queueSnapshot(fixture.queue)).map((item) => [item.id, item.state])).toEqual([
      ["issue-1", "done"],
    ]);
    const branch = "harness/1-greet-harness";
    expect(originBranches(fixture)).toEqual([branch, "main"]);
    expect(git(fixture.origin, "show", `${branch}:src/greet.js`)).toBe(GOOD_GREET);
    const pulls = pullsFile();
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ head: branch, base: "main", state: "open" });
    expect(pulls[0]?.body).toContain("Closes #1");
    expect(pulls[0]?.comments["tech-report"]).toContain("Tech report: issue #1");

    // The digest, where the summary says.
    const digestPath = path.join(fixture.repo.root, String(result?.["digestPath"]));
    const digest = readFileSync(digestPath, "utf8");
    expect(digest).toContain("- #1: **valid**");
    expect(digest).toContain("- #1 → `issue-1`");
    expect(digest).toMatch(/\[PR #1\]\(.*pulls\.json#1\)/);

    // The token in the environment reached no model request.
    for (const request of backend.requests) {
      expect(JSON.stringify(request)).not.toContain(fakeToken);
    }

    const again = await harness(["run", "--once", "--json"]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(backend.requests).toHaveLength(7);
    expect(resultOf(again.records)).toMatchObject({
      stages: {
        triage: { summary: { triaged: 0 } },
        plan: { summary: { planned: [], alreadyPlanned: [1] } },
        work: { summary: { items: [] } },
      },
    });
    expect(pullsFile()).toEqual(pulls);
    expect(originBranches(fixture)).toEqual([branch, "main"]);
  });
});
