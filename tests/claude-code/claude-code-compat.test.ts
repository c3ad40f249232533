/**
 * Real Claude Code against the files `harness init` writes, fully offline: Claude Code's own
 * validator checks the .claude/ tree, and headless runs against a fake Anthropic server show that
 * the generated command, skills, agents and CLAUDE.md reach the model as intended.
 */
import { cp, mkdir, readFile, readdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import matter from "gray-matter";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuiltCli } from "../support/built-cli.js";
import { runHarness } from "../support/run-cli.js";
import { createTempGitRepo, type TempGitRepo } from "../support/temp-git-repo.js";
import {
  collectText,
  startFakeAnthropicServer,
  type FakeAnthropicServer,
} from "../support/fake-anthropic-server.js";
import {
  isClaudeInstalled,
  runClaude,
  runClaudeCommand,
  type ClaudePromptRun,
} from "../support/run-claude.js";
import { createTempDir, type TempDir } from "../support/temp-dir.js";

const SLOW = { timeout: 120_000 };

/** The name and description a skill, command or agent file declares in its frontmatter. */
interface Declared {
  name: string;
  description: string;
  /** False with `disable-model-invocation: true`: then Claude Code leaves it out of the list. */
  listedToModel: boolean;
  body: string;
}

async function readDeclared(file: string, fallbackName: string): Promise<Declared> {
  const parsed = matter(await readFile(file, "utf8"));
  const data = parsed.data as Record<string, unknown>;
  return {
    name: typeof data.name === "string" ? data.name : fallbackName,
    description: typeof data.description === "string" ? data.description : "",
    listedToModel: data["disable-model-invocation"] !== true,
    body: parsed.content,
  };
}

/**
 * The longest plain line of `body` that appears in none of `elsewhere`: seeing it in a request
 * proves this file's body was sent. Lines Claude Code rewrites before sending ($ARGUMENTS,
 * !`command`, @file) are skipped.
 */
function distinctiveLine(body: string, elsewhere: readonly string[]): string {
  const candidates = body
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length >= 25 && !line.includes("$") && !line.includes("!`"))
    .filter((line) => !/(^|\s)@\S/.test(line))
    .filter((line) => elsewhere.every((text) => !text.includes(line)))
    .sort((a, b) => b.length - a.length);
  const line = candidates[0];
  if (!line) throw new Error(`no distinctive line of 25+ plain characters in:\n${body}`);
  return line;
}

/** Every text file under a folder, for the "appears nowhere else" test. */
async function readAllFiles(dir: string, skip: string): Promise<string[]> {
  const texts: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isFile() && full !== skip) texts.push(await readFile(full, "utf8"));
  }
  return texts;
}

function describeRun(run: ClaudePromptRun): string {
  return `exit ${run.exitCode}${run.timedOut ? " (timed out)" : ""}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`;
}

describe.skipIf(!isClaudeInstalled())(
  "Claude Code accepts what harness init writes (skipped when node_modules/.bin/claude is missing: run npm install)",
  () => {
    let repo: TempGitRepo;
    let claudeDir: string;
    const skills: Declared[] = [];
    const agents: Declared[] = [];
    const commands: Declared[] = [];

    beforeAll(async () => {
      await ensureBuiltCli();
      repo = createTempGitRepo({
        "package.json": `${JSON.stringify({ name: "compat-fixture", version: "1.0.0", scripts: { test: "node --test" } }, null, 2)}\n`,
      });
      const init = await runHarness(["init", "--yes"], {
        cwd: repo.root,
        env: { GITHUB_TOKEN: "", GH_TOKEN: "" },
      });
      if (init.exitCode !== 0) {
        throw new Error(`harness init --yes failed:\n${init.stdout}\n${init.stderr}`);
      }
      claudeDir = path.join(repo.root, ".claude");
      const entries = async (folder: string) =>
        readdir(path.join(claudeDir, folder), { withFileTypes: true });
      for (const { name } of (await entries("skills")).filter((e) => e.isDirectory())) {
        skills.push(await readDeclared(path.join(claudeDir, "skills", name, "SKILL.md"), name));
      }
      const markdownFiles = async (folder: string) =>
        (await entries(folder))
          .filter((e) => e.isFile() && e.name.endsWith(".md"))
          .map((e) => e.name);
      for (const file of await markdownFiles("agents")) {
        agents.push(await readDeclared(path.join(claudeDir, "agents", file), file.slice(0, -3)));
      }
      for (const file of await markdownFiles("commands")) {
        // A command's name is its file name; a `name` key in its frontmatter is ignored.
        const declared = await readDeclared(path.join(claudeDir, "commands", file), "");
        commands.push({ ...declared, name: file.slice(0, -3) });
      }
    }, SLOW.timeout);

    afterAll(() => {
      repo?.cleanup();
    });

    it("init wrote the skills, commands and agents this suite relies on", () => {
      expect(skills.map((s) => s.name)).toContain("triage-issue");
      expect(commands.map((c) => c.name)).toEqual(expect.arrayContaining(["triage", "sync"]));
      expect(agents.length).toBeGreaterThan(0);
    });

    describe("claude plugin validate", () => {
      let pluginRoots: TempDir;
      beforeAll(async () => {
        pluginRoots = await createTempDir("harness-plugin-roots");
      });
      afterAll(async () => {
        await pluginRoots?.remove();
      });

      /**
       * The validator only accepts a plugin root (a folder with .claude-plugin/plugin.json) or a
       * manifest file; given .claude/skills itself it fails with "No manifest found". So each
       * check builds a root whose skills/, commands/ and agents/ are links to the generated ones.
       * A complete manifest lets --strict report only problems in the linked files.
       */
      async function pluginRootWith(
        name: string,
        folders: Record<string, string>,
      ): Promise<string> {
        const root = path.join(pluginRoots.path, name);
        await mkdir(path.join(root, ".claude-plugin"), { recursive: true });
        const manifest = {
          name,
          version: "0.0.0",
          description: "The .claude/ tree harness init wrote, wrapped for validation.",
          author: { name: "harness tests" },
        };
        await writeFile(path.join(root, ".claude-plugin", "plugin.json"), JSON.stringify(manifest));
        for (const [folder, target] of Object.entries(folders)) {
          await symlink(target, path.join(root, folder));
        }
        return root;
      }

      for (const kind of ["skills", "agents", "commands"] as const) {
        it(`accepts .claude/${kind} with --strict (warnings count as errors)`, SLOW, async () => {
          const root = await pluginRootWith(`generated-${kind}`, {
            [kind]: path.join(claudeDir, kind),
          });
          const run = await runClaudeCommand(["plugin", "validate", "--strict", root], {
            cwd: repo.root,
          });
          expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
          expect(run.stdout).toContain("Validation passed");
        });
      }

      it("does read the linked files: a copy with broken frontmatter fails", SLOW, async () => {
        const broken = path.join(pluginRoots.path, "broken-skills");
        await cp(path.join(claudeDir, "skills"), broken, { recursive: true });
        const skillFile = path.join(broken, "triage-issue", "SKILL.md");
        const text = await readFile(skillFile, "utf8");
        await writeFile(skillFile, text.replace(/^---\n/, "---\nargument-hint: [unclosed\n"));
        const root = await pluginRootWith("broken", { skills: broken });
        const run = await runClaudeCommand(["plugin", "validate", root], { cwd: repo.root });
        expect(run.exitCode).toBe(1);
        expect(run.stdout + run.stderr).toContain("YAML frontmatter failed to parse");
      });
    });

    describe("claude -p /triage 42", () => {
      let server: FakeAnthropicServer;
      let run: ClaudePromptRun;
      let sentText = "";
      const reply = "Issue 42 is ready for work.";

      beforeAll(async () => {
        server = await startFakeAnthropicServer({ replies: [reply] });
        run = await runClaude("/triage 42", { cwd: repo.root, server });
        sentText = server
          .messageRequests()
          .map((request) => collectText(request.body))
          .join("\n");
      }, SLOW.timeout);

      afterAll(async () => {
        await server?.close();
      });

      it("finishes without error, with the scripted reply as its result", () => {
        expect(run.result, describeRun(run)).toBeDefined();
        expect(run.result?.is_error).toBe(false);
        // A failing !`command` line in a command aborts it before any model call, yet the result
        // still says is_error: false, with num_turns 0 and an empty result.
        expect(
          run.result?.num_turns,
          "no model call was made: a !`command` line in triage.md probably exited non-zero",
        ).toBeGreaterThanOrEqual(1);
        expect(run.result?.result).toBe(reply);
        expect(run.exitCode).toBe(0);
        expect(server.unexpected).toEqual([]);
      });

      it("sends a streamed Messages request with the test key", () => {
        const [request] = server.messageRequests();
        expect(request?.query).toEqual({ beta: "true" });
        expect(request?.headers["x-api-key"]).toBe("test");
        expect(request?.headers["anthropic-version"]).toBe("2023-06-01");
        expect(request?.body).toMatchObject({ stream: true, messages: expect.any(Array) });
      });

      it("expands the body of .claude/commands/triage.md into the request", async () => {
        const file = path.join(claudeDir, "commands", "triage.md");
        const others = [
          ...(await readAllFiles(claudeDir, file)),
          await readFile(path.join(repo.root, "CLAUDE.md"), "utf8"),
        ];
        const triage = commands.find((c) => c.name === "triage")!;
        const line = distinctiveLine(triage.body, others);
        expect(sentText).toContain(line);
        // $ARGUMENTS becomes the text after the command name.
        const withArguments = triage.body
          .split("\n")
          .find((l) => l.includes("$ARGUMENTS") && !l.includes("!`"));
        if (withArguments)
          expect(sentText).toContain(withArguments.replaceAll("$ARGUMENTS", "42").trim());
      });

      it("lists every generated skill and command (with its description) and every agent", () => {
        for (const item of [...skills, ...commands, ...agents].filter((i) => i.listedToModel)) {
          expect(sentText, `${item.name} is not listed`).toContain(`- ${item.name}: `);
          const start = item.description.trim().slice(0, 40);
          if (start) expect(sentText, `${item.name}'s description`).toContain(start);
        }
      });

      it("includes the generated CLAUDE.md", async () => {
        const claudeMd = await readFile(path.join(repo.root, "CLAUDE.md"), "utf8");
        const plain = claudeMd.split("\n").filter((line) => !line.trim().startsWith("@"));
        expect(sentText).toContain(distinctiveLine(plain.join("\n"), []));
      });
    });

    it("claude -p /triage-issue 42 expands the generated skill body", SLOW, async () => {
      const server = await startFakeAnthropicServer({ replies: ["Triaged."] });
      try {
        const run = await runClaude("/triage-issue 42", { cwd: repo.root, server });
        expect(run.result?.is_error, describeRun(run)).toBe(false);
        expect(run.result?.num_turns).toBeGreaterThanOrEqual(1);
        const file = path.join(claudeDir, "skills", "triage-issue", "SKILL.md");
        const skill = skills.find((s) => s.name === "triage-issue")!;
        const line = distinctiveLine(skill.body, await readAllFiles(claudeDir, file));
        const sent = server.messageRequests().map((r) => collectText(r.body));
        expect(sent.join("\n")).toContain(line);
      } finally {
        await server.close();
      }
    });
  },
);
