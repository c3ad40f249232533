/**
 * How many requests the model router can serve at once: the capacity behind
 * `fanOut({ concurrency: "auto" })`. Read from the router's GET /status as the sum of `slots` of
 * the backends that can take work (state available or busy). It is total healthy capacity, not
 * free slots: the fan-out's own requests must not shrink it while they run.
 */
import { NetworkError } from "../errors.js";
import type { RouterStatus } from "../router/router-status.js";

export interface RouterCapacityOptions {
  /** The router's bearer token (config `router.token`), when it has one. */
  token?: string;
  /** Give up after this long. Default 5000. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const healthyStates: ReadonlySet<string> = new Set(["available", "busy"]);

/** Sum of `slots` over healthy backends. Throws NetworkError when the router cannot be read. */
export async function routerCapacity(
  routerUrl: string,
  fetchImpl: typeof fetch = fetch,
  options: RouterCapacityOptions = {},
): Promise<number> {
  const base = routerUrl.replace(/\/+$/, "");
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 5_000);
  let response: Response;
  try {
    response = await fetchImpl(`${base}/status`, {
      headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
    });
  } catch (error) {
    throw new NetworkError(`cannot reach the router at ${base} (${(error as Error).message})`, {
      hint: "start it with `harness router start`, or check the router URL",
      cause: error,
    });
  }
  if (!response.ok) {
    throw new NetworkError(`the router at ${base} answered ${response.status} for /status`, {
      hint: response.status === 401 ? "set router.token to the router's token" : undefined,
    });
  }
  let status: Partial<RouterStatus>;
  try {
    status = (await response.json()) as Partial<RouterStatus>;
  } catch (error) {
    throw new NetworkError(`the router at ${base} sent a /status that is not JSON`, {
      hint: "is that URL a harness router?",
      cause: error,
    });
  }
  if (!Array.isArray(status.backends)) {
    throw new NetworkError(`the router at ${base} sent a /status without a backends list`, {
      hint: "is that URL a harness router?",
    });
  }
  let slots = 0;
  for (const backend of status.backends) {
    if (!healthyStates.has(String(backend?.state))) continue;
    const backendSlots = Number(backend.slots);
    if (Number.isFinite(backendSlots) && backendSlots > 0) slots += backendSlots;
  }
  return slots;
}

/** `capacity` for `fanOut`: reads the router's capacity each time it is called. */
export function capacityFrom(
  routerUrl: string,
  options: RouterCapacityOptions & { fetch?: typeof fetch } = {},
): () => Promise<number> {
  const { fetch: fetchImpl = fetch, ...rest } = options;
  return () => routerCapacity(routerUrl, fetchImpl, rest);
}
