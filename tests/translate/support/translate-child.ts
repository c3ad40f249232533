/**
 * A translation run in its own process, for the kill test: `node --import tsx
 * translate-child.ts <root> <latencyMs>` translates `<root>/docs` with the pseudo-translator
 * (a fixed latency per request) on the run's own file queue, then prints "finished".
 */
import { testConfig, translateFixture } from "./translation-fixture.js";
import { PseudoTranslationClient } from "./pseudo-translation.js";

const [root, latency] = process.argv.slice(2);
if (!root) throw new Error("usage: translate-child.ts <root> <latencyMs>");

const fixture = { root, write: () => {}, read: () => "", remove: async () => {} };
await translateFixture(fixture, {
  client: new PseudoTranslationClient({ language: "ko", latencyMs: Number(latency ?? 100) }),
  config: testConfig(),
  workers: 2,
  batchSize: 2,
});
process.stdout.write("finished\n");
