/**
 * Keeps a claimed item's lease alive while it is worked: a renew every third of the lease. When
 * a renew says the lease is gone (`LeaseLostError`: it expired and another worker may have the
 * item, or a person moved it), the keeper aborts its signal so the item's work stops, and the
 * worker records nothing for it. A renew that fails for another reason (the queue briefly
 * unreachable) is tried again at the next tick; if the lease runs out meanwhile, that renew
 * reports it.
 */
import { LeaseLostError } from "../queue/errors.js";
import type { Claim, Queue } from "../queue/types.js";

export interface LeaseKeeper {
  /** Aborted when the lease is lost or the parent signal aborts. */
  readonly signal: AbortSignal;
  /** The latest claim (renewing returns a new one); pass it to complete, fail or release. */
  current(): Claim;
  /** Set once a renew found the lease gone. */
  lost(): LeaseLostError | undefined;
  /** Stops renewing and waits for a renew in flight. */
  stop(): Promise<void>;
}

export function keepLease(
  queue: Queue,
  claim: Claim,
  options: { leaseMs: number; parent?: AbortSignal | undefined },
): LeaseKeeper {
  let current = claim;
  let lostError: LeaseLostError | undefined;
  let inFlight: Promise<void> | undefined;
  const controller = new AbortController();
  const signal = options.parent
    ? AbortSignal.any([controller.signal, options.parent])
    : controller.signal;

  const renew = async () => {
    try {
      current = await queue.renew(current, options.leaseMs);
    } catch (error) {
      if (error instanceof LeaseLostError) {
        lostError = error;
        clearInterval(timer);
        controller.abort(error);
      }
      // Anything else: try again at the next tick.
    }
  };
  const timer = setInterval(
    () => {
      if (inFlight || lostError) return;
      inFlight = renew().finally(() => {
        inFlight = undefined;
      });
    },
    Math.max(10, Math.floor(options.leaseMs / 3)),
  );

  return {
    signal,
    current: () => current,
    lost: () => lostError,
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
