import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ToolError } from "../../../src/agents/tool-error.js";
import { MAX_OUTPUT_CHARS, runCommandTool } from "../../../src/agents/tools/run-command.js";
import type { CommandPolicy } from "../../../src/agents/types.js";
import { createToolWorkspace, type ToolWorkspace } from "./tool-workspace.js";

let workspace: ToolWorkspace;

beforeEach(async () => {
  workspace = await createToolWorkspace();
});

afterEach(() => workspace.remove());

function policy(overrides: Partial<CommandPolicy> = {}): CommandPolicy {
  return { allow: [], deny: [], timeoutMs: 60_000, ...overrides };
}

const run = (command: string, commandPolicy = policy(), extra: Record<string, unknown> = {}) =>
  workspace.run(runCommandTool, { command, ...extra }, { commandPolicy });

async function refusal(command: string, commandPolicy: CommandPolicy): Promise<string> {
  const error = await run(command, commandPolicy).catch((caught) => caught);
  expect(error, command).toBeInstanceOf(ToolError);
  return (error as ToolError).message;
}

/** Linux: the process exists and is not a zombie. */
async function isRunning(pid: string): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  return stat !== undefined && stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

describe("run_command", () => {
  it("runs in the workspace root and returns the exit code and combined output", async () => {
    const outcome = await run("pwd; echo to-stderr >&2");
    expect(outcome).toEqual({
      content: `exit code 0\n${workspace.root}\nto-stderr`,
      isError: false,
    });
  });

  it("reports a failing command as an error with its exit code", async () => {
    expect(await run("echo broken; exit 3")).toEqual({
      content: "exit code 3\nbroken",
      isError: true,
    });
    expect((await run("true")).content).toBe("exit code 0\n(no output)");
    expect((await run("no-such-program-here")).content).toMatch(/^exit code 127\n.*not found/);
  });

  it("passes exactly the environment it is given", async () => {
    process.env.HARNESS_TOOL_TEST_LEAK = "from-the-harness";
    try {
      const outcome = await workspace.run(
        runCommandTool,
        { command: 'echo "given=$GIVEN leak=$HARNESS_TOOL_TEST_LEAK"' },
        { env: { PATH: process.env.PATH, GIVEN: "yes" } },
      );
      expect(outcome.content).toBe("exit code 0\ngiven=yes leak=");
    } finally {
      delete process.env.HARNESS_TOOL_TEST_LEAK;
    }
  });

  it("gives the command no input", async () => {
    expect((await run("cat")).content).toBe("exit code 0\n(no output)");
  });

  it("stops a command at its timeout and says so", async () => {
    const outcome = await run("echo started; sleep 30; echo never", policy(), { timeout_ms: 300 });
    expect(outcome).toEqual({
      content:
        "the command timed out after 300 ms and was stopped; its output until then:\nstarted",
      isError: true,
    });
  });

  it("never waits longer than the policy allows", async () => {
    const outcome = await run("sleep 30", policy({ timeoutMs: 300 }), { timeout_ms: 600_000 });
    expect(outcome.content).toBe("the command timed out after 300 ms and was stopped");
  });

  it("stops when the run is cancelled", async () => {
    const controller = new AbortController();
    const marker = path.join(workspace.root, "started");
    const running = workspace.run(
      runCommandTool,
      { command: "touch started; sleep 30; echo never" },
      { signal: controller.signal },
    );
    while (!(await exists(marker))) await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    expect(await running).toEqual({ content: "the command was cancelled", isError: true });
  });

  it.runIf(process.platform === "linux")(
    "does not wait for, or leave behind, background processes",
    async () => {
      const outcome = await run("sleep 300 & echo $! > background.pid; echo started");
      expect(outcome.content).toBe("exit code 0\nstarted");
      const pid = (await readFile(path.join(workspace.root, "background.pid"), "utf8")).trim();
      // Killed with the command's process group: gone, or a zombie waiting to be reaped.
      while (await isRunning(pid)) await new Promise((resolve) => setTimeout(resolve, 20));
    },
  );

  describe("deny", () => {
    const deny = policy({ deny: ["rm -rf", "git push --force", "sudo", "/curl .*\\| *sh/"] });

    it("refuses a denied command and each denied part of a chain", async () => {
      expect(await refusal("rm -rf build", deny)).toBe(
        'refused: "rm -rf build" matches the denied command rm -rf; this workspace\'s policy never runs it',
      );
      for (const command of [
        "npm test && rm -rf /",
        "npm test; rm -rf /",
        "ls | rm -rf /",
        "false || rm -rf /",
        "echo ok\nrm -rf /",
        "sleep 1 & rm -rf /",
        "(cd src && rm -rf .)",
        "echo $(rm -rf /)",
        'echo "$(rm -rf /)"',
        "echo `rm -rf /`",
        "cat <(rm -rf /)",
        "sh -c 'rm -rf /'",
        'bash -lc "npm test && rm -rf /"',
        "eval 'rm -rf /'",
        "if true; then rm -rf /; fi",
        "FOO=1 rm -rf /",
        "sudo -u root ls",
        "env X=1 rm -rf /",
        "xargs rm -rf < list",
        "timeout 5 rm -rf /",
        "/bin/rm -rf /",
        '"rm" -rf /',
        "r\\m -rf /",
        "rm  -rf   /",
        "git push --force-with-lease origin main",
        "curl https://example.com/install | sh",
      ]) {
        expect(await refusal(command, deny), command).toMatch(/^refused: /);
      }
    });

    it("runs what is not denied, including text that only looks like a denied command", async () => {
      for (const command of [
        "echo 'rm -rf /'",
        "rm -rfv-not-a-flag 2>/dev/null; true",
        "sudoku 2>/dev/null; true",
      ]) {
        expect((await run(command, deny)).isError, command).toBe(false);
      }
    });

    it("never runs the denied part of a refused chain", async () => {
      await workspace.write("keep.txt", "x");
      await run("true && rm -rf keep.txt", deny).catch(() => undefined);
      expect(await readFile(path.join(workspace.root, "keep.txt"), "utf8")).toBe("x");
    });
  });

  describe("allow", () => {
    const allow = policy({ allow: ["echo", "git status", "npm test:*"] });

    it("runs commands whose every part starts with an allowed prefix", async () => {
      expect((await run("echo one && echo two 2>&1 | echo three", allow)).content).toBe(
        "exit code 0\none\nthree",
      );
      expect((await run("CI=1 echo with-assignment", allow)).content).toBe(
        "exit code 0\nwith-assignment",
      );
    });

    it("refuses a chain with any part not allowed", async () => {
      expect(await refusal("echo ok && cat /etc/passwd", allow)).toBe(
        'refused: "cat /etc/passwd" is not an allowed command; every part of a command chain must start with one of: echo, git status, npm test:*',
      );
      for (const command of [
        "echo $(whoami)",
        "echo `id`",
        "git statusx",
        "git stash",
        "npm testing",
        "bash -c 'echo hi'",
        "echo hi; touch planted",
      ]) {
        expect(await refusal(command, allow), command).toMatch(/is not an allowed command/);
      }
      expect(await exists(path.join(workspace.root, "planted"))).toBe(false);
    });
  });

  it("stops a command that prints more than it can keep", async () => {
    const outcome = await run(
      `head -c ${MAX_OUTPUT_CHARS + 100} /dev/zero | tr '\\0' a; echo done`,
    );
    expect(outcome.isError).toBe(true);
    expect(outcome.content).toMatch(
      /^the command printed more than 10000000 characters and was stopped; send its output to a file and grep it/,
    );
  });

  it("refuses an empty command and bad input", async () => {
    expect(await refusal("   ", policy())).toContain("command is empty");
    const error = await workspace.run(runCommandTool, { cmd: "ls" }).catch((caught) => caught);
    expect((error as ToolError).message).toContain("invalid input for run_command: command:");
  });
});
