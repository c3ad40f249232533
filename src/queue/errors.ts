/**
 * Queue errors. Each extends the harness error that gives its exit code, so the CLI reports them
 * like any other; workers catch `LeaseLostError` to stop work on an item another worker now has.
 */
import { HarnessError, ExitCode, InputError, NetworkError } from "../errors.js";

/**
 * The caller no longer holds the item: its lease expired and another worker may have it, or a
 * human moved, cancelled or dropped it. Stop working on it and do not report a result.
 */
export class LeaseLostError extends HarnessError {
  readonly exitCode = ExitCode.failed;
  constructor(
    readonly itemId: string,
    detail: string,
  ) {
    super(`Lost the lease on queue item ${itemId}: ${detail}.`, {
      hint: "Another worker may be running it now; this worker's result was not recorded.",
    });
  }
}

/** The item exists but is in a state the operation does not apply to. */
export class QueueItemStateError extends InputError {}

/** No item with that id. */
export class QueueItemNotFoundError extends InputError {
  constructor(readonly itemId: string) {
    super(`No queue item ${itemId}.`, { hint: "List the queue with `harness queue ls`." });
  }
}

/** An item file that is not valid frontmatter + Markdown, or a job whose data is malformed. */
export class CorruptItemError extends InputError {}

/** Redis cannot be reached (the Redis driver). Nothing was changed. */
export class QueueUnavailableError extends NetworkError {}
