/**
 * Typed errors with fixed exit codes. Library code throws these (or returns diagnostics);
 * only src/cli.ts turns them into an exit code. Every message says what failed and how to fix it.
 */

export const ExitCode = {
  ok: 0,
  /** The command ran and found problems (failed checks, validation errors). */
  failed: 1,
  /** Bad flags or arguments. */
  usage: 2,
  config: 3,
  auth: 4,
  input: 5,
  network: 6,
  budget: 7,
  /** An unexpected error: a bug in harness. */
  internal: 70,
  cancelled: 130,
} as const;

export type ExitCodeName = keyof typeof ExitCode;

export abstract class HarnessError extends Error {
  abstract readonly exitCode: number;
  /** One line telling the user what to do about it. */
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

export class ConfigError extends HarnessError {
  readonly exitCode = ExitCode.config;
}

export class AuthError extends HarnessError {
  readonly exitCode = ExitCode.auth;
}

export class InputError extends HarnessError {
  readonly exitCode = ExitCode.input;
}

export class NetworkError extends HarnessError {
  readonly exitCode = ExitCode.network;
}

export class BudgetError extends HarnessError {
  readonly exitCode = ExitCode.budget;
}

export class CancelledError extends HarnessError {
  readonly exitCode = ExitCode.cancelled;
}

/**
 * A model call that failed for a reason other than auth, network or cancellation: the server
 * refused the request (bad request) or the model's answer could not be used (invalid output).
 */
export class ModelRequestError extends HarnessError {
  readonly exitCode = ExitCode.failed;
}

export function isHarnessError(error: unknown): error is HarnessError {
  return error instanceof HarnessError;
}
