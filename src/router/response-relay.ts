/**
 * Carries an upstream answer to the client. Same protocol: the bytes pass as they came. Other
 * protocol, or a dialect of it (the Responses API): the answer is parsed, translated and written
 * again. Either way the relay reports
 * whether any byte reached the client, because that decides whether the router may still retry
 * the request on another backend.
 */
import type { ServerResponse } from "node:http";
import type { TokenUsage, UpstreamResponse, WireProtocol } from "./backend.js";
import type { CallerDialect } from "./caller-dialect.js";
import { relaySameProtocol } from "./relay-same-protocol.js";
import { relayTranslated } from "./relay-translated.js";

/** One answer to relay; `onChunk` runs for every upstream chunk (watchdog, first-token time). */
export interface RelayOptions {
  upstream: UpstreamResponse;
  res: ServerResponse;
  callerProtocol: WireProtocol;
  backendProtocol: WireProtocol;
  requestedModel: string;
  backendName: string;
  /** Set when the caller spoke a dialect of `callerProtocol` (the Responses API). */
  dialect?: CallerDialect;
  onChunk(): void;
}

/** `error` set means the upstream broke; `written` tells whether the client saw any of it. */
export interface RelayResult {
  written: boolean;
  /** The client is getting server-sent events (so a break can end with an error event). */
  eventStream?: boolean;
  usage?: TokenUsage;
  error?: unknown;
}

export function relayResponse(options: RelayOptions): Promise<RelayResult> {
  return options.callerProtocol === options.backendProtocol && options.dialect === undefined
    ? relaySameProtocol(options)
    : relayTranslated(options);
}
