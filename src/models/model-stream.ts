/**
 * Turns an async source of events into a `ModelStream`: events are buffered so the stream can
 * be iterated and `result()` awaited in any order, and the result is assembled in one place for
 * every client (adapters, fake, recorder), so they all agree on what a call produced.
 */
import type {
  ErrorEvent,
  ModelEvent,
  ModelResult,
  ModelStream,
  ModelToolCall,
  ReasoningPart,
  StopReason,
} from "./model-client.js";
import { createErrorEvent, toHarnessError } from "./model-errors.js";

export interface ModelStreamOptions {
  /** Parse the text as JSON into `result.parsed` (the request had a responseSchema). */
  parseJson?: boolean;
}

export function createModelStream(
  source: AsyncIterable<ModelEvent>,
  options: ModelStreamOptions = {},
): ModelStream {
  const events: ModelEvent[] = [];
  let finished = false;
  let wake: Array<() => void> = [];
  let running: Promise<ModelResult> | undefined;

  const push = (event: ModelEvent) => {
    if (finished) return;
    events.push(event);
    const waiting = wake;
    wake = [];
    for (const resolve of waiting) resolve();
  };

  const run = async (): Promise<ModelResult> => {
    const assembly = createAssembly();
    let terminal: ModelEvent | undefined;
    try {
      for await (const event of source) {
        if (terminal) break;
        assembly.add(event);
        if (event.type === "done" && options.parseJson) {
          const failure = assembly.parseJson();
          if (failure) {
            assembly.add(failure);
            push(failure);
            terminal = failure;
            continue;
          }
        }
        push(event);
        if (event.type === "done" || event.type === "error") terminal = event;
      }
      if (!terminal) {
        terminal = createErrorEvent("network", "the stream ended before the model finished");
        assembly.add(terminal);
        push(terminal);
      }
    } catch (error) {
      // Sources should turn failures into events; anything thrown here is a bug in one of them.
      terminal = createErrorEvent("unknown", `model stream failed: ${describe(error)}`);
      assembly.add(terminal);
      push(terminal);
    } finally {
      finished = true;
      for (const resolve of wake) resolve();
      wake = [];
    }
    return assembly.finish();
  };

  const start = (): Promise<ModelResult> => {
    running ??= run();
    return running;
  };
  // The call starts now, not on first read; a rejection nobody asked for is not "unhandled".
  start().catch(noop);

  return {
    async *[Symbol.asyncIterator]() {
      for (let index = 0; ;) {
        const event = events[index];
        if (event) {
          index += 1;
          yield event;
        } else if (finished) {
          return;
        } else {
          await new Promise<void>((resolve) => wake.push(resolve));
        }
      }
    },
    result: start,
  };
}

function noop(): void {}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Collects events into a result; `finish` throws the typed error if the call failed. */
function createAssembly() {
  let text = "";
  const toolCalls: ModelToolCall[] = [];
  const reasoning: ReasoningPart[] = [];
  const usage = { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };
  let stopReason: StopReason | undefined;
  let failure: ErrorEvent | undefined;
  let parsed: unknown;
  let hasParsed = false;

  return {
    add(event: ModelEvent): void {
      switch (event.type) {
        case "text-delta":
          text += event.text;
          break;
        case "tool-call":
          toolCalls.push({ id: event.id, name: event.name, input: event.input });
          break;
        case "reasoning":
          reasoning.push({
            text: event.text,
            ...(event.signature === undefined ? {} : { signature: event.signature }),
            ...(event.redactedData === undefined ? {} : { redactedData: event.redactedData }),
          });
          break;
        case "usage":
          // Usage events add up, so a source may report input and output tokens separately.
          usage.inputTokens += event.inputTokens;
          usage.outputTokens += event.outputTokens;
          usage.cachedTokens += event.cachedTokens;
          break;
        case "done":
          stopReason = event.stopReason;
          break;
        case "error":
          failure ??= event;
          break;
      }
    },
    /** Returns an error event when the text is not JSON; only a finished answer is parsed. */
    parseJson(): ErrorEvent | undefined {
      if (stopReason === "refusal") return undefined;
      try {
        parsed = JSON.parse(text);
        hasParsed = true;
        return undefined;
      } catch (error) {
        const why = stopReason === "length" ? " (the answer was cut off at maxTokens)" : "";
        return createErrorEvent(
          "invalid-output",
          `structured output is not valid JSON${why}: ${describe(error)}`,
        );
      }
    },
    finish(): ModelResult {
      if (failure) throw toHarnessError(failure);
      return {
        text,
        toolCalls,
        reasoning,
        usage,
        stopReason: stopReason ?? "end",
        ...(hasParsed ? { parsed } : {}),
      };
    },
  };
}
