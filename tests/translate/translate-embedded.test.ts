/**
 * `harness translate` on real llama.cpp: the embedded backend with the generated tiny model,
 * behind the router, reached by the OpenAI-style client, the answer constrained by the JSON
 * schema the engine sends (llama.cpp turns it into a grammar). The tiny model's words are
 * noise, so the test asserts what must hold whatever it writes: the run completes, every
 * answer parses (the grammar), each output exists with its structure (code, URLs, markup)
 * intact, and segments whose placeholders broke are flagged and kept in the source language
 * rather than corrupting the document.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { CommandContext } from "../../src/commands/context.js";
import { runTranslateCommand } from "../../src/commands/translate.js";
import { configSchema } from "../../src/config/schema.js";
import { createCollectingSink } from "../../src/events.js";
import { createOutput } from "../../src/output.js";
import type { TranslateRunSummary } from "../../src/translate/translate-run.js";
import { serveRouter, type RunningRouter } from "../../src/workflows/serve-router.js";
import { createTempDir, type TempDir } from "../support/temp-dir.js";
import { createTempGitRepo, type TempGitRepo } from "../support/temp-git-repo.js";
import { writeTinyGguf } from "../support/tiny-gguf.js";

const markdown = [
  "# Quick start",
  "",
  "Run `make test` before you push, then open [the dashboard](https://example.com/dash).",
  "",
  "```js",
  "const answer = 42;",
  "```",
  "",
  "Done.",
  "",
].join("\n");

const html = '<p>Press <kbd>Enter</kbd> to <a href="/go">continue</a>.</p>\n';

let work: TempDir;
let router: RunningRouter;
let repo: TempGitRepo;

beforeAll(async () => {
  process.env.HARNESS_EMBEDDED_GPU = "off";
  work = await createTempDir("translate-embedded");
  await writeTinyGguf(path.join(work.path, "tiny.gguf"), { contextLength: 8192 });
  router = await serveRouter({
    config: configSchema.parse({
      router: {
        port: 0,
        backends: [
          {
            name: "llama",
            kind: "embedded",
            model: path.join(work.path, "tiny.gguf"),
            threads: 1,
            contextSize: 8192,
          },
        ],
      },
    }),
    events: createCollectingSink(),
  });
}, 240_000);

afterAll(async () => {
  repo?.cleanup();
  await router?.close();
  await work?.remove();
});

it("translates a small set end to end with schema-constrained answers", async () => {
  repo = createTempGitRepo({
    "harness.config.yaml": `router:\n  port: ${new URL(router.url).port}\ntranslate:\n  segmentRetries: 1\n`,
    "docs/start.md": markdown,
    "docs/keys.html": html,
    "docs/plain.txt": "A short paragraph.\n\nAnother one.\n",
  });
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  const ctx: CommandContext = {
    cwd: repo.root,
    env: { NO_COLOR: "1" },
    output: createOutput({ json: true, env: {}, streams: { stdout: sink, stderr: sink } }),
    stdin: process.stdin,
    signal: new AbortController().signal,
  };
  const { exitCode } = await runTranslateCommand(["docs"], { to: "fr", workers: 1, batch: 2 }, ctx);
  const result = lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((record) => record.type === "result") as unknown as TranslateRunSummary;

  expect(result.failures).toEqual([]);
  expect(exitCode).toBe(0);
  expect(result.translated.map((doc) => doc.source).sort()).toEqual([
    "docs/keys.html",
    "docs/plain.txt",
    "docs/start.md",
  ]);
  // The grammar makes the answers parse: segments without markup take whatever noise came.
  expect(result.segments.translated).toBeGreaterThan(0);

  const read = (relative: string) => readFileSync(path.join(repo.root, relative), "utf8");
  const start = read("translated/fr/docs/start.md");
  expect(start.startsWith("# ")).toBe(true);
  expect(start).toContain("```js\nconst answer = 42;\n```");
  expect(start).toContain("`make test`");
  expect(start).toContain("](https://example.com/dash)");
  const keys = read("translated/fr/docs/keys.html");
  expect(keys).toMatch(/^<p>.*<kbd>Enter<\/kbd>.*<a href="\/go">.*<\/a>.*<\/p>\n$/s);

  // A segment with markup is either flagged (and kept as written) or came back with every
  // placeholder, so the markup above is there either way; the flags say which.
  const paragraph = result.flagged.find(
    (flag) => flag.source === "docs/start.md" && flag.index === 1,
  );
  if (paragraph) {
    expect(paragraph.reason).toMatch(/placeholder|must|empty|too long/);
    expect(start).toContain(markdown.split("\n")[2]);
  }
  expect(result.requests).toBeGreaterThanOrEqual(3);
  expect(result.tokens.output).toBeGreaterThan(0);
}, 240_000);
