/**
 * `harness doctor`: runs every check concurrently and renders each result in a fixed order.
 * Human mode prints a marked line per check and an indented fix; --json prints one
 * check-finished event per check, then a result object. Exits 1 when a check fails.
 */
import { ExitCode } from "../errors.js";
import type { Style } from "../output.js";
import type { CheckResult, CheckStatus, DoctorEnvironment } from "../doctor/check-result.js";
import { createRunCommand } from "../doctor/run-command.js";
import { startDoctorChecks } from "../doctor/start-doctor-checks.js";
import type { CommandContext, CommandResult } from "./context.js";

// Reserved for flags such as --only; doctor takes none yet.
export type DoctorOptions = Record<string, never>;

/** Replacements for what doctor would otherwise read from the process (tests pass fakes). */
export type DoctorCollaborators = Partial<Pick<DoctorEnvironment, "run" | "nodeVersion">>;

const NAME_WIDTH = 15;

export async function runDoctor(
  _options: DoctorOptions,
  ctx: CommandContext,
  collaborators: DoctorCollaborators = {},
): Promise<CommandResult> {
  const environment: DoctorEnvironment = {
    cwd: ctx.cwd,
    env: ctx.env,
    nodeVersion: collaborators.nodeVersion ?? process.versions.node,
    run: collaborators.run ?? createRunCommand(ctx.env),
  };
  const counts: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0 };
  for (const pending of startDoctorChecks(environment)) {
    const result = await pending;
    counts[result.status]++;
    if (ctx.output.json) ctx.output.event({ type: "check-finished", ...result });
    else renderCheck(result, ctx);
  }

  const exitCode = counts.fail > 0 ? ExitCode.failed : ExitCode.ok;
  if (ctx.output.json) {
    ctx.output.record({ type: "result", command: "doctor", ...counts, exitCode });
  } else {
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
    ctx.output.line();
    ctx.output.line(
      `${plural(counts.ok, "check")} ok, ${plural(counts.warn, "warning")}, ${plural(counts.fail, "failure")}`,
    );
  }
  return { exitCode };
}

function renderCheck(result: CheckResult, ctx: CommandContext): void {
  const style = ctx.output.style;
  const [first = "", ...more] = result.detail.split("\n");
  ctx.output.line(`${mark(result.status, style)} ${result.name.padEnd(NAME_WIDTH)} ${first}`);
  const indent = " ".repeat(5 + NAME_WIDTH + 1);
  for (const line of more) ctx.output.line(`${indent}${line}`);
  if (result.fix) ctx.output.line(`     ${style.dim("fix:")} ${result.fix}`);
}

function mark(status: CheckStatus, style: Style): string {
  switch (status) {
    case "ok":
      return style.green("ok  ");
    case "warn":
      return style.yellow("warn");
    case "fail":
      return style.red("fail");
  }
}
