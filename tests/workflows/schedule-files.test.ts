/** `harness schedule --emit ...`: the files other schedulers need, and the cron translation. */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

import { InputError } from "../../src/errors.js";
import { cronToOnCalendar, scheduleFiles } from "../../src/workflows/schedule-files.js";
import { runHarness } from "../support/run-cli.js";
import { createTempGitRepo } from "../support/temp-git-repo.js";

describe("cronToOnCalendar", () => {
  it("turns the cron schedules the loop uses into systemd calendars", () => {
    expect(cronToOnCalendar("*/15 * * * *")).toBe("*-*-* *:00/15:00");
    expect(cronToOnCalendar("30 2 * * 1-5")).toBe("Mon..Fri *-*-* 2:30:00");
    expect(cronToOnCalendar("0 9,17 1 * 0")).toBe("Sun *-*-1 9,17:0:00");
  });

  it("refuses what it cannot translate, with a hint", () => {
    expect(() => cronToOnCalendar("* * *")).toThrow(InputError);
    expect(() => cronToOnCalendar("0 0 L * *")).toThrow(/day-of-month field "L"/);
  });
});

describe("scheduleFiles", () => {
  const options = { cron: "*/15 * * * *", repoRoot: "/srv/my repo" };

  it("guards the crontab line with flock and quotes the path", () => {
    const [line] = scheduleFiles("crontab", options);
    expect(line!.content).toContain(
      "*/15 * * * * cd '/srv/my repo' && mkdir -p .harness/locks .harness/logs && flock -n '/srv/my repo/.harness/locks/cycle.lock' npx --no-install harness run --once --json",
    );
  });

  it("writes a oneshot service and a timer on the same schedule, with no token inside", () => {
    const [service, timer] = scheduleFiles("systemd", options);
    expect(service!.content).toContain("Type=oneshot");
    expect(service!.content).toContain("WorkingDirectory=/srv/my repo");
    expect(service!.content).not.toMatch(/^Environment=.*TOKEN/m);
    expect(service!.content).toContain("EnvironmentFile=-%h/.config/harness/env");
    expect(timer!.content).toContain("OnCalendar=*-*-* *:00/15:00");
  });

  it("writes a GitHub Actions workflow that never runs two cycles at once", () => {
    const [workflow] = scheduleFiles("github-actions", options);
    const parsed = parse(workflow!.content) as {
      on: { schedule: Array<{ cron: string }> };
      concurrency: { group: string; "cancel-in-progress": boolean };
      jobs: { cycle: { steps: Array<{ run?: string; env?: Record<string, string> }> } };
    };
    expect(parsed.on.schedule[0]!.cron).toBe("*/15 * * * *");
    expect(parsed.concurrency).toEqual({ group: "harness", "cancel-in-progress": false });
    const cycle = parsed.jobs.cycle.steps.find((step) => step.run?.includes("run --once"));
    expect(cycle?.env?.GITHUB_TOKEN).toBe("${{ secrets.GITHUB_TOKEN }}");
  });
});

describe("harness schedule", () => {
  it("prints the workflow from the config's schedule, and refuses a bad cron", async () => {
    const repo = createTempGitRepo({ "harness.config.yaml": 'schedule:\n  cron: "0 * * * *"\n' });
    try {
      const run = await runHarness(["schedule", "--emit", "github-actions"], { cwd: repo.root });
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toContain('- cron: "0 * * * *"');
      const bad = await runHarness(["schedule", "--emit", "crontab", "--cron", "99 * * * *"], {
        cwd: repo.root,
      });
      expect(bad.exitCode).toBe(3);
      expect(bad.stderr).toContain("not a valid cron expression");
      const unknown = await runHarness(["schedule", "--emit", "launchd"], { cwd: repo.root });
      expect(unknown.exitCode).toBe(5);
      expect(unknown.stderr).toContain("crontab | systemd | github-actions");
    } finally {
      repo.cleanup();
    }
  }, 60_000);
});
