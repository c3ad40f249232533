/**
 * A translation run killed with SIGKILL in the middle, then started again: the documents the
 * killed run finished (recorded in its manifest) are not sent to the model again, the batches
 * its dead process held are taken back at once (not after their lease), and in the end every
 * document is translated, each output whole.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, expect, it } from "vitest";
import { manifestPath, type TranslationManifest } from "../../src/translate/translate-manifest.js";
import {
  createTranslationFixture,
  translateFixture,
  type TranslationFixture,
} from "./support/translation-fixture.js";

const childScript = fileURLToPath(new URL("./support/translate-child.ts", import.meta.url));
const DOCUMENTS = 12;

let fixture: TranslationFixture | undefined;

afterEach(async () => {
  await fixture?.remove();
});

function doneInManifest(root: string): string[] {
  const file = manifestPath(root, "ko");
  if (!existsSync(file)) return [];
  const manifest = JSON.parse(readFileSync(file, "utf8")) as TranslationManifest;
  return Object.values(manifest.documents)
    .filter((entry) => entry.status === "done")
    .map((entry) => entry.source);
}

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

it("resumes a SIGKILLed run without redoing or losing a document", async () => {
  const sources = Array.from(
    { length: DOCUMENTS },
    (_, i) => `docs/doc-${String(i).padStart(2, "0")}.txt`,
  );
  fixture = await createTranslationFixture(
    Object.fromEntries(
      sources.map((source, i) => [source, `Line one of ${i}.\nLine two of ${i}.\n`]),
    ),
  );
  const child = spawn(process.execPath, ["--import", "tsx", childScript, fixture.root, "150"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += String(chunk)));
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on("exit", (_code, signal) => resolve(signal)),
  );
  // Two workers, 150 ms a document: kill it once a few documents are recorded.
  const deadline = Date.now() + 30_000;
  while (doneInManifest(fixture.root).length < 4) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`the child run did not get going: ${stderr}`);
    }
    await sleep(20);
  }
  child.kill("SIGKILL");
  expect(await exited).toBe("SIGKILL");
  const finishedBefore = doneInManifest(fixture.root);
  expect(finishedBefore.length).toBeGreaterThanOrEqual(4);
  expect(finishedBefore.length).toBeLessThan(DOCUMENTS);

  const startedAt = Date.now();
  const resumed = await translateFixture(fixture, { workers: 2, batchSize: 2 });
  const redone = resumed.summary.translated.map((result) => result.source);
  expect(redone.filter((source) => finishedBefore.includes(source))).toEqual([]);
  const sentAgain = resumed.client.segmentTexts.filter((text) =>
    finishedBefore.some((source) => text.endsWith(` of ${Number(source.slice(9, 11))}.`)),
  );
  expect(sentAgain).toEqual([]);
  expect(resumed.summary.failures).toEqual([]);
  expect(resumed.summary.cancelled).toEqual([]);
  // The dead process's batches came back at once, not after their 1 s lease and retries.
  expect(Date.now() - startedAt).toBeLessThan(5_000);

  expect(doneInManifest(fixture.root).sort()).toEqual(sources);
  for (const [i, source] of sources.entries()) {
    expect(fixture.read(`translated/ko/${source}`)).toBe(
      `«ko:Line one of ${i}.»\n«ko:Line two of ${i}.»\n`,
    );
  }
  // Only whole outputs under translated/: a temporary file of the killed writer is never a target.
  const outputs = allFiles(path.join(fixture.root, "translated", "ko", "docs"));
  expect(outputs.filter((file) => !file.endsWith(".tmp")).length).toBe(DOCUMENTS);
}, 60_000);
