/**
 * How model failures are named and turned into typed errors. Both adapters classify HTTP
 * statuses here so a 429 means the same thing whichever wire format the router spoke.
 */
import {
  AuthError,
  CancelledError,
  type HarnessError,
  ModelRequestError,
  NetworkError,
} from "../errors.js";
import type { ErrorEvent, ModelErrorKind } from "./model-client.js";

/** Kinds that may succeed if the same request is sent again later. */
const retryableKinds: ReadonlySet<ModelErrorKind> = new Set([
  "rate-limit",
  "overloaded",
  "network",
  "timeout",
  "invalid-output",
]);

export function createErrorEvent(
  kind: ModelErrorKind,
  message: string,
  status?: number,
): ErrorEvent {
  return {
    type: "error",
    kind,
    message,
    retryable:
      retryableKinds.has(kind) || (kind === "unknown" && status !== undefined && status >= 500),
    ...(status === undefined ? {} : { status }),
  };
}

/** Maps an HTTP error status to a kind. 529 is Anthropic's "overloaded"; 503 is the router's. */
export function kindForStatus(status: number): ModelErrorKind {
  if (status === 401 || status === 403) return "auth";
  if (status === 429) return "rate-limit";
  if (status === 503 || status === 529) return "overloaded";
  if (status === 408 || status === 504) return "timeout";
  if (status === 502) return "network";
  if (status >= 400 && status < 500) return "bad-request";
  return "unknown";
}

/** What to tell the user to do, per kind. */
const hints: Record<ModelErrorKind, string> = {
  auth: "Check the router token or the provider key in the environment.",
  "rate-limit": "Wait and retry, or lower fanOut.maxWorkers.",
  overloaded: "The router or backend is busy; retry later or add backends.",
  "bad-request": "Check the model name and request size; run `harness router status`.",
  network: "Is the router running? Start it with `harness router start`.",
  timeout: "The model took too long; raise router.timeouts or use a faster model.",
  cancelled: "The call was cancelled.",
  "invalid-output": "The model's answer was not valid JSON; retry, perhaps with more thinking.",
  unknown: "Check the router logs (`harness router status`).",
};

/**
 * Keeps the normalized failure on the thrown error (as its `cause`) so callers can read `kind`
 * and `retryable` without parsing messages.
 */
export class ModelFailure extends Error {
  readonly kind: ModelErrorKind;
  readonly retryable: boolean;
  readonly status: number | undefined;

  constructor(event: ErrorEvent) {
    super(event.message);
    this.name = "ModelFailure";
    this.kind = event.kind;
    this.retryable = event.retryable;
    this.status = event.status;
  }
}

/** The typed error `result()` rejects with for an error event. */
export function toHarnessError(event: ErrorEvent): HarnessError {
  const options = { hint: hints[event.kind], cause: new ModelFailure(event) };
  const message = `Model call failed (${event.kind}${
    event.status === undefined ? "" : `, HTTP ${event.status}`
  }): ${event.message}`;
  switch (event.kind) {
    case "auth":
      return new AuthError(message, options);
    case "cancelled":
      return new CancelledError(message, options);
    case "rate-limit":
    case "overloaded":
    case "network":
    case "timeout":
      return new NetworkError(message, options);
    default:
      return new ModelRequestError(message, options);
  }
}

/** The normalized failure behind an error thrown by `result()`, if there is one. */
export function readModelFailure(error: unknown): ModelFailure | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if (current instanceof ModelFailure) return current;
    current = current.cause;
  }
  return undefined;
}
