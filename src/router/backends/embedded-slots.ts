/**
 * Parallel slots of the embedded backend, one per context sequence. Like llama-server, a request
 * gets the idle slot whose cached tokens share the longest prefix with its prompt, so a
 * conversation's next turn reuses the KV cache; requests beyond the slot count wait in order.
 */
import type { Token } from "node-llama-cpp";

/** Number of leading tokens two token lists share. */
export function countCommonPrefix(a: readonly Token[], b: readonly Token[]): number {
  const limit = Math.min(a.length, b.length);
  let index = 0;
  while (index < limit && a[index] === b[index]) index++;
  return index;
}

/** A slot held by one request; `release` hands it to the next waiting request. */
export interface SlotLease<Slot> {
  slot: Slot;
  release(): void;
}

export interface SlotPool<Slot> {
  /** Waits for an idle slot (the best prefix match); rejects with the signal's reason on abort. */
  acquire(prompt: readonly Token[], signal: AbortSignal): Promise<SlotLease<Slot>>;
  /** Slots currently serving a request. */
  busyCount(): number;
}

interface Waiter<Slot> {
  prompt: readonly Token[];
  grant(lease: SlotLease<Slot>): void;
}

/** Creates a pool over `slots`; `cachedTokens(slot)` returns what the slot's sequence holds. */
export function createSlotPool<Slot>(
  slots: readonly Slot[],
  cachedTokens: (slot: Slot) => readonly Token[],
): SlotPool<Slot> {
  const idle = new Set(slots);
  const waiters: Waiter<Slot>[] = [];

  const take = (prompt: readonly Token[]): SlotLease<Slot> | undefined => {
    let best: Slot | undefined;
    let bestShared = -1;
    for (const slot of idle) {
      const shared = countCommonPrefix(cachedTokens(slot), prompt);
      if (shared > bestShared) [best, bestShared] = [slot, shared];
    }
    if (best === undefined) return undefined;
    const slot = best;
    idle.delete(slot);
    let released = false;
    return {
      slot,
      release() {
        if (released) return;
        released = true;
        idle.add(slot);
        const next = waiters.shift();
        if (next) next.grant(take(next.prompt) as SlotLease<Slot>);
      },
    };
  };

  return {
    acquire(prompt, signal) {
      if (signal.aborted) return Promise.reject(signal.reason);
      const lease = take(prompt);
      if (lease) return Promise.resolve(lease);
      return new Promise((resolve, reject) => {
        const waiter: Waiter<Slot> = {
          prompt,
          grant(granted) {
            signal.removeEventListener("abort", onAbort);
            resolve(granted);
          },
        };
        const onAbort = () => {
          const index = waiters.indexOf(waiter);
          if (index !== -1) waiters.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener("abort", onAbort, { once: true });
        waiters.push(waiter);
      });
    },
    busyCount: () => slots.length - idle.size,
  };
}
