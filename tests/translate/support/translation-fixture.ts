/**
 * A repository folder of documents and one call that runs the translation engine on it with
 * test defaults: the pseudo-translation client, the line adapter, the run's own file queue with
 * short polling, fixed workers and batch size. Tests override what they look at.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { configSchema, type HarnessConfig } from "../../../src/config/schema.js";
import { createCollectingSink, type HarnessEvent } from "../../../src/events.js";
import { emptyGlossary } from "../../../src/translate/glossary.js";
import { openTranslationQueue } from "../../../src/translate/translate-queue.js";
import {
  runTranslation,
  type TranslateRunOptions,
  type TranslateRunSummary,
} from "../../../src/translate/translate-run.js";
import { createTempDir, type TempDir } from "../../support/temp-dir.js";
import { lineRegistry } from "./line-adapter.js";
import { PseudoTranslationClient } from "./pseudo-translation.js";

export interface TranslationFixture {
  root: string;
  write(relative: string, content: string | Uint8Array): void;
  read(relative: string): string;
  remove(): Promise<void>;
}

export async function createTranslationFixture(
  files: Record<string, string | Uint8Array> = {},
): Promise<TranslationFixture> {
  const temp: TempDir = await createTempDir("harness-translate");
  const write = (relative: string, content: string | Uint8Array) => {
    const file = path.join(temp.path, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  };
  for (const [relative, content] of Object.entries(files)) write(relative, content);
  return {
    root: temp.path,
    write,
    read: (relative) => readFileSync(path.join(temp.path, relative), "utf8"),
    remove: () => temp.remove(),
  };
}

export function testConfig(overrides: Record<string, unknown> = {}): HarnessConfig {
  return configSchema.parse({ queue: { leaseMs: 1_000, backoffMs: 100 }, ...overrides });
}

export interface TestRun {
  summary: TranslateRunSummary;
  events: HarnessEvent[];
  client: PseudoTranslationClient;
}

export async function translateFixture(
  fixture: TranslationFixture,
  options: Partial<TranslateRunOptions> & { client?: PseudoTranslationClient } = {},
): Promise<TestRun> {
  const config = options.config ?? testConfig();
  const to = options.to ?? "ko";
  const client = options.client ?? new PseudoTranslationClient({ language: to });
  const sink = createCollectingSink();
  const summary = await runTranslation({
    repoRoot: fixture.root,
    cwd: fixture.root,
    inputs: ["docs"],
    workers: 2,
    batchSize: 2,
    outDir: path.join(fixture.root, "translated", to),
    glossary: emptyGlossary,
    model: "test-model",
    registry: lineRegistry,
    openQueue: () => openTranslationQueue({ config, repoRoot: fixture.root, language: to }),
    pollMs: 20,
    events: sink,
    ...options,
    to,
    config,
    client,
  });
  return { summary, events: sink.events, client };
}
