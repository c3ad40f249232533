/**
 * The live table `harness router status` shows on a terminal: one row per backend with its
 * breaker state, readiness, load, latency, throughput and cache hit ratio.
 */
import { Box, Text } from "ink";
import type { ReactElement } from "react";
import {
  formatStatusCells,
  formatStatusHeader,
  statusColumnWidths,
  type RouterStatusViewProps,
} from "./router-status-format.js";

function stateColor(breaker: string, readiness: string): string {
  if (breaker === "open" || readiness === "down") return "red";
  if (breaker === "half-open" || readiness === "warming") return "yellow";
  return "green";
}

export function RouterStatusView(props: RouterStatusViewProps): ReactElement {
  const widths = statusColumnWidths();
  const line = (cells: string[]) =>
    cells.map((cell, index) => cell.slice(0, widths[index]! - 1).padEnd(widths[index]!)).join("");
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>router</Text> {props.url}
        {props.updatedAt ? <Text dimColor> · updated {props.updatedAt}</Text> : null}
      </Text>
      <Text dimColor>{line(formatStatusHeader())}</Text>
      {props.rows.length === 0 ? <Text dimColor>no backends configured</Text> : null}
      {props.rows.map((row) => (
        <Text key={row.name} color={stateColor(row.breaker, row.readiness)}>
          {line(formatStatusCells(row))}
        </Text>
      ))}
      {props.problem ? <Text color="red">{props.problem}</Text> : null}
      <Text dimColor>q or Ctrl-C to quit</Text>
    </Box>
  );
}
