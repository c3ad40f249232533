/**
 * A workspace for tool tests: a real temporary folder holding `workspace/` (the root the tools
 * are confined to) and `outside/` next to it (what escapes would reach), with a context to
 * call tools with.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { createTempDir, type TempDir } from "../../support/temp-dir.js";
import type { AgentTool, ToolContext, ToolOutcome } from "../../../src/agents/types.js";

export interface ToolWorkspace {
  /** The workspace root (a real path). */
  root: string;
  /** A folder beside the workspace, holding `secret.txt`. */
  outside: string;
  /** Writes `content` to `relative` under the root, folders created. */
  write(relative: string, content: string | Uint8Array): Promise<string>;
  context(overrides?: Partial<ToolContext>): ToolContext;
  run(tool: AgentTool, input: unknown, overrides?: Partial<ToolContext>): Promise<ToolOutcome>;
  remove(): Promise<void>;
}

export const SECRET = "the secret outside the workspace";

export async function createToolWorkspace(): Promise<ToolWorkspace> {
  const temp: TempDir = await createTempDir("harness-tools");
  const root = path.join(temp.path, "workspace");
  const outside = path.join(temp.path, "outside");
  await mkdir(root);
  await mkdir(outside);
  await writeFile(path.join(outside, "secret.txt"), `${SECRET}\n`);
  const controller = new AbortController();
  const context = (overrides: Partial<ToolContext> = {}): ToolContext => ({
    root,
    signal: controller.signal,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    commandPolicy: { allow: [], deny: [], timeoutMs: 60_000 },
    skills: new Map(),
    maxOutputChars: 30_000,
    ...overrides,
  });
  return {
    root,
    outside,
    async write(relative, content) {
      const target = path.join(root, relative);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, content);
      return target;
    },
    context,
    run: (tool, input, overrides) => tool.run(input, context(overrides)),
    remove: () => temp.remove(),
  };
}
