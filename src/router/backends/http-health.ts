/**
 * Health of an HTTP backend. llama-server: GET /health is 200 when ready and 503 while the model
 * loads (warming, not down); its slot count comes from /props `total_slots`, or the length of
 * /slots on builds without it. Other kinds: GET /v1/models answering 2xx means ready.
 */
import type { Pool } from "undici";
import type { BackendHealth } from "../backend.js";
import type { BackendProfile } from "./backend-profiles.js";

/** One health check's inputs; the signal carries the check's timeout. */
export interface HttpHealthCheck {
  pool: Pool;
  basePath: string;
  profile: BackendProfile;
  headers: Record<string, string>;
  configuredSlots?: number;
  readSlots: boolean;
  signal: AbortSignal;
}

export async function checkHttpHealth(check: HttpHealthCheck): Promise<BackendHealth> {
  const path = check.basePath + check.profile.healthPath;
  try {
    const { status, text } = await getText(check, path);
    if (status >= 200 && status < 300) {
      const slots = check.configuredSlots ?? (check.readSlots ? await readSlots(check) : undefined);
      return { readiness: "ready", ...(slots !== undefined ? { slots } : {}) };
    }
    if (status === 503 && check.profile.warmingOn503) {
      return { readiness: "warming", detail: errorMessageOf(text) ?? "loading the model" };
    }
    const hint = status === 401 || status === 403 ? " (check the backend's apiKey)" : "";
    return { readiness: "down", detail: `GET ${path} answered ${status}${hint}` };
  } catch (error) {
    return { readiness: "down", detail: describeError(error) };
  }
}

async function getText(
  check: HttpHealthCheck,
  path: string,
): Promise<{ status: number; text: string }> {
  const response = await check.pool.request({
    method: "GET",
    path,
    headers: check.headers,
    signal: check.signal,
  });
  return { status: response.statusCode, text: await response.body.text() };
}

async function readSlots(check: HttpHealthCheck): Promise<number | undefined> {
  const props = await getJson(check, "/props");
  if (isRecord(props) && typeof props.total_slots === "number" && props.total_slots > 0) {
    return props.total_slots;
  }
  const slots = await getJson(check, "/slots");
  return Array.isArray(slots) && slots.length > 0 ? slots.length : undefined;
}

// Slot discovery is best effort: a server without /props or /slots still serves requests.
async function getJson(check: HttpHealthCheck, path: string): Promise<unknown> {
  try {
    const { status, text } = await getText(check, check.basePath + path);
    return status === 200 ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

function errorMessageOf(text: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    const error = isRecord(parsed) ? parsed.error : undefined;
    return isRecord(error) && typeof error.message === "string" ? error.message : undefined;
  } catch {
    return undefined;
  }
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? `${code}: ${error.message}` : error.message;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
