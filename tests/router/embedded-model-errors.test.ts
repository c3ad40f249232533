/**
 * The embedded backend's model problems: each must leave the backend "down" with a detail, make
 * `send` fail, and say what is wrong and how to configure a working model.
 */
import path from "node:path";
import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createEmbeddedBackend } from "../../src/router/backends/embedded-backend.js";
import { createTempDir, type TempDir } from "../support/temp-dir.js";

let dir: TempDir;
const neverAborted = new AbortController().signal;

beforeAll(async () => {
  process.env.HARNESS_EMBEDDED_GPU = "off";
  dir = await createTempDir("embedded-model-errors");
});

afterAll(async () => {
  await dir?.remove();
});

async function failedBackend(model: string) {
  const backend = await createEmbeddedBackend({
    name: "broken",
    models: ["*"],
    weight: 1,
    model,
    modelsDir: path.join(dir.path, "models"),
  });
  const body = { messages: [{ role: "user", content: "hi" }] };
  const error = await backend
    .send({ path: "/v1/chat/completions", headers: {}, body, stream: false, signal: neverAborted })
    .then(
      () => undefined,
      (reason: unknown) => reason as Error & { hint?: string },
    );
  const health = await backend.checkHealth(neverAborted);
  await backend.close();
  return { error, health };
}

test("a missing model path says which file and how to configure one", async () => {
  const missing = path.join(dir.path, "nope.gguf");
  const { error, health } = await failedBackend(missing);
  expect(error?.message).toContain(`${missing} does not exist`);
  expect(error?.hint).toMatch(/path of a local \.gguf file/);
  expect(health.readiness).toBe("down");
  expect(health.detail).toContain(missing);
});

test("a file that is not a GGUF is refused before llama.cpp sees it", async () => {
  const notGguf = path.join(dir.path, "model.bin");
  await writeFile(notGguf, "not a model");
  const { error, health } = await failedBackend(notGguf);
  expect(error?.message).toContain("is not a GGUF file");
  expect(health.readiness).toBe("down");
});

test("a download that cannot happen names the reference and the models folder", async () => {
  // A repository that does not exist: fails fast both offline and online, never downloads.
  const reference = "hf:harness-test/does-not-exist-GGUF:Q4_K_M";
  const { error, health } = await failedBackend(reference);
  expect(error?.message).toContain(reference);
  expect(error?.message).toContain(path.join(dir.path, "models"));
  expect(error?.hint).toMatch(/local .*GGUF/);
  expect(health.detail).toContain(reference);
});
