/**
 * Claude Code as a real client of the router: it speaks the Anthropic Messages API (streamed,
 * with thinking/effort fields and ~20 tools); the router translates to the OpenAI format of a
 * llama.cpp backend and back. One run goes to real llama.cpp (embedded, tiny generated model),
 * one to a scripted llama-server-like backend that asks for a tool, so a tool-use turn (Claude
 * Code runs Read, sends the tool_result) crosses the translation both ways.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.js";
import { createCollectingSink } from "../../src/events.js";
import { serveRouter, type RunningRouter } from "../../src/workflows/serve-router.js";
import { isClaudeInstalled, runClaudeCommand } from "../support/run-claude.js";
import { writeTinyGguf } from "../support/tiny-gguf.js";

const SLOW = 180_000;

function parseResult(stdout: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** A llama-server-like OpenAI backend that answers from a script, streamed. */
function startScriptedBackend(script: ((body: Record<string, unknown>) => object[])[]) {
  const requests: Record<string, unknown>[] = [];
  const server = http.createServer((request, response) => {
    let raw = "";
    request.on("data", (chunk: Buffer) => (raw += chunk.toString()));
    request.on("end", () => {
      if (request.url === "/health") return void response.end('{"status":"ok"}');
      if (request.url === "/props") return void response.end('{"total_slots":2}');
      const body = JSON.parse(raw || "{}") as Record<string, unknown>;
      requests.push(body);
      const step = script[Math.min(requests.length - 1, script.length - 1)]!;
      response.writeHead(200, { "content-type": "text/event-stream" });
      for (const chunk of step(body)) response.write(`data: ${JSON.stringify(chunk)}\n\n`);
      response.end("data: [DONE]\n\n");
    });
  });
  return new Promise<{ url: string; requests: typeof requests; close(): Promise<void> }>(
    (resolve) =>
      server.listen(0, "127.0.0.1", () =>
        resolve({
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          requests,
          close: () => new Promise((done) => server.close(() => done())),
        }),
      ),
  );
}

const chunk = (delta: object, finish: string | null = null, usage?: object) => ({
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1,
  model: "scripted",
  choices: [{ index: 0, delta, finish_reason: finish }],
  ...(usage ? { usage } : {}),
});

describe.skipIf(!isClaudeInstalled())("Claude Code through the router", () => {
  const work = mkdtempSync(path.join(os.tmpdir(), "harness-cc-router-"));
  const events = createCollectingSink();
  let embedded: RunningRouter;

  beforeAll(async () => {
    writeFileSync(path.join(work, "notes.txt"), "hello from notes\n");
    await writeTinyGguf(path.join(work, "tiny.gguf"), { endTokenWeight: 2, contextLength: 32768 });
    embedded = await serveRouter({
      config: configSchema.parse({
        router: {
          port: 0,
          backends: [
            {
              name: "llama",
              kind: "embedded",
              model: path.join(work, "tiny.gguf"),
              slots: 1,
              threads: 1,
            },
          ],
        },
      }),
      events,
    });
  }, SLOW);

  afterAll(async () => {
    await embedded?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it(
    "completes a headless run on real llama.cpp",
    async () => {
      const run = await runClaudeCommand(
        [
          "-p",
          "Say hi.",
          "--output-format",
          "json",
          "--bare",
          "--system-prompt",
          "You answer briefly.",
          "--tools",
          "Read",
        ],
        {
          cwd: work,
          baseUrl: embedded.url,
          timeoutMs: 150_000,
          env: { CLAUDE_CODE_MAX_OUTPUT_TOKENS: "256" },
        },
      );
      const result = parseResult(run.stdout);
      expect(result, run.stdout + run.stderr).toMatchObject({ type: "result", is_error: false });
      expect(typeof result?.result).toBe("string");
      const status = (await (await fetch(`${embedded.url}/status`)).json()) as {
        backends: { name: string; stats: { requests: number; tokens: { inputTokens: number } } }[];
      };
      const llama = status.backends.find((backend) => backend.name === "llama");
      expect(llama?.stats.requests).toBeGreaterThanOrEqual(1);
      expect(llama?.stats.tokens.inputTokens).toBeGreaterThan(100);
    },
    SLOW,
  );

  it(
    "carries a tool-use turn across the translation both ways",
    async () => {
      const notes = path.join(work, "notes.txt");
      const backend = await startScriptedBackend([
        () => [
          chunk({ role: "assistant", content: "" }),
          chunk({
            tool_calls: [
              {
                index: 0,
                id: "call_1",
                type: "function",
                function: { name: "Read", arguments: "" },
              },
            ],
          }),
          chunk({ tool_calls: [{ index: 0, function: { arguments: `{"file_path": ` } }] }),
          chunk({
            tool_calls: [{ index: 0, function: { arguments: JSON.stringify(notes) + "}" } }],
          }),
          chunk({}, "tool_calls", { prompt_tokens: 900, completion_tokens: 12, total_tokens: 912 }),
        ],
        () => [
          chunk({ role: "assistant", content: "" }),
          chunk({ content: "The notes say hello." }),
          chunk({}, "stop", { prompt_tokens: 950, completion_tokens: 6, total_tokens: 956 }),
        ],
      ]);
      const router = await serveRouter({
        config: configSchema.parse({
          router: {
            port: 0,
            backends: [{ name: "scripted", kind: "llama-server", url: backend.url }],
          },
        }),
        events: createCollectingSink(),
      });
      try {
        const run = await runClaudeCommand(
          ["-p", "What do my notes say?", "--output-format", "json", "--allowedTools", "Read"],
          { cwd: work, baseUrl: router.url, timeoutMs: 90_000 },
        );
        const result = parseResult(run.stdout);
        expect(result, run.stdout + run.stderr).toMatchObject({
          is_error: false,
          result: "The notes say hello.",
        });
        expect(Number(result?.num_turns)).toBeGreaterThanOrEqual(2);

        const [first, second] = backend.requests;
        // Translated into the OpenAI format: tools as functions, Claude Code's own fields gone.
        const tools = (first?.tools ?? []) as { type: string; function: { name: string } }[];
        expect(tools.map((tool) => tool.function.name)).toContain("Read");
        expect(first).not.toHaveProperty("context_management");
        expect(first).not.toHaveProperty("thinking");
        expect(first?.stream).toBe(true);
        // The tool result came back as an OpenAI tool message with the file's content.
        const messages = (second?.messages ?? []) as {
          role: string;
          content: unknown;
          tool_call_id?: string;
        }[];
        const toolMessage = messages.find((message) => message.role === "tool");
        expect(toolMessage?.tool_call_id).toBe("call_1");
        expect(JSON.stringify(toolMessage?.content)).toContain("hello from notes");
      } finally {
        await router.close();
        await backend.close();
      }
    },
    SLOW,
  );
});
