#!/usr/bin/env node
// Issue pipeline benchmarks; prints one JSON object. Run `npm run build --silent && node
// bench/pipeline.mjs` (it imports dist/).
//   1. triageOverhead: the harness's own time per triaged issue, model time excluded. Triage of
//      40 local issues in a temp git repository of ~50 files, a fake model that answers at once,
//      concurrency 1; ms per issue = (wall - fake model) / issues, split into tracker reads,
//      tracker writes (label + comment), the state file, and the rest (context gathering,
//      prompt, verdict check, fan-out). Context gathering is also timed on its own
//      (gatherTriageContext per issue). Median of 5 runs.
//   2. triageThroughput: 64 issues at concurrency 8 with a fake model that takes 500 ms per
//      request: issues per minute against the ideal 8 / 0.5 s = 960 per minute.
//   3. work: `measureWork`, the work stage (skipped until dist/workflows/work.js exists).
// Options: --quick (fewer issues and runs), --only overhead|throughput|work.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = (file) => pathToFileURL(path.join(root, "dist", file)).href;
const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const only = argv.includes("--only") ? argv[argv.indexOf("--only") + 1] : undefined;
const work = mkdtempSync(path.join(os.tmpdir(), "harness-bench-pipeline-"));

const { configSchema } = await import(dist("config/schema.js"));
const { FakeModelClient } = await import(dist("models/fake-model-client.js"));
const { createLocalIssue, createLocalTracker } = await import(dist("tracker/local-tracker.js"));
const { createFileTriageStateStore } = await import(dist("workflows/triage-state.js"));
const { triageIssues } = await import(dist("workflows/triage.js"));
const { gatherTriageContext, indexOpenWork, readRepositorySnapshot } = await import(
  dist("workflows/triage-context.js")
);

const round = (value, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Git's global and system config off, so a developer's settings cannot change the figures.
const gitEnv = {
  ...process.env,
  GIT_CONFIG_GLOBAL: path.join(work, "empty-gitconfig"),
  GIT_CONFIG_NOSYSTEM: "1",
};
writeFileSync(gitEnv.GIT_CONFIG_GLOBAL, "");
process.env.GIT_CONFIG_GLOBAL = gitEnv.GIT_CONFIG_GLOBAL;
process.env.GIT_CONFIG_NOSYSTEM = "1";

const AREAS = ["cart", "login", "search", "billing", "profile"];
const PARTS = ["model", "service", "view", "store", "format", "validate", "client", "routes"];

/** ~50 tracked files in 5 areas, 10 commits, and `issues` local issues naming files and symbols. */
async function createRepository(name, issues) {
  const repo = path.join(work, name);
  mkdirSync(repo);
  const git = (...args) => execFileSync("git", args, { cwd: repo, env: gitEnv, stdio: "pipe" });
  git("init", "-q", "-b", "main");
  git("config", "user.email", "bench@example.com");
  git("config", "user.name", "Bench");
  git("config", "commit.gpgsign", "false");
  const write = (file, text) => {
    mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    writeFileSync(path.join(repo, file), text);
  };
  write("README.md", "# shop\n\nA small shop.\n");
  write("package.json", '{ "name": "shop", "type": "module" }\n');
  for (const area of AREAS) {
    for (const part of PARTS) {
      const symbol = `${area}${part[0].toUpperCase()}${part.slice(1)}`;
      const lines = Array.from(
        { length: 40 },
        (_, line) => `export const ${symbol}Value${line} = ${line}; // ${area} ${part}`,
      );
      write(
        `src/${area}/${part}.ts`,
        `export function ${symbol}(input: string): string {\n  return input.trim();\n}\n${lines.join("\n")}\n`,
      );
    }
    write(`tests/${area}.test.ts`, `import { ${area}Model } from "../src/${area}/model.js";\n`);
  }
  for (let commit = 0; commit < 10; commit++) {
    write(`CHANGELOG.md`, `${commit}\n`);
    git("add", "-A");
    git("commit", "-q", "-m", `Change ${commit}: ${AREAS[commit % AREAS.length]} tweaks`);
  }
  for (let number = 1; number <= issues; number++) {
    const area = AREAS[number % AREAS.length];
    const part = PARTS[number % PARTS.length];
    const symbol = `${area}${part[0].toUpperCase()}${part.slice(1)}`;
    await createLocalIssue(repo, {
      title: `${area} ${part} is wrong in case ${number}`,
      body: [
        `When I open the ${area} page, ${symbol}() returns the wrong value.`,
        `See src/${area}/${part}.ts and ${part}.ts; it started after the last release.`,
        `Steps: open ${area}, click ${part}, wait. Expected the ${part} to update.`,
      ].join("\n"),
    });
  }
  return repo;
}

const verdict = {
  json: { verdict: "valid", reasons: ["the code is there"], confidence: 0.8, evidence: [] },
};

/** Wraps a model client: waits `latencyMs`, then answers; sums the time spent in the model. */
function modelWithLatency(client, latencyMs) {
  const timing = { ms: 0 };
  return {
    timing,
    stream(request) {
      const started = performance.now();
      const ready = (latencyMs > 0 ? sleep(latencyMs) : Promise.resolve()).then(() =>
        client.stream(request),
      );
      const result = ready
        .then((stream) => stream.result())
        .finally(() => {
          timing.ms += performance.now() - started;
        });
      result.catch(() => undefined);
      return {
        async *[Symbol.asyncIterator]() {
          yield* await ready;
        },
        result: () => result,
      };
    },
  };
}

/** Wraps an object's async methods, adding each call's time to `timing[group]`. */
function timedMethods(target, groups, timing) {
  const wrapped = Object.create(target);
  for (const [group, names] of Object.entries(groups)) {
    timing[group] = 0;
    for (const name of names) {
      wrapped[name] = async (...args) => {
        const started = performance.now();
        try {
          return await target[name](...args);
        } finally {
          timing[group] += performance.now() - started;
        }
      };
    }
  }
  return wrapped;
}

async function triageRun({ name, issues, latencyMs, concurrency }) {
  const repo = await createRepository(name, issues);
  const timing = {};
  const tracker = timedMethods(
    createLocalTracker(repo),
    {
      trackerReads: ["listChanged", "getIssue", "listOpenPullRequests"],
      trackerWrites: ["setLabel", "upsertComment"],
    },
    timing,
  );
  const cursorStore = timedMethods(
    createFileTriageStateStore(repo),
    { state: ["load", "save"] },
    timing,
  );
  const client = modelWithLatency(
    new FakeModelClient(Array.from({ length: issues }, () => verdict)),
    latencyMs,
  );
  const config = configSchema.parse({ schedule: { maxIssuesPerRun: issues } });
  const started = performance.now();
  const summary = await triageIssues({
    tracker,
    client,
    repoRoot: repo,
    config,
    cursorStore,
    concurrency,
  });
  const wallMs = performance.now() - started;
  if (summary.triaged !== issues) {
    throw new Error(`triaged ${summary.triaged} of ${issues}: ${JSON.stringify(summary.failures)}`);
  }
  return { repo, wallMs, modelMs: client.timing.ms, ...timing };
}

/** gatherTriageContext alone, per issue, on a repository `triageRun` made. */
async function contextRun(repo) {
  const tracker = createLocalTracker(repo);
  const started = performance.now();
  const snapshot = await readRepositorySnapshot(repo);
  const open = (await tracker.listChanged()).issues;
  const openWork = indexOpenWork(open, await tracker.listOpenPullRequests());
  for (const issue of open) await gatherTriageContext({ root: repo, issue, snapshot, openWork });
  return (performance.now() - started) / open.length;
}

async function benchOverhead() {
  const issues = quick ? 10 : 40;
  const runs = [];
  await triageRun({ name: "overhead-warmup", issues: 5, latencyMs: 0, concurrency: 1 });
  for (let index = 0; index < (quick ? 3 : 5); index++) {
    const run = await triageRun({
      name: `overhead-${index}`,
      issues,
      latencyMs: 0,
      concurrency: 1,
    });
    const perIssue = (ms) => ms / issues;
    runs.push({
      harnessMsPerIssue: perIssue(run.wallMs - run.modelMs),
      trackerReadMsPerIssue: perIssue(run.trackerReads),
      trackerWriteMsPerIssue: perIssue(run.trackerWrites),
      stateMsPerIssue: perIssue(run.state),
      restMsPerIssue: perIssue(
        run.wallMs - run.modelMs - run.trackerReads - run.trackerWrites - run.state,
      ),
      fakeModelMsPerIssue: perIssue(run.modelMs),
      contextGatheringMsPerIssue: await contextRun(run.repo),
      wallMs: run.wallMs,
    });
  }
  const pick = (key) => round(median(runs.map((run) => run[key])));
  return {
    issues,
    files: AREAS.length * (PARTS.length + 1) + 3,
    concurrency: 1,
    runs: runs.length,
    harnessMsPerIssue: pick("harnessMsPerIssue"),
    split: {
      trackerReadMsPerIssue: pick("trackerReadMsPerIssue"),
      trackerWriteMsPerIssue: pick("trackerWriteMsPerIssue"),
      stateMsPerIssue: pick("stateMsPerIssue"),
      restMsPerIssue: pick("restMsPerIssue"),
    },
    contextGatheringMsPerIssue: pick("contextGatheringMsPerIssue"),
    fakeModelMsPerIssue: pick("fakeModelMsPerIssue"),
    wallMs: pick("wallMs"),
  };
}

async function benchThroughput() {
  const issues = quick ? 16 : 64;
  const latencyMs = 500;
  const concurrency = 8;
  const run = await triageRun({ name: "throughput", issues, latencyMs, concurrency });
  const issuesPerMinute = issues / (run.wallMs / 60_000);
  const idealPerMinute = concurrency / (latencyMs / 60_000);
  return {
    issues,
    concurrency,
    modelLatencyMs: latencyMs,
    issuesPerMinute: round(issuesPerMinute, 1),
    idealIssuesPerMinute: idealPerMinute,
    ratioToIdeal: round(issuesPerMinute / idealPerMinute),
    wallMs: round(run.wallMs, 1),
  };
}

/**
 * The work stage: `items` plan items worked one after another (concurrency 1) with an instant
 * fake model: the implementer writes one file and finishes, the reviewer approves. Everything
 * else is real: a worktree per item, the test command (`node test.js`) run by harness, the
 * secret scan, a commit, a push to a bare origin, the PR record on the local tracker, the tech
 * report, the worktree removed. Overhead per item = wall time minus model time; the test
 * command's own run is reported apart (it is the project's time, not the harness's).
 */
async function workRun(name, items) {
  const { workItems } = await import(dist("workflows/work.js"));
  const { createFileQueue } = await import(dist("queue/file-queue.js"));
  const { queueDir } = await import(dist("queue/open-queue.js"));
  const { createMemoryDaySpendStore, createPipelineBudget } = await import(
    dist("workflows/pipeline-budget.js")
  );
  const { workBranchName } = await import(dist("git/branch-names.js"));
  const repo = await createRepository(name, items);
  const git = (cwd, ...args) => execFileSync("git", args, { cwd, env: gitEnv, stdio: "pipe" });
  writeFileSync(path.join(repo, "test.js"), 'console.log("PASS");\n');
  writeFileSync(path.join(repo, ".gitignore"), ".harness/\n");
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "tests");
  const origin = path.join(work, `${name}-origin.git`);
  git(work, "init", "-q", "--bare", "-b", "main", origin);
  git(repo, "remote", "add", "origin", origin);
  git(repo, "push", "-q", "origin", "main");
  const baseCommit = git(repo, "rev-parse", "HEAD").toString().trim();
  const queue = await createFileQueue({ dir: queueDir(repo), settings: { leaseMs: 60_000 } });
  const tracker = createLocalTracker(repo);
  const script = [];
  for (let issue = 1; issue <= items; issue++) {
    const title = (await tracker.getIssue(issue)).title;
    await queue.enqueue({
      id: `issue-${issue}`,
      title,
      body: `# ${title}\n\n## Goal\n\nFix it.\n\n## Steps\n\n1. Edit src/cart/model.ts.\n`,
      data: {
        kind: "issue-plan",
        issue,
        issueTitle: title,
        branch: workBranchName(issue, title),
        baseCommit,
        issueHash: "bench",
        files: ["src/cart/model.ts"],
        tests: ["test.js"],
        size: "s",
        dependsOn: [],
      },
    });
    const usage = { inputTokens: 100, outputTokens: 20 };
    script.push(
      {
        toolCalls: [
          {
            name: "write_file",
            input: { path: `src/fix-${issue}.ts`, content: `export const fix${issue} = true;\n` },
          },
        ],
        usage,
      },
      { toolCalls: [{ name: "finish", input: { status: "done", summary: "fixed" } }], usage },
      { json: { approve: true, findings: [] }, usage },
    );
  }
  const client = modelWithLatency(new FakeModelClient(script), 0);
  const config = configSchema.parse({
    project: { testCommand: "node test.js" },
    work: { reviewRounds: 1, maxOpenPullRequests: items + 1 },
    budgets: { maxItemsPerRun: items + 1 },
  });
  const stepMs = {};
  let testMs = 0;
  let last = performance.now();
  let lastStep;
  const events = {
    emit(event) {
      if (event.type !== "work-step" && event.type !== "work-finished") return;
      const now = performance.now();
      if (lastStep) stepMs[lastStep] = (stepMs[lastStep] ?? 0) + (now - last);
      if (lastStep === "tests") testMs += now - last;
      lastStep = event.type === "work-step" ? event.step : undefined;
      last = now;
    },
  };
  const started = performance.now();
  const summary = await workItems({
    repoRoot: repo,
    config,
    tracker,
    queue,
    client,
    routerUrl: "http://127.0.0.1:9",
    budget: createPipelineBudget({ config, store: createMemoryDaySpendStore() }),
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    events,
    concurrency: 1,
    untilIdle: true,
  });
  const wallMs = performance.now() - started;
  await queue.close();
  const opened = summary.items.filter((item) => item.outcome === "pr-opened").length;
  if (opened !== items) {
    throw new Error(`opened ${opened} of ${items} PRs: ${JSON.stringify(summary.items[0])}`);
  }
  return { wallMs, modelMs: client.timing.ms, testMs, stepMs };
}

async function measureWork() {
  if (!existsSync(path.join(root, "dist", "workflows", "work.js"))) {
    return { skipped: "work stage not built yet" };
  }
  const items = quick ? 3 : 8;
  await workRun("work-warmup", 2);
  const runs = [];
  for (let index = 0; index < (quick ? 2 : 3); index++) {
    const run = await workRun(`work-${index}`, items);
    const perItem = (ms) => ms / items;
    runs.push({
      harnessMsPerItem: perItem(run.wallMs - run.modelMs),
      harnessMsPerItemWithoutTests: perItem(run.wallMs - run.modelMs - run.testMs),
      testCommandMsPerItem: perItem(run.testMs),
      fakeModelMsPerItem: perItem(run.modelMs),
      steps: Object.fromEntries(
        Object.entries(run.stepMs).map(([step, ms]) => [step, round(perItem(ms), 1)]),
      ),
    });
  }
  const middle = [...runs].sort((a, b) => a.harnessMsPerItem - b.harnessMsPerItem)[
    Math.floor(runs.length / 2)
  ];
  const pick = (key) => round(median(runs.map((run) => run[key])), 1);
  return {
    items,
    concurrency: 1,
    runs: runs.length,
    harnessMsPerItem: pick("harnessMsPerItem"),
    harnessMsPerItemWithoutTests: pick("harnessMsPerItemWithoutTests"),
    testCommandMsPerItem: pick("testCommandMsPerItem"),
    fakeModelMsPerItem: pick("fakeModelMsPerItem"),
    stepMsPerItem: middle.steps,
    stepNote:
      "each step is timed from its work-step event to the next one; the push event comes " +
      "after the push, so the push is counted in secret-scan",
  };
}

const report = { node: process.version, cpus: os.cpus().length };
try {
  if (!only || only === "overhead") report.triageOverhead = await benchOverhead();
  if (!only || only === "throughput") report.triageThroughput = await benchThroughput();
  if (!only || only === "work") report.work = await measureWork();
  console.log(JSON.stringify(report, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
