/**
 * The live fan-out view on a terminal: a progress bar with counts and ETA, one line per worker
 * (idle, or its batch and how long it has run), the latest failures with their reasons, and a
 * summary once the run ends. It subscribes to a `FanOutStore` fed by the engine's events.
 */
import { Box, Text } from "ink";
import { useEffect, useState, useSyncExternalStore, type ReactElement } from "react";
import {
  formatFailureLine,
  formatHeadline,
  formatProgressBar,
  formatSummaryLine,
  formatWorkerLine,
  progressFraction,
  type FanOutStore,
} from "./fan-out-format.js";

export interface FanOutViewProps {
  store: FanOutStore;
  /** Names the run in the first line ("translate", "triage"). Default "fan-out". */
  label?: string;
  /** How often elapsed times and the ETA are redrawn between events. Default 1000. */
  refreshMs?: number;
  now?: () => number;
}

export function FanOutView(props: FanOutViewProps): ReactElement {
  const { store, label = "fan-out", refreshMs = 1_000, now = Date.now } = props;
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const [, setTick] = useState(0);
  const finished = state.finished !== undefined;
  useEffect(() => {
    if (finished) return;
    const timer = setInterval(() => setTick((tick) => tick + 1), refreshMs);
    return () => clearInterval(timer);
  }, [finished, refreshMs]);

  if (!state.started) return <Text dimColor>{label} starting…</Text>;
  const at = now();
  const summaryColor = state.finished?.aborted ? "yellow" : state.failedItems > 0 ? "red" : "green";
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>{label}</Text>{" "}
        <Text color="cyan">{formatProgressBar(progressFraction(state))}</Text>{" "}
        {formatHeadline(state, at)}
      </Text>
      {finished
        ? null
        : state.workers.map((worker) => (
            <Text key={worker.worker} dimColor={worker.batch === undefined}>
              {"  "}
              {formatWorkerLine(worker, state.batches, at)}
            </Text>
          ))}
      {state.failureCount > 0 ? <Text color="red">failures ({state.failureCount}):</Text> : null}
      {state.failures.map((failure, position) => (
        <Text key={position} color={failure.willRetry ? "yellow" : "red"}>
          {"  "}
          {formatFailureLine(failure, state.batches)}
        </Text>
      ))}
      {state.warnings.map((warning, position) => (
        <Text key={`warning-${position}`} color="yellow">
          warning: {warning}
        </Text>
      ))}
      {state.finished ? (
        <Text bold color={summaryColor}>
          {label} {formatSummaryLine(state)}
        </Text>
      ) : null}
    </Box>
  );
}
