/**
 * Server-sent events, as both wire formats stream them: `event: name` (Anthropic) and
 * `data: json` lines, separated by a blank line; OpenAI ends with `data: [DONE]`.
 */

export interface SseEvent {
  /** The `event:` field; OpenAI streams leave it out. */
  event?: string;
  /** The `data:` field (lines joined with "\n"). */
  data: string;
}

export function serializeSseEvent(event: SseEvent): string {
  const head = event.event ? `event: ${event.event}\n` : "";
  return `${head}${event.data
    .split("\n")
    .map((line) => `data: ${line}`)
    .join("\n")}\n\n`;
}

/**
 * Incremental parser: feed it chunks as they arrive, get the complete events so far.
 * Handles CRLF, comments (`: ping`), multi-line data and chunks split anywhere.
 */
export function createSseParser(): { push(chunk: string): SseEvent[]; end(): SseEvent[] } {
  let buffer = "";
  let eventName: string | undefined;
  let dataLines: string[] = [];

  const takeLine = (line: string, out: SseEvent[]) => {
    if (line === "") {
      if (dataLines.length > 0 || eventName !== undefined) {
        out.push({ ...(eventName ? { event: eventName } : {}), data: dataLines.join("\n") });
      }
      eventName = undefined;
      dataLines = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") eventName = value;
    else if (field === "data") dataLines.push(value);
  };

  return {
    push(chunk) {
      buffer += chunk;
      const out: SseEvent[] = [];
      let newline: number;
      while ((newline = buffer.search(/\r\n|\n|\r/)) !== -1) {
        const line = buffer.slice(0, newline);
        const width = buffer.startsWith("\r\n", newline) ? 2 : 1;
        // A lone "\r" at the end of a chunk may be half of "\r\n": wait for more.
        if (buffer[newline] === "\r" && newline + 1 === buffer.length) break;
        buffer = buffer.slice(newline + width);
        takeLine(line, out);
      }
      return out;
    },
    end() {
      const out: SseEvent[] = [];
      if (buffer !== "") takeLine(buffer, out);
      buffer = "";
      takeLine("", out);
      return out;
    },
  };
}
