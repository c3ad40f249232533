/**
 * The `harness status` dashboard on a terminal: the sections of `status-format.ts` with bold
 * titles and coloured lines. The command re-renders it with a fresh report (`--watch`).
 */
import { Box, Text } from "ink";
import type { ReactElement } from "react";
import { statusSections, type StatusReport, type StatusTone } from "./status-format.js";

export interface StatusViewProps {
  report: StatusReport;
  /** Set when the last refresh failed; the view then shows the last good report. */
  problem?: string;
  /** Watching: a footer says how to quit. */
  watching?: boolean;
}

const toneColor: Record<StatusTone, string | undefined> = {
  normal: undefined,
  dim: undefined,
  good: "green",
  warn: "yellow",
  bad: "red",
};

export function StatusView(props: StatusViewProps): ReactElement {
  const { report } = props;
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>harness status</Text> <Text dimColor>{report.repoRoot}</Text>
        <Text dimColor> · {report.at.slice(11, 19)} UTC</Text>
      </Text>
      {statusSections(report).map((section) => (
        <Box key={section.title} flexDirection="column" marginTop={1}>
          <Text bold color="cyan">
            {section.title}
          </Text>
          {section.lines.map((entry, index) => (
            <Text key={index} color={toneColor[entry.tone]} dimColor={entry.tone === "dim"}>
              {"  "}
              {entry.text}
            </Text>
          ))}
        </Box>
      ))}
      {props.problem ? <Text color="red">refresh failed: {props.problem}</Text> : null}
      {props.watching ? (
        <Box marginTop={1}>
          <Text dimColor>refreshing every 2 s · q or Ctrl-C to quit</Text>
        </Box>
      ) : null}
    </Box>
  );
}
