/**
 * Stage 1 of the issue pipeline: triage. Reads the open issues that changed since the last run
 * (or one issue), asks the model for a structured verdict on each one whose title or body is new
 * to us, and mirrors the verdict to the tracker as one label of the verdict group and one
 * comment edited in place. Nothing is closed here. Trust is computed and reported for every
 * issue; only later stages act on it.
 *
 * Safety: the issue text, and the similar issues and open pull requests shown with it, reach the
 * model only inside untrusted-data blocks of the user message (see triage-prompt.ts); comments
 * never echo them and are secret-scanned before posting.
 *
 * Idempotent: the state file remembers each issue's text hash and verdict, so a rerun with no
 * edits sends no model request and writes nothing; the tracker's upserts find what the last
 * run wrote. Issues a run could not finish (over the per-run cap, or failed) are kept as
 * pending and retried first next time.
 *
 * An auth or network error (a refused token, a missing permission, a rate limit, GitHub or the
 * model out of reach) is not one issue's failure: the next issue would hit the same wall. It
 * stops the stage: no issue is started after it, what was done is saved, the rest stays
 * pending, and the error is thrown, so the cycle stops before plan and work touch the queue.
 */
import { fanOut } from "../queue/fan-out.js";
import type { HarnessConfig } from "../config/schema.js";
import { AuthError, InputError, ModelRequestError, NetworkError } from "../errors.js";
import { nullSink, type EventSink } from "../events.js";
import type { ModelClient } from "../models/model-client.js";
import type { Tracker, TrackedIssue, TrackedPullRequest, UpsertAction } from "../tracker/types.js";
import {
  TRIAGE_COMMENT_MARKER,
  isTrustedIssue,
  keepEvidence,
  renderTriageComment,
  scanComment,
} from "./triage-comment.js";
import {
  gatherTriageContext,
  indexOpenWork,
  readRepositorySnapshot,
  type OpenWork,
  type RepositorySnapshot,
} from "./triage-context.js";
import { TRIAGE_SYSTEM_PROMPT, buildTriageUserMessage } from "./triage-prompt.js";
import { askForStructuredAnswer } from "./structured-answer.js";
import { hashIssueText, type TriageState, type TriageStateStore } from "./triage-state.js";
import {
  emptyVerdictCounts,
  triageResponseSchema,
  lenientTriageVerdictSchema,
  verdictLabel,
  verdictLabelColors,
  verdictLabelGroup,
  type TriageVerdict,
  type TriageVerdictName,
} from "./triage-verdict.js";

/** The task kind in `models.tasks` and `models.thinking`. */
export const TRIAGE_TASK = "triage";

export interface TriageOptions {
  tracker: Tracker;
  client: ModelClient;
  repoRoot: string;
  config: HarnessConfig;
  /** The cursor, pending issues and verdict hashes between runs. */
  cursorStore: TriageStateStore;
  /** Triage just this issue (the cursor is left as it is). */
  issue?: number;
  /** Compute verdicts only: nothing is written to the tracker or the state. */
  dryRun?: boolean;
  signal?: AbortSignal;
  events?: EventSink;
  now?: () => Date;
  /** Issues checked at once; default `fanOut.maxWorkers` (4 when it is `auto`). */
  concurrency?: number;
}

export interface TriageItem {
  issue: number;
  verdict: TriageVerdictName;
  duplicateOf?: number;
  trusted: boolean;
  confidence: number;
  /** "skipped" in a dry run. */
  commentAction: UpsertAction | "skipped";
  labelAdded: boolean;
}

export interface TriageFailure {
  issue: number;
  error: string;
}

export interface TriageSummary {
  /** Issues read from the tracker this run (changed, pending, or the one asked for). */
  seen: number;
  triaged: number;
  /** Title and body as they were at their last verdict. */
  skippedUnchanged: number;
  /** Left for the next run by `schedule.maxIssuesPerRun`. */
  deferred: number;
  verdicts: Record<TriageVerdictName, number>;
  failures: TriageFailure[];
  items: TriageItem[];
}

/** Read the tracker's list of open issues at most once a run, and only when needed. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}

/**
 * One request, and one retry with more thinking when the answer is not JSON or does not match
 * the schema (see structured-answer.ts).
 */
function askForVerdict(
  options: TriageOptions,
  userMessage: string,
  issue: number,
): Promise<TriageVerdict> {
  return askForStructuredAnswer({
    client: options.client,
    config: options.config,
    task: TRIAGE_TASK,
    system: TRIAGE_SYSTEM_PROMPT,
    userMessage,
    responseSchema: triageResponseSchema,
    schema: lenientTriageVerdictSchema,
    sessionId: `triage-${issue}`,
    ...(options.signal ? { signal: options.signal } : {}),
    what: "triage verdict",
    hint: "try a stronger model for triage (models.tasks.triage) or raise models.thinking.triage",
  });
}

interface Collaborators {
  snapshot: () => Promise<RepositorySnapshot>;
  /** Open issues and pull requests, listed and indexed once a run, on first use. */
  openWork: () => Promise<OpenWork>;
}

/**
 * The open pull requests, or "unavailable" with one warning when the tracker cannot list them:
 * they are context for the model, not worth failing a triage over.
 */
async function listOpenPullRequestsForContext(
  tracker: Tracker,
  events: EventSink,
): Promise<TrackedPullRequest[] | "unavailable"> {
  try {
    return await tracker.listOpenPullRequests();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    events.emit({
      type: "warning-raised",
      message: `open pull requests are left out of triage context: ${reason}`,
    });
    return "unavailable";
  }
}

async function triageOne(
  options: TriageOptions,
  issue: TrackedIssue,
  shared: Collaborators,
): Promise<TriageItem> {
  const snapshot = await shared.snapshot();
  const context = await gatherTriageContext({
    root: options.repoRoot,
    issue,
    snapshot,
    openWork: await shared.openWork(),
  });
  const verdict = await askForVerdict(
    options,
    buildTriageUserMessage(issue, context),
    issue.number,
  );
  const trusted = isTrustedIssue(issue, options.config.trust);
  const evidence = keepEvidence(verdict.evidence, new Set(snapshot.files));
  const body = renderTriageComment({ issue, verdict, evidence, trusted });
  const findings = scanComment(body);
  if (findings.length > 0) {
    const rules = [...new Set(findings.map((finding) => finding.rule))].join(", ");
    throw new ModelRequestError(
      `the triage comment looks like it holds a secret (${rules}); nothing was posted`,
    );
  }
  const item: TriageItem = {
    issue: issue.number,
    verdict: verdict.verdict,
    ...(verdict.duplicateOf !== undefined ? { duplicateOf: verdict.duplicateOf } : {}),
    trusted,
    confidence: verdict.confidence,
    commentAction: "skipped",
    labelAdded: false,
  };
  if (options.dryRun) return item;
  const label = await options.tracker.setLabel(issue.number, verdictLabel(verdict.verdict), {
    exclusiveGroup: verdictLabelGroup,
    color: verdictLabelColors[verdict.verdict],
    description: "harness triage verdict",
  });
  const comment = await options.tracker.upsertComment(issue.number, TRIAGE_COMMENT_MARKER, body);
  return { ...item, commentAction: comment.action, labelAdded: label.added };
}

/** The issues to look at: pending ones from earlier runs first, then what changed. */
async function readCandidates(
  options: TriageOptions,
  state: TriageState,
): Promise<{ issues: TrackedIssue[]; cursor: string; gone: number[] }> {
  if (options.issue !== undefined) {
    const issue = await options.tracker.getIssue(options.issue);
    if (issue.state !== "open") {
      throw new InputError(`issue #${issue.number} is closed; triage reads open issues only`);
    }
    return { issues: [issue], cursor: state.cursor, gone: [] };
  }
  const changes = await options.tracker.listChanged(state.cursor || undefined);
  const changed = new Set(changes.issues.map((issue) => issue.number));
  const pending: TrackedIssue[] = [];
  const gone: number[] = [];
  for (const number of state.pending) {
    if (changed.has(number)) continue;
    try {
      pending.push(await options.tracker.getIssue(number));
    } catch (error) {
      // Deleted, transferred or turned into a pull request: nothing left to triage.
      if (!(error instanceof InputError)) throw error;
      gone.push(number);
    }
  }
  return { issues: [...pending, ...changes.issues], cursor: changes.cursor, gone };
}

export async function triageIssues(options: TriageOptions): Promise<TriageSummary> {
  const events = options.events ?? nullSink;
  const now = options.now ?? (() => new Date());
  const state = await options.cursorStore.load();
  const candidates = await readCandidates(options, state);
  const shared: Collaborators = {
    snapshot: once(() => readRepositorySnapshot(options.repoRoot)),
    openWork: once(async () => {
      const [openIssues, openPullRequests] = await Promise.all([
        // Without a cursor, listChanged already returned every open issue.
        options.issue === undefined && state.cursor === ""
          ? candidates.issues
          : options.tracker.listChanged().then((changes) => changes.issues),
        listOpenPullRequestsForContext(options.tracker, events),
      ]);
      return indexOpenWork(openIssues, openPullRequests);
    }),
  };
  const summary: TriageSummary = {
    seen: candidates.issues.length,
    triaged: 0,
    skippedUnchanged: 0,
    deferred: 0,
    verdicts: emptyVerdictCounts(),
    failures: [],
    items: [],
  };
  const resolved = new Set<number>(candidates.gone);
  const unfinished: number[] = [];
  let halt: AuthError | NetworkError | undefined;
  try {
    options.signal?.throwIfAborted();
    // Which issues need a verdict; the others are settled here, in order.
    const toTriage: Array<{ issue: TrackedIssue; hash: string }> = [];
    for (const issue of candidates.issues) {
      const hash = hashIssueText(issue.title, issue.body);
      if (issue.state !== "open") {
        resolved.add(issue.number);
      } else if (state.issues[String(issue.number)]?.hash === hash) {
        summary.skippedUnchanged++;
        resolved.add(issue.number);
      } else if (toTriage.length >= options.config.schedule.maxIssuesPerRun) {
        summary.deferred++;
        unfinished.push(issue.number);
      } else {
        toTriage.push({ issue, hash });
      }
    }
    // One issue per batch on the shared fan-out engine: its caps, events and cancellation.
    const configured = options.config.fanOut.maxWorkers;
    const fanned = await fanOut({
      items: toTriage,
      batchSize: 1,
      concurrency: options.concurrency ?? (configured === "auto" ? 4 : configured),
      retries: 0,
      ...(options.signal ? { signal: options.signal } : {}),
      events,
      run: async (batch) => {
        if (halt) throw halt;
        try {
          return await Promise.all(
            batch.items.map(({ issue }) => triageOne(options, issue, shared)),
          );
        } catch (error) {
          if (error instanceof AuthError || error instanceof NetworkError) halt ??= error;
          throw error;
        }
      },
    });
    for (const [index, outcome] of fanned.results.entries()) {
      const { issue, hash } = toTriage[index]!;
      if (outcome.status === "done") {
        const item = outcome.value;
        summary.items.push(item);
        summary.triaged++;
        summary.verdicts[item.verdict]++;
        resolved.add(issue.number);
        state.issues[String(issue.number)] = {
          hash,
          verdict: item.verdict,
          triagedAt: now().toISOString(),
        };
      } else if (outcome.status === "failed" && !halt) {
        summary.failures.push({ issue: issue.number, error: outcome.error });
        unfinished.push(issue.number);
        events.emit({
          type: "warning-raised",
          message: `triage of #${issue.number} failed: ${outcome.error}`,
        });
      }
    }
    if (halt) throw halt;
    options.signal?.throwIfAborted();
  } finally {
    // Whatever this run did not reach (it was cancelled) stays pending for the next one.
    for (const issue of candidates.issues) {
      if (!resolved.has(issue.number)) unfinished.push(issue.number);
    }
    if (!options.dryRun) {
      const pending = [...state.pending.filter((number) => !resolved.has(number)), ...unfinished];
      await options.cursorStore.save({
        ...state,
        cursor: candidates.cursor,
        pending: [...new Set(pending)].sort((a, b) => a - b),
      });
    }
  }
  return summary;
}
