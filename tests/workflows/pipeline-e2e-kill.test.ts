/**
 * A cycle killed in the middle of the work stage resumes without loss or duplicates. The built
 * CLI runs `harness run --once` in a child process on the local tracker, with the router
 * started in-process in front of a scripted OpenAI-like backend and a one-second queue lease.
 * The project's test command announces itself (its shell's pid in a control folder) and then
 * blocks until the test lets it go: once it has started, the worker holds the item (it is
 * `running`, leased, the implementer's change committed in the worktree), and the test SIGKILLs
 * the CLI and the test command's process group, as a crash of the machine would.
 *
 * The next run finds the stale cycle lock and takes it over, triages and plans nothing again
 * (no model request for them), recovers the item once its lease has run out, works it as
 * attempt 2 on the same branch and worktree (the first attempt's commit is kept), and opens
 * exactly one PR. Nothing is lost: the item is done, the issue labelled, one comment per stage.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { afterEach, beforeAll, beforeEach, expect, it } from "vitest";

import {
  LOCAL_ISSUES_DIR,
  createLocalIssue,
  createLocalTracker,
} from "../../src/tracker/local-tracker.js";
import { CYCLE_LOCK_FILE } from "../../src/workflows/cycle-lock.js";
import {
  startScriptedOpenAiBackend,
  type ScriptedBackend,
} from "../agents/fixtures/scripted-openai-backend.js";
import { ensureBuiltCli } from "../support/built-cli.js";
import { greetPlan, jsonStep, toolStep, triageVerdict } from "../support/pipeline-scripts.js";
import { harnessBin, runHarness } from "../support/run-cli.js";
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

const LEASE_MS = 1_000;
const BRANCH = "harness/1-greet-harness";

let fixture: WorkFixture;
let backend: ScriptedBackend;
let control: TempDir;
let child: ChildProcess | undefined;

beforeAll(async () => {
  await ensureBuiltCli();
}, 180_000);

beforeEach(async () => {
  fixture = await createWorkFixture();
  control = await createTempDir("pipeline-e2e-kill");
});

afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  killTestCommands();
  await backend?.close();
  await fixture?.cleanup();
  await control?.remove();
});

const pidsFile = () => path.join(control.path, "test-pids");
const releaseFile = () => path.join(control.path, "release");

/** The test commands started so far (their shells lead their own process groups). */
function testCommandPids(): number[] {
  if (!existsSync(pidsFile())) return [];
  return readFileSync(pidsFile(), "utf8").split("\n").filter(Boolean).map(Number);
}

function killTestCommands(): void {
  for (const pid of testCommandPids()) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

function writeConfig(backendUrl: string): void {
  const wait = `while [ ! -f '${releaseFile()}' ]; do sleep 0.05; done`;
  writeFileSync(
    path.join(fixture.repo.root, "harness.config.yaml"),
    [
      "project:",
      `  testCommand: ${JSON.stringify(`echo $$ >> '${pidsFile()}' && ${wait} && node test.js`)}`,
      "router:",
      "  port: 0",
      "  backends:",
      "    - name: scripted",
      "      kind: llama-server",
      `      url: ${backendUrl}`,
      "queue:",
      `  leaseMs: ${LEASE_MS}`,
      "fanOut:",
      "  maxWorkers: 1",
      "work:",
      "  maxConcurrent: 1",
      "  reviewRounds: 1",
      "",
    ].join("\n"),
  );
}

const env = () => ({ NO_COLOR: "1", HARNESS_HOME: control.path, GITHUB_TOKEN: fakeToken });

async function waitFor(what: string, done: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function userTextOf(request: Record<string, unknown>): string {
  const messages = request["messages"] as { role: string; content: unknown }[];
  return messages
    .filter((message) => message.role === "user")
    .map((message) => JSON.stringify(message.content))
    .join("\n");
}

it("recovers an item whose worker was SIGKILLed and works it once more on the same branch, into one PR", async () => {
  await createLocalIssue(fixture.repo.root, {
    title: "Greet harness",
    body: "greet() should say Hello, harness.",
  });
  backend = await startScriptedOpenAiBackend([
    // The killed run: triage, plan, the implementer's change; then the tests block.
    jsonStep(triageVerdict(1, "valid")),
    jsonStep(greetPlan()),
    toolStep("write_file", { path: "src/greet.js", content: GOOD_GREET }),
    toolStep("write_file", { path: "PROGRESS.md", content: progressEntry(1) }),
    toolStep("finish", { status: "done", summary: "greet() says Hello, harness." }),
    // The next run: attempt 2 finds the change committed and finishes; then the review.
    toolStep("finish", { status: "done", summary: "The earlier attempt's change is complete." }),
    jsonStep({ approve: true, findings: [] }),
  ]);
  writeConfig(backend.url);

  const started = spawn(process.execPath, [harnessBin, "run", "--once"], {
    cwd: fixture.repo.root,
    env: { ...process.env, ...env() },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child = started;
  let output = "";
  started.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  started.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    started.on("exit", (_code, signal) => resolve(signal)),
  );
  await waitFor(`the test command (run output so far:\n${output})`, () => {
    if (started.exitCode !== null) throw new Error(`the run ended early:\n${output}`);
    return testCommandPids().length > 0;
  });

  // The worker holds the item: running and leased, the change committed in its worktree.
  const held = await fixture.queue.get("issue-1");
  expect(held).toMatchObject({ state: "running", attempts: 1 });
  const worktree = path.join(fixture.repo.root, ".harness", "worktrees", "1-greet-harness");
  expect(git(worktree, "show", "HEAD:src/greet.js")).toBe(GOOD_GREET);
  const firstCommit = git(worktree, "rev-parse", "HEAD").trim();
  expect(backend.requests).toHaveLength(5);

  started.kill("SIGKILL");
  expect(await exited).toBe("SIGKILL");
  killTestCommands();
  expect(existsSync(path.join(fixture.repo.root, CYCLE_LOCK_FILE))).toBe(true);
  expect(originBranches(fixture)).toEqual(["main"]);

  // Let the next test run pass, and the lease run out.
  writeFileSync(releaseFile(), "");
  await sleep(LEASE_MS + 500);

  const next = await runHarness(["run", "--once"], { cwd: fixture.repo.root, env: env() });
  expect(next.exitCode, `${next.stdout}\n${next.stderr}`).toBe(0);
  expect(next.stdout).toContain("triage: 1 issue(s) seen: 0 triaged, 1 unchanged");
  expect(next.stdout).toContain("plan: 0 planned (0 item(s)), 1 already planned");
  expect(next.stdout).toContain("work: 1 item(s) worked: 1 pr-opened");

  // Only the implementer's second attempt and the review asked the model; it was told about
  // the earlier attempt.
  expect(backend.requests).toHaveLength(7);
  expect(userTextOf(backend.requests[5]!)).toContain("An earlier attempt at this item");

  // One item, done on its second attempt; one branch holding the first attempt's commit; one PR.
  expect(await fixture.queue.get("issue-1")).toMatchObject({ state: "done", attempts: 2 });
  expect(originBranches(fixture)).toEqual([BRANCH, "main"]);
  expect(git(fixture.origin, "merge-base", "--is-ancestor", firstCommit, BRANCH)).toBe("");
  expect(git(fixture.origin, "show", `${BRANCH}:src/greet.js`)).toBe(GOOD_GREET);
  const pulls = (
    JSON.parse(
      readFileSync(path.join(fixture.repo.root, LOCAL_ISSUES_DIR, "pulls.json"), "utf8"),
    ) as { pulls: { head: string; body: string }[] }
  ).pulls;
  expect(pulls.map((pull) => pull.head)).toEqual([BRANCH]);
  expect(pulls[0]?.body).toContain("Closes #1");

  const issue = await createLocalTracker(fixture.repo.root).getIssue(1);
  expect([...issue.labels].sort()).toEqual(["harness:pr-open", "harness:valid"]);
  const comments = path.join(fixture.repo.root, LOCAL_ISSUES_DIR, "1.comments");
  expect(existsSync(path.join(comments, "triage.md"))).toBe(true);
  expect(existsSync(path.join(comments, "plan.md"))).toBe(true);
  expect(existsSync(path.join(fixture.repo.root, CYCLE_LOCK_FILE))).toBe(false);
  // The first test run was killed; the second one passed.
  expect(testCommandPids()).toHaveLength(2);
});
