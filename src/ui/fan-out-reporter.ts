/**
 * Turns fan-out events into output, in one of three modes:
 * - tty: the live ink view (`fan-out-view.tsx`), loaded only in this mode so ink stays off the
 *   `--help` path and out of non-interactive runs;
 * - plain: one line per batch start, finish and failure and a summary (cron, CI, pipes);
 * - json: every event as one JSON object per line (`--json`), like `Output.event`.
 * Commands pick the mode with `fanOutReporterMode(output)` and pass the reporter as `events`.
 */
import type { EventSink, HarnessEvent } from "../events.js";
import type { Output } from "../output.js";
import {
  createFanOutStore,
  createFanOutViewState,
  formatPlainEventLines,
  reduceFanOutEvent,
} from "./fan-out-format.js";

export type FanOutReporterMode = "tty" | "plain" | "json";

export interface FanOutReporterOptions {
  mode: FanOutReporterMode;
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Names the run ("translate"). Default "fan-out". */
  label?: string;
  /** tty: redraw interval for elapsed times and the ETA. */
  refreshMs?: number;
  now?: () => number;
}

export interface FanOutReporter extends EventSink {
  /** Draws the final state and lets go of the terminal. Idempotent. */
  close(): Promise<void>;
}

/** json for `--json`, tty when a person watches, plain otherwise. */
export function fanOutReporterMode(
  output: Pick<Output, "json" | "interactive">,
): FanOutReporterMode {
  if (output.json) return "json";
  return output.interactive ? "tty" : "plain";
}

export async function createFanOutReporter(
  options: FanOutReporterOptions,
): Promise<FanOutReporter> {
  const { stdout } = options;
  const now = options.now ?? Date.now;
  const write = (line: string) => void stdout.write(`${line}\n`);

  if (options.mode === "json") {
    return { emit: (event) => write(JSON.stringify(event)), close: async () => undefined };
  }

  if (options.mode === "plain") {
    let state = createFanOutViewState();
    return {
      emit(event: HarnessEvent) {
        state = reduceFanOutEvent(state, event, now());
        for (const line of formatPlainEventLines(event, state, options.label)) write(line);
      },
      close: async () => undefined,
    };
  }

  const [{ render }, { createElement }, { FanOutView }] = await Promise.all([
    import("ink"),
    import("react"),
    import("./fan-out-view.js"),
  ]);
  const store = createFanOutStore(now);
  const app = render(
    createElement(FanOutView, {
      store,
      now,
      ...(options.label ? { label: options.label } : {}),
      ...(options.refreshMs ? { refreshMs: options.refreshMs } : {}),
    }),
    { stdout: stdout as NodeJS.WriteStream, exitOnCtrlC: false, patchConsole: false },
  );
  let closed = false;
  return {
    emit: (event) => store.emit(event),
    async close() {
      if (closed) return;
      closed = true;
      // Let react commit the last state before ink writes its final frame.
      await new Promise((resolve) => setImmediate(resolve));
      app.unmount();
      await app.waitUntilExit();
    },
  };
}
