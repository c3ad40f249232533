/**
 * `harness schedule --emit crontab|systemd|github-actions`: prints what to install to run the
 * loop from another scheduler, from config `schedule.cron`. Writes nothing itself.
 */
import { requireConfig } from "../config/load-config.js";
import { ConfigError, ExitCode, InputError } from "../errors.js";
import { findRepoRoot } from "../queue/open-queue.js";
import {
  scheduleFiles,
  scheduleTargets,
  type ScheduleTarget,
} from "../workflows/schedule-files.js";
import type { CommandContext, CommandResult } from "./context.js";

export async function runSchedule(
  options: { emit?: string; cron?: string; config?: string },
  ctx: CommandContext,
): Promise<CommandResult> {
  const target = options.emit;
  if (!target || !(scheduleTargets as readonly string[]).includes(target)) {
    throw new InputError(target ? `unknown target "${target}"` : "say what to emit with --emit", {
      hint: `use --emit ${scheduleTargets.join(" | ")}`,
    });
  }
  const loaded = await requireConfig({ cwd: ctx.cwd, env: ctx.env, file: options.config });
  const cron = options.cron ?? loaded.config.schedule.cron;
  const { validate } = await import("node-cron");
  if (!validate(cron)) {
    throw new ConfigError(`"${cron}" is not a valid cron expression`, {
      hint: 'schedule.cron takes five fields, e.g. "*/15 * * * *" (every 15 minutes)',
    });
  }
  const files = scheduleFiles(target as ScheduleTarget, {
    cron,
    repoRoot: findRepoRoot(ctx.cwd, loaded.path),
  });
  const { output } = ctx;
  for (const file of files) {
    output.line(output.style.dim(`# ${file.path}`));
    output.line(file.content.trimEnd());
    output.line();
    output.record({ type: "file", path: file.path, content: file.content });
  }
  output.record({ type: "result", command: "schedule", target, cron, files: files.length });
  return { exitCode: ExitCode.ok };
}
