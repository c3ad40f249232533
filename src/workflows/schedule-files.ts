/**
 * The scheduler files for people who run the loop from their own scheduler instead of
 * `harness daemon`: a crontab line, a systemd service + timer, or a GitHub Actions workflow.
 * Each runs `harness run --once` (one full cycle) and never lets two cycles overlap.
 */
import path from "node:path";

import { InputError } from "../errors.js";

export type ScheduleTarget = "crontab" | "systemd" | "github-actions";

export const scheduleTargets: readonly ScheduleTarget[] = ["crontab", "systemd", "github-actions"];

export interface ScheduleOptions {
  /** Five-field cron expression (config `schedule.cron`). */
  cron: string;
  /** The repository the loop works on (absolute). */
  repoRoot: string;
  /** How to start harness there; default `npx --no-install harness`. */
  command?: string;
}

export interface ScheduleFile {
  /** Where the file usually goes (informational). */
  path: string;
  content: string;
}

const shellQuote = (value: string) =>
  /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * Cron's five fields as systemd's OnCalendar wants them. Handles what cron schedules for this
 * loop use (numbers, lists, ranges, `*` and `*\/n` steps); anything else is refused with a hint.
 */
export function cronToOnCalendar(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) {
    throw new InputError(`"${cron}" is not a five-field cron expression`, {
      hint: 'use minute hour day-of-month month day-of-week, e.g. "*/15 * * * *"',
    });
  }
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields as [
    string,
    string,
    string,
    string,
    string,
  ];
  const field = (value: string, what: string): string => {
    if (value === "*") return "*";
    const step = /^\*\/(\d+)$/.exec(value);
    if (step) return `00/${step[1]}`;
    if (/^\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*$/.test(value)) {
      return value.replace(/(\d+)-(\d+)/g, "$1..$2");
    }
    throw new InputError(`cannot turn the ${what} field "${value}" into a systemd calendar`, {
      hint: "write the OnCalendar= line of the timer by hand (see systemd.time(7))",
    });
  };
  const names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const weekdays =
    dayOfWeek === "*"
      ? ""
      : `${field(dayOfWeek, "day-of-week").replace(/\d+/g, (day) => names[Number(day) % 7] ?? day)} `;
  return `${weekdays}*-${field(month, "month")}-${field(dayOfMonth, "day-of-month")} ${field(
    hour,
    "hour",
  )}:${field(minute, "minute")}:00`;
}

export function scheduleFiles(target: ScheduleTarget, options: ScheduleOptions): ScheduleFile[] {
  const command = options.command ?? "npx --no-install harness";
  const root = options.repoRoot;
  const lock = path.join(root, ".harness", "locks", "cycle.lock");
  const log = path.join(root, ".harness", "logs", "cycle.jsonl");
  switch (target) {
    case "crontab":
      return [
        {
          path: "crontab -e",
          content: [
            "# harness: one cycle (triage, plan, work, report); flock skips a run while the last",
            "# one is still going. GITHUB_TOKEN must be set in cron's environment (or gh logged in).",
            `${options.cron} cd ${shellQuote(root)} && mkdir -p .harness/locks .harness/logs && flock -n ${shellQuote(lock)} ${command} run --once --json >> ${shellQuote(log)} 2>&1`,
            "",
          ].join("\n"),
        },
      ];
    case "systemd":
      return [
        {
          path: "~/.config/systemd/user/harness.service",
          content: [
            "[Unit]",
            "Description=harness: one cycle on " + root,
            "",
            "[Service]",
            "Type=oneshot",
            `WorkingDirectory=${root}`,
            "# A file with GITHUB_TOKEN=... (mode 600); never put the token in this unit.",
            "EnvironmentFile=-%h/.config/harness/env",
            `ExecStart=/usr/bin/env ${command} run --once --json`,
            "",
          ].join("\n"),
        },
        {
          path: "~/.config/systemd/user/harness.timer",
          content: [
            "[Unit]",
            "Description=harness cycle schedule",
            "",
            "[Timer]",
            `# From cron "${options.cron}". A oneshot service never runs twice at once.`,
            `OnCalendar=${cronToOnCalendar(options.cron)}`,
            "Persistent=true",
            "",
            "[Install]",
            "WantedBy=timers.target",
            "",
            "# Enable: systemctl --user daemon-reload && systemctl --user enable --now harness.timer",
            "",
          ].join("\n"),
        },
      ];
    case "github-actions":
      return [
        {
          path: ".github/workflows/harness.yml",
          content: [
            "# harness: one cycle (triage, plan, work, report) on a schedule.",
            "name: harness",
            "on:",
            "  schedule:",
            `    - cron: "${options.cron}"`,
            "  workflow_dispatch: {}",
            "# Never two cycles at once; a scheduled run waits for the one in progress.",
            "concurrency:",
            "  group: harness",
            "  cancel-in-progress: false",
            "permissions:",
            "  contents: write",
            "  issues: write",
            "  pull-requests: write",
            "jobs:",
            "  cycle:",
            "    runs-on: ubuntu-latest",
            "    timeout-minutes: 60",
            "    steps:",
            "      - uses: actions/checkout@v4",
            "        with:",
            "          fetch-depth: 0",
            "      - uses: actions/setup-node@v4",
            "        with:",
            "          node-version: 20",
            "      - run: npm ci",
            `      - run: ${command} run --once --json`,
            "        env:",
            "          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}",
            "",
          ].join("\n"),
        },
      ];
  }
}
