/**
 * Head starts: the first document of each worker's batch goes to the model before the durable
 * fan-out enqueues and claims the batches, and the worker that claims the batch takes the
 * translation over. One whose batch another process took is dropped (nothing written, nothing
 * recorded), and the run's request slots keep `--workers` as the cap on requests in flight.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Queue } from "../../src/queue/types.js";
import { createRequestSlots } from "../../src/translate/request-slots.js";
import { manifestPath, type TranslationManifest } from "../../src/translate/translate-manifest.js";
import { openTranslationQueue } from "../../src/translate/translate-queue.js";
import { PseudoTranslationClient } from "./support/pseudo-translation.js";
import {
  createTranslationFixture,
  testConfig,
  translateFixture,
  type TranslationFixture,
} from "./support/translation-fixture.js";

let fixture: TranslationFixture | undefined;

afterEach(async () => {
  await fixture?.remove();
  fixture = undefined;
});

function documents(count: number): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [
      `docs/doc-${String(i).padStart(2, "0")}.txt`,
      `Document ${i} first line.\n`,
    ]),
  );
}

/** The run's own queue, with `before` called ahead of each method call. */
function openWatchedQueue(
  root: string,
  before: (method: string, queue: Queue) => Promise<void> | void,
): () => Promise<Queue> {
  return async () => {
    const queue = await openTranslationQueue({
      config: testConfig(),
      repoRoot: root,
      language: "ko",
    });
    return new Proxy(queue, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== "function") return value;
        return async (...args: unknown[]) => {
          await before(String(key), target);
          return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    });
  };
}

describe("head starts", () => {
  it("send every worker's first document before the batches are enqueued, within the cap", async () => {
    fixture = await createTranslationFixture(documents(8));
    const client = new PseudoTranslationClient({ language: "ko", latencyMs: 40 });
    let sentBeforeEnqueue: string[] | undefined;
    const { summary } = await translateFixture(fixture, {
      client,
      workers: 3,
      batchSize: 2,
      openQueue: openWatchedQueue(fixture.root, (method) => {
        if (method === "enqueue") {
          sentBeforeEnqueue ??= client.calls.map((call) => call.prompt.segments[0]!.text);
        }
      }),
    });
    // Batches 0, 1 and 2 start with documents 0, 2 and 4.
    expect(sentBeforeEnqueue).toEqual([
      "Document 0 first line.",
      "Document 2 first line.",
      "Document 4 first line.",
    ]);
    expect(summary.translated).toHaveLength(8);
    expect(client.calls).toHaveLength(8);
    expect(client.maxActive).toBeLessThanOrEqual(3);
    for (let i = 0; i < 8; i++) {
      expect(fixture.read(`translated/ko/docs/doc-0${i}.txt`)).toBe(
        `«ko:Document ${i} first line.»\n`,
      );
    }
  });

  it("drop the head start of a batch another process took, writing nothing for it", async () => {
    fixture = await createTranslationFixture(documents(6));
    const root = fixture.root;
    const client = new PseudoTranslationClient({ language: "ko", latencyMs: 150 });
    let taken: Promise<void> | undefined;
    const { summary } = await translateFixture(fixture, {
      client,
      workers: 2,
      batchSize: 2,
      // Between the head starts and the first claim, another process takes batch 0 and
      // finishes it (without writing anything: only the queue says it is done).
      openQueue: openWatchedQueue(root, (method, queue) => {
        if (method !== "claim") return;
        taken ??= (async () => {
          const claim = await queue.claim({ worker: "elsewhere:1:1" });
          expect(claim?.item.id).toMatch(/-b00000$/);
          await queue.complete(claim!, [
            { ok: true, value: { source: "docs/doc-00.txt", status: "translated" } },
            { ok: true, value: { source: "docs/doc-01.txt", status: "translated" } },
          ]);
        })();
        return taken;
      }),
    });

    expect(taken).toBeDefined();
    expect(summary.translated.map((result) => result.source).sort()).toEqual([
      "docs/doc-02.txt",
      "docs/doc-03.txt",
      "docs/doc-04.txt",
      "docs/doc-05.txt",
    ]);
    expect(summary.unchanged.sort()).toEqual(["docs/doc-00.txt", "docs/doc-01.txt"]);
    // Document 0 was sent ahead, but its batch was not ours: no output, no manifest entry.
    expect(client.segmentTexts).toContain("Document 0 first line.");
    expect(client.segmentTexts).not.toContain("Document 1 first line.");
    expect(existsSync(path.join(root, "translated/ko/docs/doc-00.txt"))).toBe(false);
    const manifest = JSON.parse(
      readFileSync(manifestPath(root, "ko"), "utf8"),
    ) as TranslationManifest;
    expect(Object.keys(manifest.documents).sort()).toEqual([
      "docs/doc-02.txt",
      "docs/doc-03.txt",
      "docs/doc-04.txt",
      "docs/doc-05.txt",
    ]);
    // The dropped head start held a slot while worker 2 started batch 2: still two at most.
    expect(client.maxActive).toBe(2);
  });
});

describe("request slots", () => {
  it("run at most their count at once, and an abort while waiting gives up the turn", async () => {
    const slots = createRequestSlots(2);
    let active = 0;
    let most = 0;
    const request = async () => {
      active++;
      most = Math.max(most, active);
      await new Promise((resolve) => setTimeout(resolve, 10));
      active--;
      return active;
    };
    const controller = new AbortController();
    const runs = [
      slots.run(request),
      slots.run(request),
      slots.run(request, controller.signal),
      slots.run(request),
    ];
    controller.abort(new Error("stopped"));
    const settled = await Promise.allSettled(runs);
    expect(settled.map((outcome) => outcome.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
    ]);
    expect(most).toBe(2);
  });
});
