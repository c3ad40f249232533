/**
 * Same protocol on both sides: upstream bytes go to the client unchanged, as they arrive, never
 * re-serialized. Streams are cut only at event boundaries, so if the upstream breaks the client
 * holds whole events and can be given a clean error event after them. Usage is sniffed from the
 * edges of the answer (see usage-sniffer.ts).
 */
import type { RelayOptions, RelayResult } from "./response-relay.js";
import {
  asBuffer,
  isEventStream,
  lastEventBoundary,
  passThroughHeaders,
  writeToClient,
} from "./client-writes.js";
import { createUsageSniffer } from "./usage-sniffer.js";

export async function relaySameProtocol(options: RelayOptions): Promise<RelayResult> {
  const { upstream, res } = options;
  const sse = isEventStream(upstream.headers);
  const sniffer =
    upstream.status < 400 ? createUsageSniffer(options.backendProtocol, sse) : undefined;
  let written = false;
  let pending: Buffer | undefined;

  const start = () => {
    res.writeHead(upstream.status, passThroughHeaders(upstream.headers, options.backendName));
    written = true;
  };

  try {
    for await (const chunk of upstream.body) {
      options.onChunk();
      sniffer?.push(chunk);
      let data: Uint8Array = chunk;
      if (sse) {
        const bytes = asBuffer(chunk);
        const joined = pending ? Buffer.concat([pending, bytes]) : bytes;
        const cut = lastEventBoundary(joined);
        if (cut === -1) {
          pending = joined;
          continue;
        }
        pending = cut < joined.length ? joined.subarray(cut) : undefined;
        data = joined.subarray(0, cut);
      }
      if (!written) start();
      const wait = writeToClient(res, data);
      if (wait) await wait;
    }
  } catch (error) {
    return { written, error, eventStream: sse };
  }
  if (!written) start();
  res.end(pending);
  const usage = sniffer?.finish();
  return { written: true, eventStream: sse, ...(usage ? { usage } : {}) };
}
