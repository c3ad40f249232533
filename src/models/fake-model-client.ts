/**
 * The one fake model for tests (and for `--fake-responses FILE`): it answers requests with
 * scripted responses, in order, and records every request it got. A request the script did not
 * expect fails loudly, both as an error event and as a thrown error from `result()`, so a test
 * cannot pass by accident when the code under test makes an extra or different call.
 */
import type {
  ModelClient,
  ModelEvent,
  ModelMessage,
  ModelRequest,
  ModelStream,
} from "./model-client.js";
import { createErrorEvent } from "./model-errors.js";
import { createModelStream } from "./model-stream.js";
import {
  expandResponse,
  loadScript,
  type FakeResponse,
  type RequestMatcher,
} from "./model-script.js";

/** Thrown by `result()` for a request the script did not expect; a test failure, not a model error. */
export class UnexpectedModelRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnexpectedModelRequestError";
  }
}

export class FakeModelClient implements ModelClient {
  /** Every request received, in order (including the unexpected ones). */
  readonly calls: ModelRequest[] = [];
  /** What went wrong, one message per unexpected request. */
  readonly failures: string[] = [];
  private readonly responses: FakeResponse[];

  constructor(responses: FakeResponse[]) {
    this.responses = [...responses];
  }

  /** A fake that replays a script file (what `--fake-responses FILE` loads). */
  static async fromFile(file: string): Promise<FakeModelClient> {
    return new FakeModelClient(await loadScript(file));
  }

  /** Scripted responses not yet used. */
  get remaining(): number {
    return Math.max(0, this.responses.length - this.calls.length);
  }

  stream(request: ModelRequest): ModelStream {
    this.calls.push(request);
    const number = this.calls.length;
    const response = this.responses[number - 1];
    const problem =
      response === undefined
        ? `is beyond the script (${this.responses.length} responses)`
        : mismatch(response, request);
    if (response === undefined || problem !== undefined) {
      return this.fail(`request #${number} ${problem}; ${describeRequest(request)}`);
    }
    return createModelStream(replay(expandResponse(response), request.signal), {
      parseJson: request.responseSchema !== undefined,
    });
  }

  /** Throws when a request failed or scripted responses were left unused. */
  assertDone(): void {
    if (this.failures.length > 0) {
      throw new UnexpectedModelRequestError(`FakeModelClient: ${this.failures.join("; ")}`);
    }
    if (this.remaining > 0) {
      throw new UnexpectedModelRequestError(
        `FakeModelClient: ${this.remaining} scripted response(s) were never requested`,
      );
    }
  }

  private fail(problem: string): ModelStream {
    const message = `FakeModelClient: ${problem}`;
    this.failures.push(problem);
    const events = createModelStream(replay([createErrorEvent("bad-request", message)]));
    events.result().catch(() => undefined);
    return {
      [Symbol.asyncIterator]: () => events[Symbol.asyncIterator](),
      result: () => Promise.reject(new UnexpectedModelRequestError(message)),
    };
  }
}

async function* replay(events: ModelEvent[], signal?: AbortSignal): AsyncGenerator<ModelEvent> {
  for (const event of events) {
    // A tick between events, so consumers see a stream rather than one synchronous burst.
    await Promise.resolve();
    if (signal?.aborted) {
      yield createErrorEvent("cancelled", "the request was aborted");
      return;
    }
    yield event;
  }
}

/** Undefined when the request matches, or why it does not. */
function mismatch(response: FakeResponse, request: ModelRequest): string | undefined {
  const matcher: RequestMatcher | undefined = Array.isArray(response) ? undefined : response.match;
  if (matcher === undefined) return undefined;
  if (typeof matcher === "function") {
    const verdict = matcher(request);
    if (verdict === true || verdict === "") return undefined;
    return `does not match: ${verdict === false ? "the matcher returned false" : verdict}`;
  }
  if (matcher.model !== undefined && request.model !== matcher.model) {
    return `does not match: model is "${request.model}", expected "${matcher.model}"`;
  }
  if (matcher.systemIncludes !== undefined && !request.system?.includes(matcher.systemIncludes)) {
    return `does not match: the system prompt lacks "${matcher.systemIncludes}"`;
  }
  const last = request.messages.at(-1);
  if (
    matcher.lastMessageIncludes !== undefined &&
    !(last && messageText(last).includes(matcher.lastMessageIncludes))
  ) {
    return `does not match: the last message lacks "${matcher.lastMessageIncludes}"`;
  }
  return undefined;
}

function messageText(message: ModelMessage): string {
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

/** Enough to recognize the request in a failure message, without dumping prompts. */
function describeRequest(request: ModelRequest): string {
  const last = request.messages.at(-1);
  const excerpt = last ? messageText(last).slice(0, 80) : "";
  return `model "${request.model}", ${request.messages.length} message(s), last: ${JSON.stringify(excerpt)}`;
}
