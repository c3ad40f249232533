/**
 * The CLI entry: commander wiring only. Each command module is imported when its command runs,
 * so `harness --help` loads nothing heavy. This is the only file that sets the exit code.
 */
import path from "node:path";
import { Command, CommanderError, Option } from "commander";
import { ExitCode, isHarnessError } from "./errors.js";
import { createOutput, type Output } from "./output.js";
import { harnessVersion } from "./version.js";
import type { CommandContext, CommandResult } from "./commands/context.js";

interface GlobalOptions {
  json?: boolean;
  cwd?: string;
}

export function buildProgram(
  run: (task: (ctx: CommandContext) => Promise<CommandResult>, command: Command) => Promise<void>,
): Command {
  const program = new Command("harness")
    .description(
      "Turn a git repository into a place where AI agents do the routine work while you steer.",
    )
    .version(harnessVersion(), "-v, --version")
    .addOption(new Option("--json", "print one JSON object per line (for scripts)"))
    .addOption(new Option("-C, --cwd <dir>", "run as if started in <dir>"))
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false })
    .addHelpText(
      "after",
      `
Start here:
  harness init           write CLAUDE.md, PLAN.md, PROGRESS.md and a .claude/ tree for this repo
  harness doctor         check that git, the config, a GitHub token and agent CLIs are ready
  harness skills validate   check .claude/ skills, commands and agents

Exit codes: 0 ok, 1 problems found, 2 usage, 3 config, 4 auth, 5 input, 6 network,
7 budget, 70 bug in harness, 130 cancelled.`,
    );

  program
    .command("init")
    .description("detect the project and write its soul documents and .claude/ tree")
    .option("--dry-run", "show what would change and write nothing")
    .option("--force", "overwrite files you have edited (default: keep them)")
    .option("-y, --yes", "never ask; leave what cannot be detected as a marked TODO")
    .addHelpText(
      "after",
      `
Writes CLAUDE.md, AGENTS.md, PLAN.md, PROGRESS.md, reference/README.md, harness.config.yaml
and .claude/{skills,commands,agents}, filled from what it detects (languages, package manager,
test command, default branch, GitHub owner/repo). Safe to run again: unchanged files are left
alone, files you edited are kept unless --force, and untouched files are upgraded.

Examples:
  harness init --dry-run      preview
  harness init --yes          non-interactive (cron, CI)
  harness init --json         one JSON object per file, then a summary`,
    )
    .action(
      async (options: { dryRun?: boolean; force?: boolean; yes?: boolean }, command: Command) => {
        await run(async (ctx) => {
          const { runInit } = await import("./commands/init.js");
          return runInit(
            { dryRun: !!options.dryRun, force: !!options.force, yes: !!options.yes },
            ctx,
          );
        }, command);
      },
    );

  const skills = program
    .command("skills")
    .description("list and validate the .claude/ skills, commands and agents");
  skills
    .command("validate")
    .description("check every skill, command and agent against Claude Code's formats")
    .argument("[dir]", "the .claude folder, or a repo that holds one", ".")
    .addHelpText(
      "after",
      `
Reports malformed YAML with file and line, bad names, missing or overlong descriptions,
unknown agent tools, and unknown keys (as warnings). Exits 1 when there are errors.

Examples:
  harness skills validate
  harness skills validate path/to/repo --json`,
    )
    .action(async (dir: string, _options: unknown, command: Command) => {
      await run(async (ctx) => {
        const { runSkillsValidate } = await import("./commands/skills-validate.js");
        return runSkillsValidate({ dir }, ctx);
      }, command);
    });
  skills
    .command("list")
    .description("list the skills, commands and agents under .claude/")
    .argument("[dir]", "the .claude folder, or a repo that holds one", ".")
    .action(async (dir: string, _options: unknown, command: Command) => {
      await run(async (ctx) => {
        const { runSkillsList } = await import("./commands/skills-list.js");
        return runSkillsList({ dir }, ctx);
      }, command);
    });

  program
    .command("doctor")
    .description("check what harness needs and say how to fix each gap")
    .addHelpText(
      "after",
      `
Checks: Node version, git, being inside a git repository, harness.config.yaml, a GitHub token
(GITHUB_TOKEN, or \`gh auth token\`), and the agent CLIs claude, codex and gemini.
Exits 1 when a required check fails; missing optional tools are warnings.`,
    )
    .action(async (_options: unknown, command: Command) => {
      await run(async (ctx) => {
        const { runDoctor } = await import("./commands/doctor.js");
        return runDoctor({}, ctx);
      }, command);
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  let output: Output = createOutput({ json: argv.includes("--json") });
  const run = async (
    task: (ctx: CommandContext) => Promise<CommandResult>,
    command: Command,
  ): Promise<void> => {
    const globals = command.optsWithGlobals<GlobalOptions>();
    output = createOutput({ json: !!globals.json });
    const ctx: CommandContext = {
      cwd: path.resolve(globals.cwd ?? process.cwd()),
      env: process.env,
      output,
      stdin: process.stdin,
    };
    const result = await task(ctx);
    process.exitCode = result.exitCode;
  };

  const onSigint = () => {
    output.error("cancelled");
    process.exit(ExitCode.cancelled);
  };
  process.once("SIGINT", onSigint);

  // A reader that stops early (`harness skills list --json | head`) is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });

  const program = buildProgram(run);
  program.exitOverride();
  program.configureOutput({
    writeErr: (text) => process.stderr.write(text),
    writeOut: (text) => process.stdout.write(text),
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = exitCodeFor(error, output);
  } finally {
    process.removeListener("SIGINT", onSigint);
  }
}

function exitCodeFor(error: unknown, output: Output): number {
  if (error instanceof CommanderError) {
    // --help and --version also arrive here, with exit code 0; commander already printed.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (isHarnessError(error)) {
    output.error(error.message, error.hint);
    return error.exitCode;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  output.error(
    `unexpected error: ${message}`,
    "this is a bug in harness; please report it with the command you ran",
  );
  return ExitCode.internal;
}
