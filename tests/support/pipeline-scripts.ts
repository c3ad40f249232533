/**
 * What the end-to-end tests of the issue pipeline (tests/workflows/pipeline-e2e*.test.ts) share,
 * on the work fixture's greet project (tests/workflows/work-fixture.ts):
 *
 * - scripted answers for the fake model (triage verdicts, ground plans, implementer turns); it
 *   answers in request order, and each answer here also checks that the request is about the
 *   issue it was written for, so a run that asks in another order fails loudly;
 * - the same answers as steps of the scripted OpenAI-like backend, for runs of the built CLI;
 * - a snapshot of the queue, to tell that a run changed nothing in it;
 * - the GitHub emulator's own state (labels, comments, pull requests, writes), read past the
 *   fault front.
 */
import type { ModelMessage, ModelRequest } from "../../src/models/model-client.js";
import type { FakeResponse } from "../../src/models/model-script.js";
import type { Queue, QueueItem } from "../../src/queue/types.js";
import type { TriageVerdictName } from "../../src/workflows/triage-verdict.js";
import type { ScriptedStep } from "../agents/fixtures/scripted-openai-backend.js";
import type { GitHubEmulator } from "./github-emulator.js";

function messageText(message: ModelMessage | undefined): string {
  if (!message) return "";
  switch (message.role) {
    case "user":
      return typeof message.content === "string"
        ? message.content
        : message.content.map((part) => (part.type === "text" ? part.text : "")).join("");
    case "assistant":
      return message.text ?? "";
    case "tool":
      return message.content;
  }
}

/** A matcher: the first message of the request contains `text`. */
function firstMessageIncludes(text: string): (request: ModelRequest) => boolean | string {
  return (request) =>
    messageText(request.messages[0]).includes(text) || `the first message lacks ${text}`;
}

/** A triage verdict on issue `issue`, as the model writes it. */
export function triageVerdict(
  issue: number,
  verdict: TriageVerdictName,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    verdict,
    reasons: [`greet() in src/greet.js is what issue ${issue} is about`],
    confidence: 0.8,
    evidence: verdict === "valid" ? ["src/greet.js:2"] : [],
    ...extra,
  };
}

/** The ground plan for the greet project: change src/greet.js, prove it with test.js. */
export function greetPlan(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: "Greet harness instead of the world",
    goal: "greet() returns Hello, harness, so the project's test passes.",
    background: "src/greet.js:2 returns Hello, world; test.js expects Hello, harness.",
    files: [{ path: "src/greet.js", change: "return Hello, harness" }],
    steps: [{ text: "Change the string in src/greet.js.", check: "node test.js passes" }],
    tests: [{ file: "test.js", case: "greet says Hello, harness", failsBefore: true }],
    risks: ["Callers that compare the greeting text."],
    outOfScope: ["Greeting in other languages."],
    size: "s",
    ...extra,
  };
}

/** The triager's verdict on issue `issue`, for the fake model. */
export function triageAnswer(
  issue: number,
  verdict: TriageVerdictName,
  extra: Record<string, unknown> = {},
): FakeResponse {
  return {
    json: triageVerdict(issue, verdict, extra),
    usage: { inputTokens: 40, outputTokens: 10 },
    match: firstMessageIncludes(`Triage issue #${issue} (`),
  };
}

/** The planner's ground plan for issue `issue`, for the fake model. */
export function planAnswer(issue: number, extra: Record<string, unknown> = {}): FakeResponse {
  return {
    json: greetPlan(extra),
    usage: { inputTokens: 60, outputTokens: 30 },
    match: firstMessageIncludes(`Plan issue #${issue} (`),
  };
}

/**
 * The implementer's turns for the plan item `issue-<issue>`: each must belong to the agent run
 * whose task is that item (the task is the run's first message).
 */
export function implementerTurnsFor(issue: number, turns: FakeResponse[]): FakeResponse[] {
  const match = firstMessageIncludes(`(queue item issue-${issue}, issue #${issue})`);
  return turns.map((turn) => {
    if (Array.isArray(turn)) throw new Error("an implementer turn must be a shorthand answer");
    return { ...turn, match };
  });
}

/** Everything a request carries that a model would read, as one string. */
export function requestText(request: ModelRequest): string {
  return JSON.stringify({ ...request, signal: undefined });
}

/** What the queue holds, item by item: enough to tell that a run changed nothing in it. */
export async function queueSnapshot(
  queue: Queue,
): Promise<
  Array<Pick<QueueItem, "id" | "state" | "attempts" | "body" | "data"> & { errors: number }>
> {
  const { items } = await queue.list();
  return items
    .map(({ id, state, attempts, body, data, errors }) => ({
      id,
      state,
      attempts,
      body,
      data,
      errors: errors.length,
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The issue's labels in the emulator's own state (armed faults do not hide it). */
export async function issueLabels(github: GitHubEmulator, issue: number): Promise<string[]> {
  const answer = await github.api("GET", `/repos/${github.fullName}/issues/${issue}`);
  return (answer.data as { labels: { name: string }[] }).labels.map((label) => label.name).sort();
}

export async function issueComments(github: GitHubEmulator, issue: number): Promise<string[]> {
  const answer = await github.api(
    "GET",
    `/repos/${github.fullName}/issues/${issue}/comments?per_page=100`,
  );
  return (answer.data as { body: string }[]).map((comment) => comment.body);
}

/** The comments harness wrote under `marker` (`<!-- harness:<marker> -->`). */
export function withMarker(comments: string[], marker: string): string[] {
  return comments.filter((body) => body.startsWith(`<!-- harness:${marker} -->`));
}

export interface EmulatedPullRequest {
  number: number;
  head: { ref: string };
  title: string;
  body: string;
  labels: { name: string }[];
}

/** Every pull request, open or closed, by number. */
export async function pullRequests(github: GitHubEmulator): Promise<EmulatedPullRequest[]> {
  const answer = await github.api("GET", `/repos/${github.fullName}/pulls?state=all&per_page=100`);
  return (answer.data as EmulatedPullRequest[]).sort((a, b) => a.number - b.number);
}

/** Requests other than GET the front received (answered or refused). */
export function writeCount(github: GitHubEmulator): number {
  return github.requests.filter((request) => request.method !== "GET").length;
}

/** A scripted backend's answer with text (a JSON answer for triage, plan or review). */
export function jsonStep(value: unknown): ScriptedStep {
  return { text: JSON.stringify(value), usage: { promptTokens: 50, completionTokens: 20 } };
}

/** A scripted backend's answer calling one tool (a turn of the built-in implementer). */
export function toolStep(name: string, input: Record<string, unknown>): ScriptedStep {
  return { toolCall: { name, input }, usage: { promptTokens: 100, completionTokens: 20 } };
}
