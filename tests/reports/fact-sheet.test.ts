/**
 * The pieces of a fact sheet and of the prose around it: files grouped by purpose, the
 * dependencies a change adds (from manifests at the base and at HEAD, licences from what is
 * installed or the lockfile, else "unknown"), coverage read from test output, the reporter's
 * figures taken out of its prose, the router's health over a run, and a report still written,
 * with the facts and a note, when the reporter's call fails.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { FakeModelClient } from "../../src/models/fake-model-client.js";
import { purposeOf } from "../../src/reports/diff-purpose.js";
import { coverageIn, outputTail } from "../../src/reports/fact-sheet.js";
import { findNewDependencies } from "../../src/reports/new-dependencies.js";
import { cleanProse, stripFigures } from "../../src/reports/reporter.js";
import {
  healthBetween,
  sumMetricByBackend,
  toRouterHealth,
} from "../../src/reports/router-health.js";
import { workItems } from "../../src/workflows/work.js";
import { createTempGitRepo, type TempGitRepo } from "../support/temp-git-repo.js";
import {
  addIssueWithPlan,
  createWorkFixture,
  implementerFixes,
  review,
  workConfig,
  workOptions,
  type WorkFixture,
} from "../workflows/work-fixture.js";
import { addReporterAgent } from "./report-fixture.js";

let repo: TempGitRepo | undefined;
let fixture: WorkFixture | undefined;

afterEach(async () => {
  repo?.cleanup();
  repo = undefined;
  await fixture?.cleanup();
  fixture = undefined;
});

describe("purposeOf", () => {
  it("groups files as dependencies, tests, docs, config or source", () => {
    const cases: Record<string, string> = {
      "package.json": "dependencies",
      "package-lock.json": "dependencies",
      "services/api/requirements-dev.txt": "dependencies",
      "go.sum": "dependencies",
      "Cargo.toml": "dependencies",
      "tests/cart.test.ts": "tests",
      "src/cart.spec.js": "tests",
      "pkg/cart_test.go": "tests",
      "app/test_cart.py": "tests",
      "README.md": "docs",
      "docs/guide/setup.txt": "docs",
      LICENSE: "docs",
      ".github/workflows/ci.yml": "config",
      "tsconfig.build.json": "config",
      "vite.config.ts": "config",
      ".eslintrc": "config",
      Dockerfile: "config",
      "src/cart.ts": "source",
      "lib/main.go": "source",
    };
    expect(Object.fromEntries(Object.keys(cases).map((file) => [file, purposeOf(file)]))).toEqual(
      cases,
    );
  });
});

describe("findNewDependencies", () => {
  it("lists what the manifests add, with the licence the installed package states", async () => {
    repo = createTempGitRepo({
      "package.json": JSON.stringify({
        dependencies: { lodash: "^4.17.0" },
        devDependencies: { vitest: "^4" },
      }),
      "requirements.txt": "requests==2.31.0\n",
      "go.mod": "module example.test/shop\n\nrequire (\n\tgithub.com/pkg/errors v0.9.1\n)\n",
      "Cargo.toml": '[package]\nname = "shop"\n\n[dependencies]\nserde = "1"\n',
    });
    const base = repo.git("rev-parse", "HEAD").trim();
    repo.write(
      "package.json",
      JSON.stringify({
        dependencies: { lodash: "^4.18.0", "left-pad": "^1.3.0", "@scope/tool": "2.0.0" },
        devDependencies: { vitest: "^4", typescript: "~5.9" },
      }),
    );
    repo.write(
      "package-lock.json",
      JSON.stringify({
        lockfileVersion: 3,
        packages: {
          "": {},
          "node_modules/left-pad": { version: "1.3.0" },
          "node_modules/@scope/tool": { version: "2.0.0", license: "Apache-2.0" },
          "node_modules/@scope/tool/node_modules/tiny-dep": { version: "0.1.0", license: "ISC" },
        },
      }),
    );
    repo.write("requirements.txt", "requests==2.31.0\nPyYAML>=6 ; python_version >= '3.8'\n");
    repo.write(
      "go.mod",
      "module example.test/shop\n\nrequire (\n\tgithub.com/pkg/errors v0.9.1\n\tgolang.org/x/sync v0.7.0 // indirect\n)\n",
    );
    repo.write(
      "Cargo.toml",
      '[package]\nname = "shop"\n\n[dependencies]\nserde = "1"\ntokio = { version = "1.38", features = ["full"] }\n\n[dev-dependencies.proptest]\nversion = "1"\n',
    );
    repo.git("add", "-A");
    repo.git("commit", "-q", "-m", "deps");
    // Installed in the checkout (node_modules is not committed).
    mkdirSync(path.join(repo.root, "node_modules", "left-pad"), { recursive: true });
    writeFileSync(
      path.join(repo.root, "node_modules", "left-pad", "package.json"),
      JSON.stringify({ license: "WTFPL" }),
    );

    const found = await findNewDependencies({
      worktree: repo.root,
      repoRoot: repo.root,
      base,
      files: [
        "package.json",
        "package-lock.json",
        "requirements.txt",
        "go.mod",
        "Cargo.toml",
        "src/x.ts",
      ],
    });
    const brief = found.map(
      (d) =>
        `${d.ecosystem} ${d.name} ${d.version ?? "-"} ${d.dev ? "dev" : d.transitive ? "transitive" : "runtime"} ${d.licence}`,
    );
    expect(brief).toEqual([
      "npm left-pad ^1.3.0 runtime WTFPL",
      "npm @scope/tool 2.0.0 runtime Apache-2.0",
      "npm typescript ~5.9 dev unknown",
      "python PyYAML >=6 runtime unknown",
      "go golang.org/x/sync v0.7.0 runtime unknown",
      "cargo tokio 1.38 runtime unknown",
      "cargo proptest - dev unknown",
      "npm tiny-dep 0.1.0 transitive ISC",
    ]);
  });
});

describe("prose and output", () => {
  it("takes figures out of the reporter's prose but keeps identifiers, references and code", () => {
    const { text, removed } = stripFigures(
      "Cuts latency by 40% to 12 ms over 3 files and 1,200 lines for $0.50; " +
        "uses SHA-256 and OAuth2 per #12, see `src/cart.ts:42` and v2.",
    );
    expect(text).toBe(
      "Cuts latency by [n] to [n] over [n] and [n] for [n]; uses SHA-256 and OAuth2 per #12, see `src/cart.ts:42` and v2.",
    );
    expect(removed).toBe(5);
  });

  it("shows the reporter's prose as plain text: no HTML, no pings, no remote images", () => {
    const counter = { removed: 0 };
    expect(cleanProse("See ![x](http://img.test/a.png)\n<b>bold</b>, @octo", counter)).toBe(
      "See !\\[x](http://img.test/a.png) &lt;b&gt;bold&lt;/b&gt;, @\u200bocto",
    );
    expect(counter.removed).toBe(0);
  });

  it("reads coverage totals and keeps the end of the output without colours", () => {
    expect(coverageIn("...\nAll files      |   87.5 |    80 |\n")).toEqual({
      percent: 87.5,
      line: "All files      |   87.5 |    80 |",
    });
    expect(coverageIn("Name Stmts Miss Cover\nTOTAL    120   12    90%\n")?.percent).toBe(90);
    expect(coverageIn("ok  \texample/cart\t0.01s\tcoverage: 81.2% of statements\n")?.percent).toBe(
      81.2,
    );
    expect(coverageIn("PASS 12 tests")).toBeUndefined();
    const output = `${Array.from({ length: 50 }, (_, n) => `line ${n}`).join("\n")}\n\u001b[32mPASS\u001b[39m\n`;
    const tail = outputTail(output);
    expect(tail.split("\n")).toHaveLength(30);
    expect(tail.endsWith("line 49\nPASS")).toBe(true);
  });
});

describe("router health", () => {
  const metrics = [
    'harness_router_errors_total{backend="gpu-1",kind="timeout"} 2',
    'harness_router_errors_total{backend="gpu-1",kind="upstream-5xx"} 3',
    'harness_router_breaker_transitions_total{backend="gpu-1",to="open"} 1',
    'harness_router_breaker_transitions_total{backend="gpu-1",to="closed"} 1',
  ].join("\n");
  const status = (requests: number, input: number, cached: number) => ({
    strategy: "prefix-affinity",
    queue: { waiting: 0, max: 64 },
    models: [],
    backends: [
      {
        name: "gpu-1",
        kind: "llama-server",
        protocol: "openai",
        state: "available",
        readiness: "ready",
        breaker: "closed",
        inFlight: 0,
        slots: 4,
        stats: {
          requests,
          failures: 1,
          ttftMs: {},
          latencyMs: {},
          tokens: { inputTokens: input, outputTokens: 10, cachedTokens: cached },
        },
      },
    ],
  });

  it("sums metrics per backend and takes the run's part of the counters", () => {
    expect(sumMetricByBackend(metrics, "harness_router_errors_total")).toEqual(
      new Map([["gpu-1", 5]]),
    );
    const before = toRouterHealth("u", new Date(0), status(10, 1_000, 100) as never, "");
    const after = toRouterHealth("u", new Date(1), status(30, 5_000, 3_100) as never, metrics);
    expect(healthBetween(before, after).backends?.[0]).toMatchObject({
      requests: 20,
      errors: 5,
      breakerTrips: 1,
      cacheHitRatio: 0.75,
    });
    // The router restarted: its counters went down, so the figures are since the restart.
    expect(healthBetween(after, before)).toMatchObject({
      restarted: true,
      backends: [{ requests: 10 }],
    });
    expect(healthBetween(before, undefined)).toEqual({
      unavailable: "the router did not answer /status after the run",
    });
  });
});

describe("a reporter that fails", () => {
  it("leaves a report with the facts and a note", async () => {
    fixture = await createWorkFixture();
    addReporterAgent(fixture.repo.root);
    const { issue, id } = await addIssueWithPlan(fixture);
    const client = new FakeModelClient([
      ...implementerFixes(issue),
      review(true),
      {
        error: "overloaded",
        message: "every backend is busy",
        match: { systemIncludes: "You are the reporter." },
      },
    ]);
    const summary = await workItems(workOptions(fixture, client, workConfig()));
    client.assertDone();
    expect(summary.items[0]).toMatchObject({ outcome: "pr-opened" });
    const report = readFileSync(
      path.join(fixture.repo.root, ".harness", "runs", id, "report.md"),
      "utf8",
    );
    expect(report).toContain(
      "The reporter's summary is missing. Not written: the reporter's call failed (",
    );
    expect(report).toContain("every backend is busy");
    expect(report).toMatch(/\| `src\/greet\.js` \| 1 \| 1 \| source \|/);
    expect(report).toMatch(/\| report \| 1 \| 0 \| 0 \| 0 \|/);
    expect(fixture.events).toContainEqual(
      expect.objectContaining({
        type: "warning-raised",
        message: expect.stringContaining(`tech report of ${id}: the reporter's call failed`),
      }),
    );
  });
});
