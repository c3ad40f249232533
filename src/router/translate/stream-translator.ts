import type { SseEvent } from "../sse.js";

/**
 * Rewrites one upstream event stream into the caller's protocol. Feed every upstream event to
 * `push` in order and send what it returns; call `end` once when the upstream stream is over
 * (cleanly or not): it closes whatever is still open. Neither method throws.
 */
export interface StreamTranslator {
  push(event: SseEvent): SseEvent[];
  end(): SseEvent[];
}

/** Same protocol on both sides: events pass through untouched. */
export const passThroughStream: StreamTranslator = {
  push: (event) => [event],
  end: () => [],
};

/** `first`'s output fed through `second`: e.g. Anthropic -> chat completions -> Responses. */
export function chainStreamTranslators(
  first: StreamTranslator,
  second: StreamTranslator,
): StreamTranslator {
  return {
    push: (event) => first.push(event).flatMap((next) => second.push(next)),
    end: () => [...first.end().flatMap((next) => second.push(next)), ...second.end()],
  };
}
