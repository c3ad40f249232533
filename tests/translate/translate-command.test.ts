/**
 * `runTranslateCommand` end to end: the real format adapters, the real router (serveRouter) in
 * front of a pseudo-translating llama-server-like backend, the OpenAI-style model client, the
 * durable file queue. Structure comes through unchanged, the JSON lines carry per-document
 * progress and a final result, a report is written, unsupported and corrupt files are reported
 * while the rest is translated, the worker cap holds over HTTP, and a dry run writes nothing.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandContext } from "../../src/commands/context.js";
import { runTranslateCommand, type TranslateCommandOptions } from "../../src/commands/translate.js";
import { configSchema } from "../../src/config/schema.js";
import { createCollectingSink } from "../../src/events.js";
import { createOutput } from "../../src/output.js";
import { serveRouter, type RunningRouter } from "../../src/workflows/serve-router.js";
import { createTempGitRepo, type TempGitRepo } from "../support/temp-git-repo.js";
import {
  startPseudoTranslationServer,
  type PseudoTranslationServer,
} from "./support/pseudo-translation-server.js";

const markdown = `---
title: Getting started
layout: docs
---

# Install Backend.AI

Run \`npm install harness\` and read [the guide](https://example.com/guide).

\`\`\`sh
npm install harness
\`\`\`

- First step
- Second step
`;

const html = `<!doctype html>
<html lang="en"><body>
<h1>Welcome</h1>
<p>Press <code>Ctrl-C</code> to stop. <img src="a.png" alt="A diagram"></p>
<script>const untouched = "do not translate";</script>
</body></html>
`;

let backend: PseudoTranslationServer;
let router: RunningRouter;

beforeAll(async () => {
  backend = await startPseudoTranslationServer({ language: "ko", latencyMs: 20, slots: 3 });
  router = await serveRouter({
    config: configSchema.parse({
      router: { port: 0, backends: [{ name: "pseudo", kind: "llama-server", url: backend.url }] },
    }),
    events: createCollectingSink(),
  });
});

afterAll(async () => {
  await router?.close();
  await backend?.close();
});

function makeRepo(files: Record<string, string>): TempGitRepo {
  const port = new URL(router.url).port;
  return createTempGitRepo({
    "harness.config.yaml": `router:\n  port: ${port}\nqueue:\n  leaseMs: 2000\n`,
    "glossary.yaml": "keep: [Backend.AI]\n",
    ...files,
  });
}

async function run(
  repo: TempGitRepo,
  paths: string[],
  options: TranslateCommandOptions,
): Promise<{ exitCode: number; records: Array<Record<string, unknown>> }> {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const ctx: CommandContext = {
    cwd: repo.root,
    env: { NO_COLOR: "1" },
    output: createOutput({
      json: true,
      env: { NO_COLOR: "1" },
      streams: { stdout: sink, stderr: sink },
    }),
    stdin: process.stdin,
    signal: new AbortController().signal,
  };
  const { exitCode } = await runTranslateCommand(paths, options, ctx);
  const records = chunks
    .join("")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { exitCode, records };
}

describe("runTranslateCommand", () => {
  it("translates each format keeping its structure, reports per document and writes a report", async () => {
    const repo = makeRepo({
      "docs/guide.md": markdown,
      "docs/page.html": html,
      "docs/strings.json": '{"greeting": "Hello {name}", "count": 3}\n',
      "docs/notes.txt": "Plain text paragraph.\n",
      "docs/broken.json": '{"a": "unterminated\n',
      "docs/image.png": "not really a png",
    });
    try {
      const { exitCode, records } = await run(repo, ["docs", "docs/image.png"], {
        to: "ko",
        workers: 2,
        batch: 2,
        glossary: "glossary.yaml",
      });
      expect(exitCode).toBe(1);
      const read = (relative: string) => readFileSync(path.join(repo.root, relative), "utf8");

      const guide = read("translated/ko/docs/guide.md");
      expect(guide).toContain("title: «ko:Getting started»");
      expect(guide).toContain("layout: docs");
      expect(guide).toContain("# «ko:Install Backend.AI»");
      expect(guide).toContain(
        "«ko:Run `npm install harness` and read [the guide](https://example.com/guide).»",
      );
      expect(guide).toContain("```sh\nnpm install harness\n```");
      expect(guide).toContain("- «ko:First step»\n- «ko:Second step»");

      const page = read("translated/ko/docs/page.html");
      expect(page).toContain("<h1>«ko:Welcome»</h1>");
      expect(page).toContain('alt="«ko:A diagram»"');
      expect(page).toContain("<code>Ctrl-C</code>");
      expect(page).toContain('<script>const untouched = "do not translate";</script>');
      expect(JSON.parse(read("translated/ko/docs/strings.json"))).toEqual({
        greeting: "«ko:Hello {name}»",
        count: 3,
      });
      expect(read("translated/ko/docs/notes.txt")).toBe("«ko:Plain text paragraph.»\n");
      expect(existsSync(path.join(repo.root, "translated/ko/docs/broken.json"))).toBe(false);

      // Code and URLs never went to the model; the worker cap held over HTTP.
      expect(JSON.stringify(backend.requests)).not.toContain("example.com/guide");
      expect(backend.maxActive).toBeLessThanOrEqual(2);
      expect(backend.requests[0]?.response_format).toMatchObject({ type: "json_schema" });

      const documents = records.filter((record) => record.type === "document-translated");
      expect(documents.map((record) => record.source).sort()).toEqual([
        "docs/broken.json",
        "docs/guide.md",
        "docs/notes.txt",
        "docs/page.html",
        "docs/strings.json",
      ]);
      expect(documents.at(-1)).toMatchObject({ documentsDone: 5, documentsTotal: 5 });
      expect(records.some((record) => record.type === "fanout-progress")).toBe(true);
      const result = records.find((record) => record.type === "result")!;
      expect(result).toMatchObject({
        command: "translate",
        language: "ko",
        failures: [{ source: "docs/broken.json", error: expect.any(String) }],
        problems: [{ path: "docs/image.png", message: expect.stringContaining("unsupported") }],
        report: expect.stringMatching(/^reports\/translate-\d{4}-\d\d-\d\d-ko\.md$/),
      });
      const report = read(String(result.report));
      expect(report).toContain("# Translation to ko");
      expect(report).toContain("| Translated now | 4 |");
      expect(report).toContain("docs/broken.json");
      expect(report).toContain("## What the formats lose");

      // A rerun finds everything done but the broken file.
      const again = await run(repo, ["docs"], { to: "ko", workers: 2, batch: 2 });
      const rerun = again.records.find((record) => record.type === "result")!;
      expect(rerun.translated).toEqual([]);
      expect((rerun.unchanged as string[]).sort()).toEqual([
        "docs/guide.md",
        "docs/notes.txt",
        "docs/page.html",
        "docs/strings.json",
      ]);
    } finally {
      repo.cleanup();
    }
  });

  it("follows the router's capacity when --workers is not given", async () => {
    const files = Object.fromEntries(
      Array.from({ length: 6 }, (_, i) => [`docs/d${i}.txt`, `Paragraph ${i}.\n`]),
    );
    const repo = makeRepo(files);
    try {
      const { exitCode, records } = await run(repo, ["docs/*.txt"], { to: "de", batch: 1 });
      expect(exitCode).toBe(0);
      const started = records.find((record) => record.type === "fanout-started");
      // The backend reports 3 slots; fanOut.maxWorkers (4) caps nothing here.
      expect(started).toMatchObject({ items: 6, batches: 6, batchSize: 1, concurrency: 3 });
      expect(readFileSync(path.join(repo.root, "translated/de/docs/d0.txt"), "utf8")).toBe(
        "«ko:Paragraph 0.»\n",
      );
    } finally {
      repo.cleanup();
    }
  });

  it("lists the work with an estimate in a dry run and writes nothing", async () => {
    const repo = makeRepo({ "docs/guide.md": markdown, "docs/notes.txt": "One line.\n" });
    const before = backend.requests.length;
    try {
      const { exitCode, records } = await run(repo, ["docs"], { to: "ja", dryRun: true });
      expect(exitCode).toBe(0);
      const result = records.find((record) => record.type === "result")!;
      expect(result).toMatchObject({
        dryRun: true,
        plan: [
          expect.objectContaining({ source: "docs/guide.md", status: "todo", segments: 5 }),
          expect.objectContaining({ source: "docs/notes.txt", status: "todo", segments: 1 }),
        ],
        estimate: {
          requests: 2,
          inputTokens: expect.any(Number),
          outputTokens: expect.any(Number),
        },
      });
      expect(backend.requests.length).toBe(before);
      expect(readdirSync(repo.root).sort()).toEqual([
        ".git",
        "docs",
        "glossary.yaml",
        "harness.config.yaml",
      ]);
    } finally {
      repo.cleanup();
    }
  });

  it("refuses bad arguments with a clear message", async () => {
    const repo = makeRepo({ "docs/a.txt": "A.\n" });
    try {
      await expect(run(repo, ["docs"], {})).rejects.toThrow(/--to is required/);
      await expect(run(repo, [], { to: "ko" })).rejects.toThrow(/name the documents/);
      await expect(run(repo, ["docs"], { to: "../etc" })).rejects.toThrow(/language code/);
      await expect(run(repo, ["docs"], { to: "ko", out: "x", inPlace: true })).rejects.toThrow(
        /cannot be used together/,
      );
      await expect(run(repo, ["docs"], { to: "ko", out: "/tmp/elsewhere" })).rejects.toThrow(
        /inside the repository/,
      );
      await expect(run(repo, ["docs"], { to: "ko", batch: 0 })).rejects.toThrow(/--batch/);
    } finally {
      repo.cleanup();
    }
  });
});
