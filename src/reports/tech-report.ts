/**
 * The tech report of a work item, rendered from its fact sheet and the reporter's prose: what
 * changed (grouped by purpose), the decisions, the security review, performance, quality (the
 * harness's own test runs and the review), risks and follow-ups, what to study, and the cost
 * per stage. Every number is harness's: it comes from the fact sheet and is formatted here.
 * The prose sections say they are the reporter's; without prose they say why there is none.
 *
 * One text goes everywhere: the PR comment, `.harness/runs/<item-id>/report.md` and the branch
 * (the branch's copy adds YAML front matter and, being committed before the push, has no push
 * or pull request line).
 */
import { SECRET_RULES } from "../safety/secret-scan.js";
import { fenceFor } from "../workflows/triage-prompt.js";
import { plainText } from "../workflows/work-pull-request.js";
import type { ReviewFinding } from "../workflows/work-review.js";
import { diffPurposes } from "./diff-purpose.js";
import type { FactSheet, UsageRow } from "./fact-sheet.js";
import type { ReporterAnswer } from "./reporter.js";

export function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

export function formatCount(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

export function formatMs(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1_000);
  return seconds > 0 ? `${minutes} min ${seconds} s` : `${minutes} min`;
}

export function formatUsd(value: number): string {
  return `$${value.toFixed(4)}`;
}

function oneLine(text: string): string {
  return plainText(text).replace(/\s+/g, " ").replace(/\|/g, "\\|");
}

function testRunResult(run: FactSheet["tests"]["runs"][number]): string {
  if (run.passed) return "passed";
  if (run.timedOut) return "timed out";
  return `failed (exit code ${run.exitCode ?? "none"})`;
}

/** The harness's test verdict in one line. */
export function testVerdictLine(sheet: FactSheet): string {
  const { tests } = sheet;
  const last = tests.runs.at(-1);
  if (tests.verdict === "not-run" || !last) {
    return tests.command === ""
      ? "not run: no test command is configured (`project.testCommand`)"
      : `${code(tests.command)} was not run`;
  }
  return `${code(tests.command)} ${testRunResult(last)} on run ${last.run} of ${tests.runs.length} (${formatMs(last.durationMs)})`;
}

function stateLine(sheet: FactSheet): string {
  const { state, item } = sheet;
  const outcome = state.outcome ? `; outcome **${state.outcome}**` : "";
  const why = state.reasons.length > 0 ? `: ${state.reasons.join("; ")}` : "";
  switch (state.kind) {
    case "ready":
      return `ready for review${outcome}`;
    case "draft":
      return `draft${why}${outcome}`;
    case "part":
      return `part ${item.part?.part ?? "?"} of ${item.part?.parts ?? "?"} of an epic${why}${outcome}`;
    case "stopped":
      return `stopped before a pull request${why}${outcome}`;
  }
}

function findingLine(finding: ReviewFinding): string {
  const where = `${finding.file}${finding.line !== undefined ? `:${finding.line}` : ""}`;
  return `- **${finding.severity}** [${finding.angle}] ${code(where)}: ${oneLine(finding.message)}`;
}

function proseNote(answer: ReporterAnswer): string {
  return answer.note ? `Not written: ${plainText(answer.note)}.` : "Not written.";
}

function summarySection(sheet: FactSheet, answer: ReporterAnswer): string[] {
  const lines = ["### Summary", ""];
  if (answer.prose) lines.push(answer.prose.summary, "");
  else lines.push(`The reporter's summary is missing. ${proseNote(answer)}`, "");
  lines.push(`Harness's own test run: ${testVerdictLine(sheet)}.`);
  return lines;
}

function changesSection(sheet: FactSheet, answer: ReporterAnswer): string[] {
  const { changes } = sheet;
  const lines = ["### What changed", ""];
  if (answer.prose?.behaviour)
    lines.push(`**Behaviour** (the reporter): ${answer.prose.behaviour}`, "");
  const purposes = diffPurposes
    .filter((purpose) => changes.byPurpose[purpose].files > 0)
    .map((purpose) => {
      const total = changes.byPurpose[purpose];
      return `${purpose} ${total.files} file(s) +${total.additions} -${total.deletions}`;
    });
  lines.push(`By purpose: ${purposes.join("; ") || "no files changed"}.`, "");
  lines.push("| File | + | - | Purpose |", "| --- | ---: | ---: | --- |");
  const ordered = [...changes.files].sort(
    (a, b) =>
      diffPurposes.indexOf(a.purpose) - diffPurposes.indexOf(b.purpose) ||
      a.path.localeCompare(b.path),
  );
  for (const file of ordered) {
    lines.push(
      `| ${code(file.path)} | ${file.binary ? "binary" : file.additions} | ${file.binary ? "" : file.deletions} | ${file.purpose} |`,
    );
  }
  lines.push(
    `| **${changes.totals.files} file(s)** | **${changes.totals.additions}** | **${changes.totals.deletions}** | |`,
  );
  if (changes.excluded.length > 0) {
    lines.push("", `Not counted: ${changes.excluded.map(code).join(", ")} (this report).`);
  }
  return lines;
}

function decisionsSection(answer: ReporterAnswer): string[] {
  const lines = ["### Technical decisions", ""];
  if (!answer.prose) return [...lines, proseNote(answer)];
  if (answer.prose.decisions.length === 0) return [...lines, "The reporter named none."];
  for (const decision of answer.prose.decisions) {
    const why = decision.why ? ` ${decision.why}` : "";
    const alternatives = decision.alternatives ? ` Considered: ${decision.alternatives}` : "";
    lines.push(`- **${decision.decision.replace(/[.:]$/, "")}.**${why}${alternatives}`);
  }
  return lines;
}

function securitySection(sheet: FactSheet, answer: ReporterAnswer): string[] {
  const { secretScan, security } = sheet;
  const lines = ["### Security review", ""];
  lines.push(
    secretScan.clean
      ? `- Secrets: harness's scan of the added lines (${SECRET_RULES.size} rules) found none.`
      : `- Secrets: harness's scan found ${secretScan.findings.length}: ${secretScan.findings
          .slice(0, 10)
          .map((finding) => `${code(finding.rule)} in ${code(finding.file)}`)
          .join(", ")}.`,
    "- Untrusted input: the issue's text reached the planner and the implementer only as " +
      "fenced untrusted data; tokens were kept out of the agent's and the tests' environment.",
    security.sensitivePaths.length > 0
      ? `- Permissions: sensitive paths changed (a person must merge): ${security.sensitivePaths.map(code).join(", ")}.`
      : "- Permissions: no path in `work.sensitivePaths` changed.",
  );
  if (security.dependencies.length === 0) {
    lines.push("- New dependencies: none.");
  } else {
    lines.push(
      "- New dependencies:",
      "",
      "| Package | Ecosystem | Version | Kind | Licence | Manifest |",
      "| --- | --- | --- | --- | --- | --- |",
      ...security.dependencies.map(
        (dependency) =>
          `| ${code(dependency.name)} | ${dependency.ecosystem} | ${oneLine(dependency.version ?? "-")} | ${
            dependency.transitive ? "transitive" : dependency.dev ? "dev" : "runtime"
          } | ${oneLine(dependency.licence)} | ${code(dependency.manifest)} |`,
      ),
    );
    if (security.dependenciesOmitted > 0) {
      lines.push("", `And ${security.dependenciesOmitted} more transitive package(s).`);
    }
    lines.push("");
  }
  const reviewer = sheet.review.rounds.at(-1)?.findings.filter((f) => f.angle === "security") ?? [];
  if (reviewer.length > 0) {
    lines.push(
      "- The reviewer's security findings:",
      ...reviewer.map((finding) => `  ${findingLine(finding)}`),
    );
  }
  if (answer.prose && answer.prose.security.length > 0) {
    lines.push(...answer.prose.security.map((note) => `- The reporter: ${note}`));
  }
  return lines;
}

function performanceSection(sheet: FactSheet, answer: ReporterAnswer): string[] {
  const lines = ["### Performance", ""];
  const last = sheet.tests.runs.at(-1);
  lines.push(
    last
      ? `- Measured by harness: the test suite took ${formatMs(last.durationMs)} on its last run (${sheet.tests.runs.length} run(s), ${formatMs(sheet.tests.runs.reduce((sum, run) => sum + run.durationMs, 0))} in all). No benchmark ran for this change.`
      : "- Measured by harness: nothing (no test run, no benchmark).",
  );
  const reviewer =
    sheet.review.rounds.at(-1)?.findings.filter((f) => f.angle === "performance") ?? [];
  if (reviewer.length > 0) {
    lines.push(
      "- The reviewer's performance findings:",
      ...reviewer.map((finding) => `  ${findingLine(finding)}`),
    );
  }
  if (answer.prose?.performance) lines.push(`- The reporter: ${answer.prose.performance}`);
  return lines;
}

function qualitySection(sheet: FactSheet): string[] {
  const { tests, review } = sheet;
  const lines = ["### Quality", "", `- Tests: ${testVerdictLine(sheet)}.`];
  if (tests.runs.length > 0) {
    lines.push("", "| Run | Result | Exit code | Time |", "| ---: | --- | ---: | ---: |");
    for (const run of tests.runs) {
      lines.push(
        `| ${run.run} | ${testRunResult(run)} | ${run.exitCode ?? "-"} | ${formatMs(run.durationMs)} |`,
      );
    }
    lines.push("");
  }
  if (tests.coverage) {
    lines.push(
      `- Coverage, as the last test run printed it: ${tests.coverage.percent}% (${code(tests.coverage.line)}). No earlier figure to compare with.`,
    );
  }
  if (review.configuredRounds === 0) {
    lines.push("- Review: switched off (`work.reviewRounds: 0`).");
  } else {
    for (const round of review.rounds) {
      const verdict =
        round.approve && round.blocking === 0
          ? "approved"
          : `changes requested (${round.blocking} blocking)`;
      lines.push(`- Review round ${round.round}: ${verdict}, ${round.findings.length} finding(s)`);
    }
    const last = review.rounds.at(-1);
    if (last && last.findings.length > 0) {
      lines.push("", `Findings of round ${last.round}:`, ...last.findings.map(findingLine));
    }
  }
  const tail = tests.runs.at(-1)?.tail ?? "";
  if (tail.trim() !== "") {
    const fence = fenceFor(tail);
    lines.push(
      "",
      "<details><summary>The end of the last test run's output</summary>",
      "",
      `${fence}text`,
      tail,
      fence,
      "",
      "</details>",
    );
  }
  return lines;
}

function risksSection(
  sheet: FactSheet,
  answer: ReporterAnswer,
  filed: ReadonlyMap<string, number>,
): string[] {
  const lines = ["### Risks and follow-ups", "", "From the plan:", ""];
  lines.push(plainText(sheet.plan.risks ?? "The plan names none."));
  if (answer.prose) {
    if (answer.prose.risks.length > 0) {
      lines.push("", "The reporter:", "", ...answer.prose.risks.map((risk) => `- ${risk}`));
    }
    if (answer.prose.followUps.length > 0) {
      lines.push("", "Follow-ups:", "");
      for (const followUp of answer.prose.followUps) {
        const issue = filed.get(followUp.title);
        const tracked = issue !== undefined ? ` (filed as #${issue})` : "";
        lines.push(`- **${followUp.title}**${tracked}: ${followUp.why}`);
      }
    }
  }
  return lines;
}

function studySection(answer: ReporterAnswer): string[] {
  const lines = ["### What to study", ""];
  if (!answer.prose) return [...lines, proseNote(answer)];
  if (answer.prose.study.length === 0) return [...lines, "The reporter named nothing new."];
  answer.prose.study.forEach((entry, index) =>
    lines.push(`${index + 1}. **${entry.topic}**: ${entry.why}`),
  );
  return lines;
}

function usageCells(entry: UsageRow): string {
  return [
    formatCount(entry.modelCalls),
    formatCount(entry.inputTokens),
    formatCount(entry.outputTokens),
    formatCount(entry.cachedTokens),
    formatMs(entry.ms),
    formatUsd(entry.costUsd),
  ].join(" | ");
}

function costSection(sheet: FactSheet): string[] {
  const { usage } = sheet;
  return [
    "### Cost",
    "",
    "| Stage | Model calls | Tokens in | Tokens out | Cached | Time | Cost |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...usage.stages.map((entry) => `| ${entry.stage} | ${usageCells(entry)} |`),
    `| **total** | ${usageCells(usage.total)} |`,
    "",
    `Tokens in include the cached ones. The item took ${formatMs(usage.itemMs)} from claim to report.`,
  ];
}

export interface RenderOptions {
  /** Issues filed for follow-ups, by follow-up title. */
  filed?: ReadonlyMap<string, number>;
  /** Where the fact sheet is, for the footer. */
  factsPath?: string;
}

/** The report's Markdown (without front matter): the PR comment and the .harness copy. */
export function renderTechReport(
  sheet: FactSheet,
  answer: ReporterAnswer,
  options: RenderOptions = {},
): string {
  const { item, publication } = sheet;
  const head = [
    `## Tech report: issue #${item.issue} (${code(item.id)})`,
    "",
    ...(sheet.plan.title ? [`**${oneLine(sheet.plan.title)}**`, ""] : []),
    `- Branch ${code(item.branch)} from ${code(item.baseCommit.slice(0, 12))}; ${stateLine(sheet)}`,
    ...(publication?.pullRequest
      ? [`- Pull request: [#${publication.pullRequest.number}](${publication.pullRequest.url})`]
      : []),
    ...(publication?.pushNote ? [`- Push: ${publication.pushNote}`] : []),
    ...(publication?.reportFile
      ? [`- This report is committed as ${code(publication.reportFile)}`]
      : []),
  ];
  const footer = [
    "<sub>Every figure is harness's own measurement" +
      (options.factsPath ? ` (fact sheet ${code(options.factsPath)})` : "") +
      (answer.prose
        ? `; the prose is the reporter's${answer.model ? ` (${code(answer.model)})` : ""}` +
          (answer.removedFigures > 0
            ? `, with ${answer.removedFigures} figure(s) it wrote replaced by [n]`
            : "")
        : "") +
      ". Updated in place when the report is regenerated.</sub>",
  ];
  return [
    head,
    summarySection(sheet, answer),
    changesSection(sheet, answer),
    decisionsSection(answer),
    securitySection(sheet, answer),
    performanceSection(sheet, answer),
    qualitySection(sheet),
    risksSection(sheet, answer, options.filed ?? new Map()),
    studySection(answer),
    costSection(sheet),
    footer,
  ]
    .map((section) => section.join("\n"))
    .join("\n\n");
}

function yamlString(text: string): string {
  return JSON.stringify(text);
}

/** The branch's copy: YAML front matter (the report template's keys) and the report. */
export function renderReportFile(sheet: FactSheet, body: string, date: string): string {
  const state =
    sheet.state.kind === "ready"
      ? "ready"
      : sheet.state.kind === "stopped"
        ? "blocked"
        : sheet.state.kind;
  const last = sheet.review.rounds.at(-1);
  const review = !last
    ? "none"
    : last.approve && last.blocking === 0
      ? "approve"
      : "request-changes";
  return [
    "---",
    `title: ${yamlString(sheet.plan.title ?? `Issue #${sheet.item.issue}`)}`,
    `id: ${yamlString(sheet.item.id)}`,
    `issue: ${sheet.item.issue}`,
    `branch: ${yamlString(sheet.item.branch)}`,
    `base: ${yamlString(sheet.item.baseCommit.slice(0, 12))}`,
    `state: ${state}`,
    `review: ${review}`,
    `date: ${yamlString(date)}`,
    "---",
    "",
    body,
    "",
  ].join("\n");
}
