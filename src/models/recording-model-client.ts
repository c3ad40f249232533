/**
 * Records real model calls in the script format the fake replays: wrap a real client, run the
 * workflow once, and the file can drive the same workflow offline (`loadScript` +
 * `FakeModelClient`, or `--fake-responses FILE`). The file holds prompts and answers, so it is
 * written only where the caller asks; API keys are never part of a request and never recorded.
 */
import { appendFile } from "node:fs/promises";
import type { ModelClient, ModelEvent, ModelRequest, ModelStream } from "./model-client.js";
import { formatScriptLine } from "./model-script.js";
import { createModelStream } from "./model-stream.js";

/**
 * A client that answers through `inner` and appends one line per finished call to `file`.
 * Lines are written in the order calls finish; `result()` resolves after its line is written.
 */
export function recordingModelClient(inner: ModelClient, file: string): ModelClient {
  // Appends are chained so concurrent calls never interleave their lines.
  let writes: Promise<void> = Promise.resolve();
  const append = (line: string): Promise<void> => {
    writes = writes.then(() => appendFile(file, line, "utf8"));
    return writes;
  };
  return {
    stream(request: ModelRequest): ModelStream {
      return createModelStream(record(inner.stream(request), request, append), {
        parseJson: request.responseSchema !== undefined,
      });
    },
  };
}

async function* record(
  source: AsyncIterable<ModelEvent>,
  request: ModelRequest,
  append: (line: string) => Promise<void>,
): AsyncGenerator<ModelEvent> {
  const events: ModelEvent[] = [];
  for await (const event of source) {
    events.push(event);
    yield event;
  }
  await append(formatScriptLine(request, events));
}
