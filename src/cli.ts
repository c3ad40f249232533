/**
 * The CLI entry: commander wiring only. Each command module is imported when its command runs,
 * so `harness --help` loads nothing heavy. This is the only file that sets the exit code.
 */
import path from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { ExitCode, isHarnessError } from "./errors.js";
import { createOutput, type Output } from "./output.js";
import { harnessVersion } from "./version.js";
import type { CommandContext, CommandResult } from "./commands/context.js";
import type { TranslateCommandOptions } from "./commands/translate.js";
import { translateHelpText } from "./translate/translate-help.js";

interface GlobalOptions {
  json?: boolean;
  cwd?: string;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError("a port is a whole number from 0 to 65535");
  }
  return port;
}

function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) {
    throw new InvalidArgumentError("a count is a whole number of at least 1");
  }
  return count;
}

/**
 * How a command runs: `shutdownGraceMs` is how long the first Ctrl-C / SIGTERM waits for the
 * command to stop on its own (pipeline commands release their queue items) before exiting.
 */
export type RunCommand = (
  task: (ctx: CommandContext) => Promise<CommandResult>,
  command: Command,
  options?: { shutdownGraceMs?: number },
) => Promise<void>;

/** Pipeline commands: an agent run and a test run are stopped, items released, then exit. */
const PIPELINE_SHUTDOWN_GRACE_MS = 60_000;

export function buildProgram(run: RunCommand): Command {
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
  harness router start   run the model router (llama.cpp embedded when no backend is configured)
  harness queue ls       see the work queue: plans pending, running, done and failed
  harness agent run implementer "..."   run an agent on a task (builtin, Claude Code or Codex)

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

  const router = program
    .command("router")
    .description("the local model router: one front door to llama.cpp and cloud backends");
  router
    .command("start")
    .description("run the router in the foreground (Ctrl-C stops it; SIGHUP reloads the config)")
    .option("--config <file>", "config file (default: harness.config.yaml of this repo)")
    .option("--port <n>", "port to listen on (overrides router.port)", parsePort)
    .option("--host <address>", "address to listen on (overrides router.host)")
    .addHelpText(
      "after",
      `
Serves POST /v1/chat/completions and /v1/messages (streaming or not), GET /v1/models, /health,
/metrics (Prometheus) and /status. Backends come from router.backends in the config; with none,
llama.cpp runs embedded in the router. Point clients at it:
  ANTHROPIC_BASE_URL=http://127.0.0.1:8788 claude -p "..."
  OPENAI_BASE_URL=http://127.0.0.1:8788/v1 your-openai-client`,
    )
    .action(
      async (options: { config?: string; port?: number; host?: string }, command: Command) => {
        await run(async (ctx) => {
          const { runRouterStart } = await import("./commands/router-start.js");
          return runRouterStart(options, ctx);
        }, command);
      },
    );
  router
    .command("status")
    .description("show backends: state, load, latency, tokens/s, cache hit ratio")
    .option("--url <url>", "router address (default: from the config)")
    .option("--once", "print the table once instead of a live view")
    .action(async (options: { url?: string; once?: boolean }, command: Command) => {
      await run(async (ctx) => {
        const { runRouterStatus } = await import("./commands/router-status.js");
        return runRouterStatus(options, ctx);
      }, command);
    });

  const queue = program
    .command("queue")
    .description("look at and steer the work queue (plans waiting, running, done, failed)")
    .addHelpText(
      "after",
      `
The queue is where ground plans wait for workers. With the default file driver every item is a
Markdown file under .harness/queue/{pending,running,done,failed}/<id>.md: read it, edit it while
it is pending, or move it between folders by hand (failed -> pending retries it). With
queue.driver: redis the same commands work on the shared BullMQ queue.

Examples:
  harness queue ls --state failed
  harness queue show 42-empty-config-crash
  harness queue retry 42-empty-config-crash
  harness queue stats --json`,
    );
  const configOption = () => new Option("--config <file>", "config file (default: this repo's)");
  queue
    .command("ls")
    .description("list items, pending first in the order workers take them")
    .option("--state <state>", "only pending, running, done or failed")
    .option("--limit <n>", "at most n items", parseCount)
    .addOption(configOption())
    .action(
      async (options: { state?: string; limit?: number; config?: string }, command: Command) => {
        await run(async (ctx) => {
          const { runQueueList } = await import("./commands/queue.js");
          return runQueueList(options, ctx);
        }, command);
      },
    );
  queue
    .command("show <id>")
    .description("print one item: its plan, state, attempts and error history")
    .addOption(configOption())
    .action(async (id: string, options: { config?: string }, command: Command) => {
      await run(async (ctx) => {
        const { runQueueShow } = await import("./commands/queue.js");
        return runQueueShow({ id, ...options }, ctx);
      }, command);
    });
  queue
    .command("stats")
    .description("count items per state")
    .addOption(configOption())
    .action(async (options: { config?: string }, command: Command) => {
      await run(async (ctx) => {
        const { runQueueStats } = await import("./commands/queue.js");
        return runQueueStats(options, ctx);
      }, command);
    });
  queue
    .command("retry <id>")
    .description("put a failed (or done) item back in pending with a fresh attempt budget")
    .addOption(configOption())
    .action(async (id: string, options: { config?: string }, command: Command) => {
      await run(async (ctx) => {
        const { runQueueRetry } = await import("./commands/queue.js");
        return runQueueRetry({ id, ...options }, ctx);
      }, command);
    });
  queue
    .command("cancel <id>")
    .description("stop a pending or running item (it moves to failed; its worker stops)")
    .option("--reason <text>", "recorded in the item's error history")
    .addOption(configOption())
    .action(async (id: string, options: { reason?: string; config?: string }, command: Command) => {
      await run(async (ctx) => {
        const { runQueueCancel } = await import("./commands/queue.js");
        return runQueueCancel({ id, ...options }, ctx);
      }, command);
    });
  queue
    .command("drop <id>")
    .description("delete an item that is not running")
    .addOption(configOption())
    .action(async (id: string, options: { config?: string }, command: Command) => {
      await run(async (ctx) => {
        const { runQueueDrop } = await import("./commands/queue.js");
        return runQueueDrop({ id, ...options }, ctx);
      }, command);
    });

  const agentRunOptions = (command: Command) =>
    command
      .option("--runner <runner>", "builtin, claude or codex (default: agents.runner)")
      .option("--max-turns <n>", "at most n model turns (default: budgets.maxTurns)", parseCount)
      .option(
        "--model <model>",
        "model or router alias (default: the agent's, else models.default)",
      )
      .option("--router <url>", "router to use (default: the configured one, else started here)")
      .addOption(configOption());
  const agent = program
    .command("agent")
    .description("run one of the repository's agents (.claude/agents) on a task");
  agentRunOptions(
    agent
      .command("run <agent> <task>")
      .description("run an agent in this working tree through the router, under the budgets"),
  )
    .addHelpText(
      "after",
      `
The agent is .claude/agents/<agent>.md: its body is the system prompt, its tools: list the
tools it gets. Runners: builtin (harness's own tool-using agent), claude (Claude Code headless)
or codex (codex exec), each pointed at the router. Every path stays inside the working tree
(--cwd); tokens and keys are not passed to the agent. The transcript goes to
.harness/runs/<run-id>/. Exit codes: 0 done, 1 failed, 7 a budget or the time limit ended it.

Examples:
  harness agent run triager "Check issue 42 against the code; give a verdict"
  harness agent run implementer "Carry out .harness/queue/pending/42-x.md" --runner claude`,
    )
    .action(
      async (
        agentName: string,
        task: string,
        options: Record<string, string | number | undefined>,
        command: Command,
      ) => {
        await run(async (ctx) => {
          const { runAgentCommand } = await import("./commands/agent.js");
          return runAgentCommand({ ...options, agent: agentName, task }, ctx);
        }, command);
      },
    );
  const slash = program
    .command("command")
    .description("run one of the repository's slash commands (.claude/commands) headless");
  agentRunOptions(
    slash
      .command("run <name> [args...]")
      .description("render a slash command with its arguments and run it as an agent task")
      .option("--print", "only print the rendered prompt"),
  )
    .addHelpText(
      "after",
      `
$ARGUMENTS in the command becomes all arguments, $0..$9 each one (zero-based, as in
current Claude Code).

Examples:
  harness command run triage 42 43
  harness command run plan 42 --print`,
    )
    .action(
      async (
        name: string,
        args: string[],
        options: Record<string, string | number | boolean | undefined>,
        command: Command,
      ) => {
        await run(async (ctx) => {
          const { runSlashCommand } = await import("./commands/agent.js");
          return runSlashCommand({ ...options, name, args }, ctx);
        }, command);
      },
    );

  const issue = program
    .command("issue")
    .description("the local issue tracker (.harness/issues), used when there is no GitHub")
    .addHelpText(
      "after",
      `
Each issue is .harness/issues/<n>.md: YAML frontmatter (id, title, state, labels, author,
created) and the text. With no GitHub remote the loop reads its work from here, offline.

Examples:
  harness issue new "Reject empty config files" --body "Loading an empty file crashes."
  harness issue ls --state all`,
    );
  issue
    .command("new <title>")
    .description("file a local issue under the next free number")
    .option("--body <text>", "the issue text")
    .option("--body-file <file>", "read the issue text from a file (- for stdin)")
    .option(
      "--label <label>",
      "a label (repeat for more)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .addOption(configOption())
    .action(
      async (
        title: string,
        options: { body?: string; bodyFile?: string; label?: string[]; config?: string },
        command: Command,
      ) => {
        await run(async (ctx) => {
          const { runIssueNew } = await import("./commands/issue.js");
          return runIssueNew({ ...options, title }, ctx);
        }, command);
      },
    );
  issue
    .command("ls")
    .description("list local issues")
    .option("--state <state>", "open (default), closed or all")
    .addOption(configOption())
    .action(async (options: { state?: string; config?: string }, command: Command) => {
      await run(async (ctx) => {
        const { runIssueList } = await import("./commands/issue.js");
        return runIssueList(options, ctx);
      }, command);
    });

  program
    .command("triage")
    .description("check new or changed issues against the code and label each with a verdict")
    .option("--issue <n>", "only this issue", parseCount)
    .option("--dry-run", "compute the verdicts, write nothing to the tracker")
    .addOption(configOption())
    .addHelpText(
      "after",
      `
Reads the issues changed since the last run (GitHub when configured, else .harness/issues),
gathers context from the code, and asks the triager model for a verdict: valid, needs-info,
duplicate, already-fixed, out-of-scope or unsafe. Each issue gets one harness:<verdict> label
and one comment, edited in place on later runs; unchanged issues are skipped. Issue text is
passed to the model as untrusted data. Exit 1 when an issue could not be triaged.`,
    )
    .action(
      async (options: { issue?: number; dryRun?: boolean; config?: string }, command: Command) => {
        await run(async (ctx) => {
          const { runTriageCommand } = await import("./commands/triage.js");
          return runTriageCommand(options, ctx);
        }, command);
      },
    );

  program
    .command("plan")
    .description("write a ground plan into the queue for each valid issue from a trusted author")
    .option("--issue <n>", "only this issue (its triage verdict must be valid)", parseCount)
    .addOption(configOption())
    .addHelpText(
      "after",
      `
Takes the issues triage judged valid, asks the planner model for a ground plan (goal, files to
touch, steps, the tests that prove it, risks, size) and puts it into the work queue as a
Markdown item a person can read and edit while it waits (harness queue show issue-<n>). A plan
touching more files than plan.splitAboveFiles becomes an epic: parts worked one after another
on the issue's one branch, with a checklist comment on the issue. Issues from untrusted
authors are never planned; a rerun changes nothing unless the issue was edited.

Example:
  harness triage && harness plan && harness queue ls`,
    )
    .action(async (options: { issue?: number; config?: string }, command: Command) => {
      await run(async (ctx) => {
        const { runPlanCommand } = await import("./commands/plan.js");
        return runPlanCommand(options, ctx);
      }, command);
    });

  program
    .command("work")
    .description("work planned items from the queue: one worktree, tested change and PR each")
    .option("--concurrency <n>", "items at once (default work.maxConcurrent)", parseCount)
    .option("--item <id>", "only this queue item, e.g. issue-42")
    .addOption(configOption())
    .addHelpText(
      "after",
      `
For each plan it claims: a git worktree on harness/<issue>-<slug>, the implementer agent
(agents.runner: builtin, claude or codex) under the per-item budgets, then harness runs
project.testCommand itself and hands failures back (work.testAttempts), a reviewer checks the
diff for correctness, security, performance and tests (work.reviewRounds), a secret scan, a push
to work.remote, and exactly one pull request per issue ("Closes #N") with the tech report as a
comment. Stops taking items at work.maxOpenPullRequests open harness PRs or a run/day budget.
Tokens never reach the agent or the test command. Ctrl-C releases held items.

Examples:
  harness work
  harness work --item issue-42 --json`,
    )
    .action(
      async (
        options: { concurrency?: number; item?: string; config?: string },
        command: Command,
      ) => {
        await run(
          async (ctx) => {
            const { runWorkCommand } = await import("./commands/work.js");
            return runWorkCommand(options, ctx);
          },
          command,
          { shutdownGraceMs: PIPELINE_SHUTDOWN_GRACE_MS },
        );
      },
    );

  program
    .command("run")
    .description("run one cycle of the issue pipeline: triage, plan, work, report")
    .option("--once", "run one cycle and exit (for cron); `harness daemon` keeps running")
    .addOption(configOption())
    .addHelpText(
      "after",
      `
One cycle: triage new or edited issues, plan the valid ones from trusted authors into the
queue, work the queue (each item in its own worktree: the agent implements, harness runs the
tests itself, a reviewer checks the diff, a secret scan, then one pull request per issue), and
write the run's digest to .harness/runs/<run-id>/digest.md. Budgets per run and per day
(budgets.*) stop new work when reached. A cycle already running (another cron tick) makes this
one exit 0 without doing anything. Ctrl-C releases what is held and stops.

Examples:
  harness run --once
  harness run --once --json | tail -1`,
    )
    .action(async (options: { once?: boolean; config?: string }, command: Command) => {
      await run(
        async (ctx) => {
          const { runRunCommand } = await import("./commands/run.js");
          return runRunCommand(options, ctx);
        },
        command,
        { shutdownGraceMs: PIPELINE_SHUTDOWN_GRACE_MS },
      );
    });

  program
    .command("daemon")
    .description("run the issue pipeline on its schedule until Ctrl-C")
    .addOption(configOption())
    .addHelpText(
      "after",
      `
Triage and plan on schedule.cron (default every 15 minutes; a tick that finds a cycle still
running is skipped), work continuously up to work.maxConcurrent and the open-PR cap (polling
every schedule.workPollSeconds), and write yesterday's digest on schedule.digestCron. Logs are
JSON lines when stdout is not a terminal. SIGINT/SIGTERM: running items are released, then it
exits. Prefer your own scheduler? See harness schedule --emit.`,
    )
    .action(async (options: { config?: string }, command: Command) => {
      await run(
        async (ctx) => {
          const { runDaemonCommand } = await import("./commands/daemon.js");
          return runDaemonCommand(options, ctx);
        },
        command,
        { shutdownGraceMs: PIPELINE_SHUTDOWN_GRACE_MS },
      );
    });

  program
    .command("status")
    .description("show the queue, workers, budgets, backends, recent runs and open harness PRs")
    .option("--watch", "refresh every 2 s until Ctrl-C (on a terminal)")
    .addOption(configOption())
    .addHelpText(
      "after",
      `
Reads state only: it never starts a router or a model. Backends come from a router already
running at the configured address.

Examples:
  harness status
  harness status --json | jq .queue`,
    )
    .action(async (options: { watch?: boolean; config?: string }, command: Command) => {
      await run(async (ctx) => {
        const { runStatusCommand } = await import("./commands/status.js");
        return runStatusCommand(options, ctx);
      }, command);
    });

  program
    .command("translate")
    .description("translate documents into another language, keeping each format")
    .argument("<paths...>", "files, folders or globs (quote globs)")
    .option("--to <lang>", "target language code, e.g. ko, de, pt-BR")
    .option("--from <lang>", "source language (default: auto, the model detects it)")
    .option(
      "--workers <n>",
      "workers at once (default: the router's capacity, at most fanOut.maxWorkers)",
      parseCount,
    )
    .option("--batch <n>", "documents per batch (default: fanOut.maxItemsPerWorker)", parseCount)
    .option("--out <dir>", "output folder (default: translated/<lang>/, mirroring the tree)")
    .option("--in-place", "replace each source with its translation")
    .option("--glossary <file>", "glossary YAML (default: translate.glossary)")
    .option(
      "--model <model>",
      "model or alias (default: models.tasks.translate, else models.default)",
    )
    .option("--dry-run", "list the work with a token estimate; write nothing")
    .addOption(configOption())
    .addHelpText("after", translateHelpText)
    .action(async (paths: string[], options: TranslateCommandOptions, command: Command) => {
      await run(
        async (ctx) => {
          const { runTranslateCommand } = await import("./commands/translate.js");
          return runTranslateCommand(paths, options, ctx);
        },
        command,
        { shutdownGraceMs: PIPELINE_SHUTDOWN_GRACE_MS },
      );
    });

  program
    .command("report")
    .description("print a tech report, a run's digest, or a digest over recent runs")
    .argument("<target>", "an issue (12, #12, issue-12), a run id, or digest")
    .option("--since <duration>", "with digest: how far back, e.g. 90m, 24h, 7d (default 24h)")
    .addOption(configOption())
    .addHelpText(
      "after",
      `
A tech report is written for every issue harness worked (reports/<date>-issue-<N>.md, and one
comment on its pull request): what changed and why, the harness's own test runs, the security
review, new dependencies, risks, what to study, and the cost. Every figure comes from what
harness measured; --json prints the fact sheet it was built from. A digest is written after
every cycle (reports/runs/<run-id>.md); "digest" sums the runs of a period.

Examples:
  harness report 42
  harness report digest --since 7d
  harness report 20261122-101500-a1b2c3 --json`,
    )
    .action(
      async (target: string, options: { since?: string; config?: string }, command: Command) => {
        await run(async (ctx) => {
          const { runReportCommand } = await import("./commands/report.js");
          return runReportCommand({ target, ...options }, ctx);
        }, command);
      },
    );

  program
    .command("schedule")
    .description("print a crontab line, systemd units or a GitHub Actions workflow for the loop")
    .option("--emit <target>", "crontab, systemd or github-actions")
    .option("--cron <expression>", "override schedule.cron, e.g. '*/15 * * * *'")
    .addOption(configOption())
    .addHelpText(
      "after",
      `
Each runs \`harness run --once\` (one full cycle) on schedule.cron and never two at once
(flock, a oneshot service, or a concurrency group). Nothing is installed; copy what it prints.

Examples:
  harness schedule --emit crontab >> my-crontab
  harness schedule --emit github-actions > .github/workflows/harness.yml`,
    )
    .action(
      async (options: { emit?: string; cron?: string; config?: string }, command: Command) => {
        await run(async (ctx) => {
          const { runSchedule } = await import("./commands/schedule.js");
          return runSchedule(options, ctx);
        }, command);
      },
    );

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
  const cancellation = new AbortController();
  let shutdownGraceMs = 5_000;
  const run: RunCommand = async (task, command, options = {}) => {
    shutdownGraceMs = options.shutdownGraceMs ?? shutdownGraceMs;
    const globals = command.optsWithGlobals<GlobalOptions>();
    output = createOutput({ json: !!globals.json });
    const ctx: CommandContext = {
      cwd: path.resolve(globals.cwd ?? process.cwd()),
      env: process.env,
      output,
      stdin: process.stdin,
      signal: cancellation.signal,
    };
    const result = await task(ctx);
    process.exitCode =
      cancellation.signal.aborted && !result.signalIsNormalStop
        ? ExitCode.cancelled
        : result.exitCode;
  };

  // First Ctrl-C: ask the command to stop (a server closes, writes finish). If it has not
  // stopped after a grace period, or on a second Ctrl-C, exit at once.
  const onSignal = (signal: NodeJS.Signals) => {
    if (cancellation.signal.aborted) process.exit(ExitCode.cancelled);
    output.error(signal === "SIGINT" ? "cancelled" : `stopping (${signal})`);
    cancellation.abort();
    setTimeout(() => process.exit(ExitCode.cancelled), shutdownGraceMs).unref();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

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
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
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
