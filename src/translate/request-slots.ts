/**
 * At most `count` model requests of a run in flight at once: `--workers` caps the load on the
 * backends. A worker has one request out at a time, so the pool alone keeps the cap; the slots
 * keep it too when a request runs outside the pool (a head start, translate-head-start.ts)
 * while every worker has one of its own.
 */
export interface RequestSlots {
  /** Runs `request` once a slot is free; an abort while waiting rejects with the reason. */
  run<T>(request: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export function createRequestSlots(count: number): RequestSlots {
  let free = count;
  const waiting: Array<() => void> = [];

  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };

  const acquire = (signal?: AbortSignal): Promise<void> => {
    signal?.throwIfAborted();
    if (free > 0) {
      free--;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = waiting.indexOf(grant);
        if (index >= 0) waiting.splice(index, 1);
        reject(signal!.reason);
      };
      const grant = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      waiting.push(grant);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  };

  return {
    async run(request, signal) {
      await acquire(signal);
      try {
        return await request();
      } finally {
        release();
      }
    },
  };
}
