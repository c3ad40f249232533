/**
 * The router's one credential: when `router.token` is set, every request except the health
 * probes must carry it as `Authorization: Bearer <token>` (OpenAI clients) or `x-api-key`
 * (Anthropic clients, Claude Code). Compared in constant time.
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/** True when the request may pass; always true when no token is configured. */
export type TokenCheck = (headers: IncomingHttpHeaders) => boolean;

export function createTokenCheck(token: string): TokenCheck {
  if (token === "") return () => true;
  const expected = Buffer.from(token);
  const matches = (offered: string) => {
    const candidate = Buffer.from(offered);
    return candidate.length === expected.length && timingSafeEqual(candidate, expected);
  };
  return (headers) => {
    const authorization = headers.authorization;
    if (typeof authorization === "string" && /^bearer /i.test(authorization)) {
      if (matches(authorization.slice(7).trim())) return true;
    }
    const apiKey = headers["x-api-key"];
    return typeof apiKey === "string" && matches(apiKey);
  };
}
