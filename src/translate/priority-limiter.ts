/**
 * Runs tasks at most `concurrency` at a time, the lowest priority number first (then in the
 * order they came). The engine extracts documents through it: parsing is CPU work on the one
 * JavaScript thread, so when 25 workers start at once, each worker's first document is parsed
 * before anyone's second (read ahead while requests wait), and every worker's first request
 * goes out as early as it can.
 *
 * Tasks start after the current turn of the event loop, never inside `schedule`, so a caller
 * that schedules and then sends a request sends it first.
 */
export interface PriorityLimiter {
  schedule<T>(priority: number, task: () => Promise<T>): Promise<T>;
}

interface Entry {
  priority: number;
  order: number;
  start: () => void;
}

export function createPriorityLimiter(concurrency: number): PriorityLimiter {
  const waiting: Entry[] = [];
  let running = 0;
  let order = 0;
  let pumpScheduled = false;

  const pump = () => {
    pumpScheduled = false;
    while (running < concurrency && waiting.length > 0) {
      let best = 0;
      for (let index = 1; index < waiting.length; index++) {
        const entry = waiting[index]!;
        const chosen = waiting[best]!;
        if (
          entry.priority < chosen.priority ||
          (entry.priority === chosen.priority && entry.order < chosen.order)
        ) {
          best = index;
        }
      }
      const [entry] = waiting.splice(best, 1);
      running++;
      entry!.start();
    }
  };
  const schedulePump = () => {
    if (pumpScheduled) return;
    pumpScheduled = true;
    setImmediate(pump);
  };

  return {
    schedule<T>(priority: number, task: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        waiting.push({
          priority,
          order: order++,
          start: () => {
            void task()
              .then(resolve, reject)
              .finally(() => {
                running--;
                schedulePump();
              });
          },
        });
        schedulePump();
      });
    },
  };
}
