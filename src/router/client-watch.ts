/**
 * Notices when the caller goes away, so the upstream request is aborted and the backend stops
 * generating tokens nobody will read. One per request; it aborts whichever attempt is current,
 * and only creates an AbortSignal for queue waits, which keeps the common path allocation-light.
 */
import type { ServerResponse } from "node:http";

/** `gone` turns true when the client closed before the answer was complete. */
export interface ClientWatch {
  readonly gone: boolean;
  /** The attempt to abort if the client leaves now; the attempt sets and clears it. */
  current: AbortController | undefined;
  /** A signal for waiting in the admission queue. */
  waitSignal(): AbortSignal;
}

export function watchClient(res: ServerResponse): ClientWatch {
  const watch = new ResponseWatch();
  res.on("close", () => {
    if (!res.writableFinished) watch.leave();
  });
  return watch;
}

// A class rather than an object literal with a getter: it is created for every request.
class ResponseWatch implements ClientWatch {
  gone = false;
  current: AbortController | undefined = undefined;
  private waiting: AbortController | undefined = undefined;

  waitSignal = (): AbortSignal => {
    this.waiting ??= new AbortController();
    if (this.gone) this.waiting.abort();
    return this.waiting.signal;
  };

  leave(): void {
    this.gone = true;
    this.current?.abort();
    this.waiting?.abort();
  }
}
