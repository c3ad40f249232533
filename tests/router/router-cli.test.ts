/**
 * `harness router start` and `harness router status` as a user runs them: the built CLI, a
 * config file, a llama-server-like backend, a live reload on SIGHUP and a clean stop on SIGTERM.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAiBackend, type FakeLlmBackend } from "../support/fake-llm-backends.js";
import { ensureBuiltCli } from "../support/built-cli.js";
import { harnessBin, runHarness } from "../support/run-cli.js";

describe("harness router start|status (built CLI)", () => {
  const work = mkdtempSync(path.join(os.tmpdir(), "harness-router-cli-"));
  const configFile = path.join(work, "harness.config.yaml");
  let first: FakeLlmBackend;
  let second: FakeLlmBackend;

  const writeConfig = (backends: FakeLlmBackend[]) =>
    writeFileSync(
      configFile,
      [
        "router:",
        "  port: 0",
        "  backends:",
        ...backends.flatMap((backend) => [
          `    - name: ${backend.name}`,
          "      kind: llama-server",
          `      url: ${backend.url}`,
        ]),
        "",
      ].join("\n"),
    );

  beforeAll(async () => {
    await ensureBuiltCli();
    first = await startFakeOpenAiBackend({ name: "first", reply: "from first" });
    second = await startFakeOpenAiBackend({ name: "second", reply: "from second" });
    writeFileSync(path.join(work, ".git"), "");
  });

  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
    rmSync(work, { recursive: true, force: true });
  });

  it("serves, reports status, reloads on SIGHUP and stops cleanly on SIGTERM", async () => {
    writeConfig([first]);
    const router = execa(process.execPath, [harnessBin, "router", "start", "--json"], {
      cwd: work,
      env: { NO_COLOR: "1" },
      reject: false,
    });
    const lines: Record<string, unknown>[] = [];
    const waitFor = (type: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${type} in ${JSON.stringify(lines)}`)),
          20_000,
        );
        const check = () => {
          const found = lines.find((line) => line.type === type);
          if (found) {
            clearTimeout(timer);
            resolve(found);
          } else setTimeout(check, 20);
        };
        check();
      });
    router.stdout?.on("data", (data: Buffer) => {
      for (const line of data.toString().split("\n").filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
    });

    const started = await waitFor("router-started");
    const url = String(started.url);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const ask = async () => {
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "any", messages: [{ role: "user", content: "hi" }] }),
      });
      return (await response.json()) as { choices: { message: { content: string } }[] };
    };
    expect((await ask()).choices[0]?.message.content).toBe("from first");

    const status = await runHarness(["router", "status", "--url", url, "--json"], { cwd: work });
    expect(status.exitCode).toBe(0);
    const record = status.records.at(-1) as { backends: { name: string; readiness: string }[] };
    expect(record.backends.map((backend) => backend.name)).toEqual(["first"]);

    const table = await runHarness(["router", "status", "--url", url, "--once"], { cwd: work });
    expect(table.stdout).toMatch(/BACKEND\s+KIND\s+STATE/);
    expect(table.stdout).toMatch(/first\s+llama-server\s+closed/);

    writeConfig([second]);
    router.kill("SIGHUP");
    await waitFor("router-reloaded");
    expect((await ask()).choices[0]?.message.content).toBe("from second");

    router.kill("SIGTERM");
    const exited = await router;
    expect(exited.exitCode).toBe(0);
  });

  it("explains an unreachable router", async () => {
    const run = await runHarness(["router", "status", "--url", "http://127.0.0.1:9", "--once"], {
      cwd: work,
    });
    expect(run.exitCode).toBe(6);
    expect(run.stderr).toContain("cannot reach the router");
    expect(run.stderr).toContain("harness router start");
  });
});
