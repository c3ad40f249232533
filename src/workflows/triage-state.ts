/**
 * What triage remembers between runs, in `.harness/state/triage.json`: the tracker cursor, the
 * issues a run could not finish (deferred by the per-run cap, or failed), and per issue the hash
 * of the title and body it judged with the verdict it gave. The tracker's own comments and
 * labels bump an issue's update time, so an issue comes back from `listChanged` after every
 * run; the hash is what tells a real edit from our own echo. Writes are atomic.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

import { z } from "zod";

import { InputError } from "../errors.js";
import { triageVerdicts } from "./triage-verdict.js";

export const TRIAGE_STATE_FILE = path.join(".harness", "state", "triage.json");

const stateSchema = z.object({
  version: z.literal(1),
  cursor: z.string(),
  pending: z.array(z.number().int().positive()),
  issues: z.record(
    z.string(),
    z.object({ hash: z.string(), verdict: z.enum(triageVerdicts), triagedAt: z.string() }),
  ),
});

export type TriageState = z.infer<typeof stateSchema>;

/** Where the state lives; tests and `--dry-run` pass an in-memory one. */
export interface TriageStateStore {
  load(): Promise<TriageState>;
  save(state: TriageState): Promise<void>;
}

export function emptyTriageState(): TriageState {
  return { version: 1, cursor: "", pending: [], issues: {} };
}

/** What a verdict was given for: the title and the body, nothing the tracker adds. */
export function hashIssueText(title: string, body: string): string {
  return createHash("sha256").update(`${title}\n\0\n${body}`).digest("hex");
}

export function createFileTriageStateStore(repoRoot: string): TriageStateStore {
  const file = path.join(repoRoot, TRIAGE_STATE_FILE);
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return emptyTriageState();
        throw error;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const result = stateSchema.safeParse(parsed);
      if (!result.success) {
        throw new InputError(`${TRIAGE_STATE_FILE} cannot be read`, {
          hint: `delete ${TRIAGE_STATE_FILE}: the next run triages every open issue again`,
        });
      }
      return result.data;
    },
    async save(state) {
      const folder = path.dirname(file);
      await mkdir(folder, { recursive: true });
      const temporary = path.join(folder, `.triage.${randomUUID()}.tmp`);
      try {
        await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, "utf8");
        await rename(temporary, file);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    },
  };
}

/** Keeps the state in memory: for `--dry-run` (nothing written) and tests. */
export function createMemoryTriageStateStore(
  initial: TriageState = emptyTriageState(),
): TriageStateStore & { state: TriageState } {
  const store = {
    state: structuredClone(initial),
    load: async () => structuredClone(store.state),
    save: async (state: TriageState) => {
      store.state = structuredClone(state);
    },
  };
  return store;
}
