/**
 * One work item's steps, from the re-read issue to a pushed branch with one pull request:
 * worktree → implement → tests (with fix rounds) → review (with fix rounds) → commit → secret
 * scan → push → pull request + tech report + label → merge (when allowed) → cleanup.
 *
 * Every step can be repeated (delivery is at least once): the worktree and branch derive from
 * the issue, so a redelivered item reopens them and keeps earlier commits; the work is committed
 * after each agent run, so a crash loses little; the PR, comments and labels are upserts.
 *
 * The result says what the queue should do with the item; `work.ts` does it. Failures that need
 * a person (tests that keep failing, a secret in the diff) keep the worktree and leave a comment
 * on the issue; nothing is pushed for them.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

import type { AgentDefinition, AgentRunResult } from "../agents/types.js";
import { AuthError, ConfigError, InputError } from "../errors.js";
import { nullSink, type WorkStep } from "../events.js";
import { worktreeId } from "../git/branch-names.js";
import { GitCommandError, git } from "../git/git-command.js";
import { commitAll, diffAgainst, openWorktree, removeWorktree } from "../git/worktrees.js";
import type { Claim } from "../queue/types.js";
import { errorMessage } from "../queue/types.js";
import { meterModelClient, usageWithTime } from "../reports/usage.js";
import { scanDiffForSecrets, scanText, type SecretFinding } from "../safety/secret-scan.js";
import {
  IMPLEMENT_TASK,
  issueProgressLabels,
  type PlanItemData,
  type WorkOptions,
  type WorkOutcome,
  type WorkedItem,
} from "./pipeline-contract.js";
import { runAgent } from "./run-agent.js";
import { modelForTask } from "./structured-answer.js";
import { isTrustedIssue } from "./triage-comment.js";
import { buildFixTestsTask, buildImplementTask, buildReviewFixTask } from "./work-prompt.js";
import {
  WORK_COMMENT_MARKER,
  itemRunFolder,
  renderSecretFoundComment,
  renderTestsFailedComment,
  type AgentRunRecord,
  type WorkProgress,
} from "./work-pull-request.js";
import { publishWork } from "./work-publish.js";
import { blockingFindings, isApproved, reviewChange } from "./work-review.js";
import { runTestCommand } from "./work-tests.js";

export interface ItemRun {
  options: WorkOptions;
  implementer: AgentDefinition;
  claim: Claim;
  data: PlanItemData;
  /** Aborted on the stage's signal or when the lease is lost. */
  signal: AbortSignal;
  /** Owned by the caller, so the figures survive a throw. */
  progress: WorkProgress;
  /**
   * Runs worktree creation and removal one at a time: `git worktree add` and `prune` in one
   * repository at once make git read another worktree's half-written admin folder and fail.
   */
  worktreeLock: <T>(task: () => Promise<T>) => Promise<T>;
}

/** A lock for `ItemRun.worktreeLock`, shared by the workers of one stage run. */
export function createTaskLock(): <T>(task: () => Promise<T>) => Promise<T> {
  let chain: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const next = chain.then(task, task);
    chain = next.catch(() => undefined);
    return next;
  };
}

/** What the queue should do with the item. */
export type ItemEnding =
  | { kind: "complete"; worked: WorkedItem }
  | { kind: "fail"; worked: WorkedItem; retry: boolean; error: string };

/** The WorkedItem for the figures so far. */
export function workedItem(
  id: string,
  data: PlanItemData,
  progress: WorkProgress,
  outcome: WorkOutcome,
  extra: Partial<WorkedItem> = {},
): WorkedItem {
  return {
    id,
    issue: data.issue,
    outcome,
    branch: data.branch,
    testRuns: progress.testRuns.length,
    testsPassed: progress.testRuns.at(-1)?.passed ?? false,
    reviewRounds: progress.reviews.length,
    tokens: progress.tokens,
    costUsd: progress.costUsd,
    ...extra,
  };
}

export async function workOneItem(run: ItemRun): Promise<ItemEnding> {
  const { options, data, claim, progress, signal } = run;
  const { config, tracker, repoRoot } = options;
  const events = options.events ?? nullSink;
  const id = claim.item.id;
  // The body as it is at claim time is the plan (a person may have edited it while pending).
  const plan = claim.item.body;
  const testCommand = config.project.testCommand.trim();
  // Every model call of the item (the built-in agent's turns, the reviewer, the reporter) goes
  // through one meter: the run's events and the item's tech report hold the same measurements.
  const calls = (progress.calls ??= []);
  const meter = meterModelClient(options.client, (call) => {
    calls.push(call);
    events.emit({ type: "model-call-finished", stage: "work", ...call });
  });
  const itemOptions: WorkOptions = { ...options, client: meter.client };
  const step = (name: WorkStep, detail?: string) =>
    events.emit({ type: "work-step", id, step: name, ...(detail ? { detail } : {}) });
  const ending = (outcome: WorkOutcome, extra: Partial<WorkedItem> = {}): ItemEnding => ({
    kind: "complete",
    worked: workedItem(id, data, progress, outcome, extra),
  });
  const failure = (outcome: WorkOutcome, error: string, retry: boolean): ItemEnding => ({
    kind: "fail",
    worked: workedItem(id, data, progress, outcome, { error }),
    retry,
    error,
  });

  const issue = await tracker.getIssue(data.issue);
  if (issue.state === "closed") {
    return ending("released", { error: `issue #${data.issue} is closed; nothing was done` });
  }
  if (!isTrustedIssue(issue, config.trust)) {
    return failure(
      "failed",
      `the author of issue #${data.issue} is no longer trusted (trust in harness.config.yaml); a maintainer can add the ${config.trust.approvalLabel || "approval"} label`,
      false,
    );
  }
  await tracker.setLabel(data.issue, "harness:in-progress", {
    exclusiveGroup: issueProgressLabels,
  });

  step("worktree");
  const folder = worktreeId(data.issue, data.issueTitle);
  const worktree = await run.worktreeLock(() =>
    openWorktree({
      repoRoot,
      id: folder,
      branch: data.branch,
      base: data.baseCommit,
      copyEnvFiles: config.work.copyEnvFiles,
    }),
  );
  // The tech report rides on the branch only with a commit of this attempt: a rerun that
  // changes nothing pushes nothing.
  const headAtStart = await headOf(worktree.path);
  const commitTitle = `harness: ${data.issueTitle.replace(/\s+/g, " ").trim()} (#${data.issue})`;
  const commit = (why?: string) =>
    commitAll(
      worktree.path,
      `${commitTitle}${why ? `\n\n${why}` : ""}\n\nQueue item ${id}, attempt ${claim.attempt}.`,
    );

  const agent = async (purpose: AgentRunRecord["purpose"], task: string) => {
    step("implement", purpose);
    const result: AgentRunResult = await runAgent({
      config,
      repoRoot,
      workspace: worktree.path,
      agent: run.implementer,
      task,
      runner: config.agents.runner,
      routerUrl:
        config.agents.runner !== "builtin" && options.resolveRouterUrl
          ? await options.resolveRouterUrl()
          : options.routerUrl,
      model: modelForTask(config, IMPLEMENT_TASK),
      env: options.env,
      signal,
      events,
      client: itemOptions.client,
    });
    const tokens = result.usage.inputTokens + result.usage.outputTokens;
    const costUsd = result.costUsd ?? 0;
    progress.tokens += tokens;
    progress.costUsd += costUsd;
    progress.turns += result.turns;
    progress.agentRuns.push({
      purpose,
      status: result.status,
      summary: result.summary,
      turns: result.turns,
      tokens,
      costUsd,
      durationMs: result.durationMs,
      runner: result.runner,
      runId: result.runId,
      inputTokens: result.usage.inputTokens,
      outputTokens: result.usage.outputTokens,
      cachedTokens: result.usage.cachedTokens,
    });
    events.emit({
      type: "agent-run-finished",
      id,
      purpose,
      runner: result.runner,
      runId: result.runId,
      status: result.status,
      inputTokens: result.usage.inputTokens,
      outputTokens: result.usage.outputTokens,
      cachedTokens: result.usage.cachedTokens,
      turns: result.turns,
      costUsd,
      ms: result.durationMs,
    });
    await options.budget.spend({ tokens, costUsd });
    signal.throwIfAborted();
    return result;
  };

  /** Runs the tests, with a fix round after each failure; false when they never pass. */
  const testUntilGreen = async (): Promise<boolean> => {
    if (testCommand === "") return true;
    const runs = config.work.testAttempts;
    for (let attempt = 1; attempt <= runs; attempt++) {
      const number = progress.testRuns.length + 1;
      step("tests", `run ${number}`);
      const result = await runTestCommand({
        command: testCommand,
        cwd: worktree.path,
        env: options.env,
        timeoutMs: config.work.testTimeoutMinutes * 60_000,
        signal,
      });
      signal.throwIfAborted();
      const logPath = path.join(itemRunFolder(id), `test-run-${number}.log`);
      await mkdir(path.join(repoRoot, path.dirname(logPath)), { recursive: true });
      await writeFile(path.join(repoRoot, logPath), result.output);
      progress.testRuns.push({
        run: number,
        passed: result.passed,
        exitCode: result.exitCode,
        timedOut: result.timedOut,
        durationMs: result.durationMs,
        logPath,
      });
      events.emit({
        type: "test-run-finished",
        id,
        run: number,
        passed: result.passed,
        ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
        timedOut: result.timedOut,
        ms: result.durationMs,
      });
      if (result.passed) return true;
      if (attempt === runs) return false;
      await agent(
        "fix-tests",
        buildFixTestsTask({
          testCommand,
          exitCode: result.exitCode,
          timedOut: result.timedOut,
          run: attempt,
          runs,
          output: result.output,
        }),
      );
      await commit("Fix for the failing tests.");
    }
    return false;
  };

  const tellIssue = async (body: string) => {
    try {
      if (scanText("work-comment.md", body).length > 0) return;
      await tracker.upsertComment(data.issue, WORK_COMMENT_MARKER, body);
    } catch (error) {
      events.emit({
        type: "warning-raised",
        message: `could not comment on issue #${data.issue}: ${errorMessage(error)}`,
      });
    }
  };
  const worktreeShown = path.relative(repoRoot, worktree.path);
  const testsFailed = async (): Promise<ItemEnding> => {
    await tellIssue(
      renderTestsFailedComment({
        itemId: id,
        testCommand,
        runs: progress.testRuns,
        worktree: worktreeShown,
      }),
    );
    return failure(
      "tests-failed",
      `the tests still failed after ${progress.testRuns.length} run(s); the worktree is kept at ${worktreeShown}`,
      false,
    );
  };
  const secretFound = async (findings: readonly SecretFinding[]): Promise<ItemEnding> => {
    await tellIssue(renderSecretFoundComment({ itemId: id, findings, worktree: worktreeShown }));
    const rules = [...new Set(findings.map((finding) => `${finding.rule} in ${finding.file}`))];
    return failure(
      "secret-found",
      `the change looks like it holds a secret (${rules.slice(0, 3).join(", ")}); nothing was pushed`,
      false,
    );
  };

  // Implement.
  const first = await agent(
    "implement",
    buildImplementTask({
      itemId: id,
      plan,
      data,
      issue,
      testCommand,
      attempt: claim.attempt,
      today: (options.now ?? (() => new Date()))().toISOString().slice(0, 10),
    }),
  );
  await commit();
  if ((await diffAgainst(worktree.path, data.baseCommit)).files.length === 0) {
    const why =
      first.status === "done"
        ? "the implementer finished without changing anything"
        : `the implementer run ended ${first.status}${first.error ? ` (${first.error})` : ""} without changing anything`;
    // A model or runner failure may pass on a later attempt; a budget or "nothing to do" will not.
    return failure("agent-failed", why, first.status === "failed");
  }

  if (!(await testUntilGreen())) return testsFailed();

  // Review, with fix rounds between rounds; blocking findings after the last one make a draft.
  // A refusal without blocking findings leaves nothing to fix: the PR opens, unapproved (so it
  // is never merged by harness).
  let approved = false;
  let reviewBlocked = false;
  for (let round = 1; round <= config.work.reviewRounds; round++) {
    const diff = await diffAgainst(worktree.path, data.baseCommit);
    const secrets = scanDiffForSecrets(diff.diff);
    if (secrets.length > 0) return secretFound(secrets);
    step("review", `round ${round}`);
    let reviewTokens = 0;
    const callsBefore = calls.length;
    const verdict = await reviewChange({
      client: itemOptions.client,
      config,
      itemId: id,
      plan,
      diff,
      testsSummary:
        testCommand === ""
          ? "no test command is configured; none ran"
          : `\`${testCommand}\` passed on the last run`,
      signal,
      onTokens: (tokens) => {
        reviewTokens += tokens;
      },
    });
    progress.tokens += reviewTokens;
    await options.budget.spend({ tokens: reviewTokens, costUsd: 0 });
    progress.reviews.push({
      round,
      approve: verdict.approve,
      findings: verdict.findings,
      usage: usageWithTime(calls.slice(callsBefore)),
    });
    if (isApproved(verdict)) {
      approved = true;
      break;
    }
    const blocking = blockingFindings(verdict);
    if (blocking.length === 0) break;
    if (round === config.work.reviewRounds) {
      reviewBlocked = true;
      break;
    }
    await agent("fix-review", buildReviewFixTask(blocking, round));
    await commit(`Review round ${round}: blocking findings addressed.`);
    if (!(await testUntilGreen())) return testsFailed();
  }

  step("commit");
  await commit();
  step("secret-scan");
  const diff = await diffAgainst(worktree.path, data.baseCommit);
  if (diff.files.length === 0) {
    return failure("agent-failed", "the branch no longer changes anything against its base", false);
  }
  const secrets = scanDiffForSecrets(diff.diff);
  if (secrets.length > 0) return secretFound(secrets);

  const published = await publishWork({
    options: itemOptions,
    itemId: id,
    data,
    plan,
    progress,
    worktree: worktree.path,
    diff,
    testsRan: testCommand !== "",
    approved,
    reviewBlocked,
    step,
    ...((await headOf(worktree.path)) !== headAtStart
      ? { commit: (why: string) => commit(why) }
      : {}),
    attempt: claim.attempt,
  });
  if ("secrets" in published) return secretFound(published.secrets);

  step("cleanup");
  await run.worktreeLock(() => removeWorktree({ repoRoot, id: folder }));
  return ending(published.outcome, {
    pullRequest: published.pullRequest,
    reportPath: published.reportPath,
    ...(published.reportFile ? { reportFile: published.reportFile } : {}),
    ...(published.merged ? { merged: true } : {}),
  });
}

async function headOf(worktree: string): Promise<string> {
  return (await git(worktree, ["rev-parse", "HEAD"])).trim();
}

/**
 * Errors a later attempt cannot fix without a person: bad input (a base commit that is gone, a
 * refused push), refused auth, the config, git itself (a commit hook that refuses). Network
 * failures, tracker 5xx and rate limits (after the client's own retries), model failures and
 * runner crashes may pass later.
 */
export function isPermanentError(error: unknown): boolean {
  return (
    error instanceof InputError ||
    error instanceof AuthError ||
    error instanceof ConfigError ||
    error instanceof GitCommandError
  );
}
