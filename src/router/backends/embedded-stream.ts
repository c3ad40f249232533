/**
 * A push-to-pull byte channel: the generation pushes text as it is produced, the router reads
 * the response body as an async iterable. Stopping the read early cancels the producer.
 */

export interface ByteChannel {
  push(text: string): void;
  end(): void;
  /** The body to hand to the router. */
  readonly body: AsyncIterable<Uint8Array>;
  /** Aborted when the reader stops before the end (so generation can stop too). */
  readonly cancelled: AbortSignal;
}

/** Creates an unbounded channel; generated text is small, so no back-pressure is needed. */
export function createByteChannel(): ByteChannel {
  const encoder = new TextEncoder();
  const queue: Uint8Array[] = [];
  const cancel = new AbortController();
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };

  async function* read(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      if (!ended) cancel.abort(new Error("The response body was not read to the end."));
    }
  }

  return {
    push(text) {
      if (ended || text === "") return;
      queue.push(encoder.encode(text));
      notify();
    },
    end() {
      ended = true;
      notify();
    },
    body: { [Symbol.asyncIterator]: read },
    cancelled: cancel.signal,
  };
}
