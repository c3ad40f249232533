import { describe, expect, it } from "vitest";
import { runDoctor, type DoctorCollaborators } from "../../src/commands/doctor.js";
import { captureCommand, jsonRecords } from "../support/command-context.js";
import { createFakeRunCommand, healthyMachine, type FakeAnswer } from "./fake-run-command.js";

/** What each stream received: no entry when nothing was written to it. */
interface Captured {
  stdout: string[];
  stderr: string[];
}

const written = (text: string): string[] => (text === "" ? [] : [text]);

/** Runs doctor in a folder with no harness.config.yaml, against scripted programs. */
async function doctorWith(
  answers: Record<string, FakeAnswer>,
  options: { json: boolean; env?: NodeJS.ProcessEnv; nodeVersion?: string },
): Promise<{ exitCode: number; captured: Captured }> {
  // "/": a folder that holds no harness.config.yaml on any machine.
  const run = captureCommand({ cwd: "/", json: options.json, env: options.env ?? {} });
  const collaborators: DoctorCollaborators = {
    run: createFakeRunCommand(answers).run,
    nodeVersion: options.nodeVersion ?? "20.19.0",
  };
  const { exitCode } = await runDoctor({}, run.ctx, collaborators);
  return { exitCode, captured: { stdout: written(run.stdout()), stderr: written(run.stderr()) } };
}

function jsonLines(captured: Captured): Array<Record<string, unknown>> {
  return jsonRecords(captured.stdout.join(""));
}

describe("runDoctor", () => {
  it("prints one check-finished event per check, then a summary, in a fixed order", async () => {
    const { exitCode, captured } = await doctorWith(healthyMachine(), { json: true });
    const lines = jsonLines(captured);
    expect(lines.slice(0, -1).map((line) => [line.type, line.name])).toEqual(
      [
        "node",
        "git",
        "git-repository",
        "config",
        "github-token",
        "claude",
        "codex",
        "gemini",
        "agent-cli",
      ].map((name) => ["check-finished", name]),
    );
    expect(lines.at(-1)).toEqual({
      type: "result",
      command: "doctor",
      ok: 8,
      warn: 1,
      fail: 0,
      exitCode: 0,
    });
    expect(exitCode).toBe(0);
    expect(captured.stderr).toEqual([]);
    expect(captured.stdout.join("")).not.toContain("gho_tokenfromgh999");
  });

  it("exits 1 when a check fails (old Node, no git) and 0 when there are only warnings", async () => {
    const failing = await doctorWith({}, { json: true, nodeVersion: "18.19.0" });
    expect(failing.exitCode).toBe(1);
    const statuses = Object.fromEntries(jsonLines(failing.captured).map((l) => [l.name, l.status]));
    expect(statuses).toMatchObject({
      node: "fail",
      git: "fail",
      "git-repository": "warn",
      claude: "warn",
      "agent-cli": "warn",
    });

    const warningsOnly = await doctorWith(
      { "git --version": { stdout: "git version 2.40.0" } },
      {
        json: true,
      },
    );
    expect(warningsOnly.exitCode).toBe(0);
  });

  it("renders a marked line per check and an indented fix for a person", async () => {
    const { captured } = await doctorWith(
      { ...healthyMachine(), "codex --version": "missing", "gh auth token": { exitCode: 1 } },
      { json: false },
    );
    const text = captured.stdout.join("");
    expect(text).toMatch(/^ok {3}node {12}Node 20\.19\.0$/m);
    expect(text).toMatch(
      /^warn codex {11}not installed \(optional\)\n {5}fix: npm i -g @openai\/codex$/m,
    );
    expect(text).toMatch(/^warn github-token {4}no GitHub token/m);
    expect(text).toContain("     fix: create a fine-grained token");
    expect(text.trimEnd().split("\n").at(-1)).toBe("6 checks ok, 3 warnings, 0 failures");
    expect(text).not.toContain("\u001b[");
  });

  it("runs the checks concurrently", async () => {
    const slow = Object.fromEntries(
      Object.entries(healthyMachine()).map(([key, answer]) => [
        key,
        answer === "missing" ? answer : { ...answer, delayMs: 300 },
      ]),
    );
    const started = Date.now();
    await doctorWith(slow, { json: true });
    // Six programs at 300 ms each: one after another would take 1.8 s.
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
