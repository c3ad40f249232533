/**
 * Turns what Octokit throws into the harness's typed errors, with messages that say what failed
 * and what to do. The token never appears in them: nothing from the request is quoted, and any
 * text from the server passes through `redact` first (a proxy could echo a header back).
 * The Octokit error is not kept as `cause` either, so printing the error cannot leak it.
 */
import { AuthError, InputError, NetworkError, isHarnessError } from "../errors.js";

export interface GitHubCallContext {
  /** What was being done, completing "while trying to ...": "list the issues of octo/shop". */
  action: string;
  /** owner/name. */
  repo: string;
  /** The API base, for network failures. */
  baseUrl: string;
  /** The token, only so it can be cut out of server text. */
  token: string;
  /** Message for a 404 when the repository is known to exist (a missing issue number). */
  notFound?: string;
}

/** The parts of @octokit/request-error's RequestError this module reads. */
interface RequestErrorShape {
  status: number;
  message: string;
  response?: { headers: Record<string, string | number | undefined>; data: unknown };
}

const TOKEN_HINT =
  "set GITHUB_TOKEN to a token with repo scope (fine-grained: Issues and Pull requests " +
  "read/write on this repository), or run `gh auth login`";

function isRequestError(error: unknown): error is RequestErrorShape {
  return (
    error instanceof Error &&
    typeof (error as Partial<RequestErrorShape>).status === "number" &&
    error.name === "HttpError"
  );
}

function header(error: RequestErrorShape, name: string): string | undefined {
  const value = error.response?.headers[name];
  return value === undefined ? undefined : String(value);
}

function serverMessage(error: RequestErrorShape): string {
  const data = error.response?.data;
  if (typeof data === "object" && data !== null && "message" in data) {
    return String((data as { message: unknown }).message);
  }
  if (typeof data === "string" && data.trim() !== "") return data.trim().slice(0, 200);
  return error.message.replace(/ - https?:\/\/\S+$/, "");
}

/** GitHub's 422 `errors` entries, as short sentences. */
function validationMessages(error: RequestErrorShape): string[] {
  const data = error.response?.data as { errors?: unknown } | undefined;
  if (!Array.isArray(data?.errors)) return [];
  return data.errors.map((entry: unknown) => {
    if (typeof entry === "string") return entry;
    if (typeof entry !== "object" || entry === null) return String(entry);
    const item = entry as Record<string, unknown>;
    if (typeof item.message === "string") return item.message;
    const where = [item.resource, item.field].filter((part) => typeof part === "string").join(".");
    return [where, typeof item.code === "string" ? item.code : "invalid"].join(" ").trim();
  });
}

export function redact(text: string, token: string): string {
  return token.length >= 4 ? text.split(token).join("[redacted]") : text;
}

export function isRateLimited(error: RequestErrorShape): boolean {
  if (error.status !== 403 && error.status !== 429) return false;
  return (
    error.status === 429 ||
    header(error, "x-ratelimit-remaining") === "0" ||
    /secondary rate limit|rate limit exceeded/i.test(serverMessage(error))
  );
}

function rateLimitError(error: RequestErrorShape, context: GitHubCallContext): NetworkError {
  const why = `while trying to ${context.action}`;
  const resetSeconds = Number(header(error, "x-ratelimit-reset"));
  if (header(error, "x-ratelimit-remaining") === "0" && Number.isFinite(resetSeconds)) {
    const reset = new Date(resetSeconds * 1000);
    const minutes = Math.max(0, Math.ceil((reset.getTime() - Date.now()) / 60_000));
    const limit = header(error, "x-ratelimit-limit");
    return new NetworkError(
      `GitHub's API rate limit${limit ? ` (${limit} requests an hour)` : ""} is used up ${why}; ` +
        `it resets at ${reset.toISOString()} (in about ${minutes} min)`,
      {
        hint: "Run again after the reset; harness waits only briefly for a reset on its own.",
      },
    );
  }
  const retryAfter = header(error, "retry-after");
  return new NetworkError(
    `GitHub's secondary rate limit stopped the requests ${why}` +
      (retryAfter ? `; GitHub asks to wait ${retryAfter} s` : ""),
    { hint: "Run again in a few minutes, with fewer workers writing to GitHub at once." },
  );
}

function forbiddenError(error: RequestErrorShape, context: GitHubCallContext): AuthError {
  const needs: string[] = [];
  const permissions = header(error, "x-accepted-github-permissions");
  if (permissions) {
    // "a=write, b=read; c=admin": sets separated by ";" are alternatives, "," joins a set.
    const sets = permissions
      .split(";")
      .map((set) =>
        set
          .split(",")
          .map((part) => part.trim())
          .filter(Boolean)
          .join(" and "),
      )
      .filter(Boolean);
    needs.push(`the permission ${sets.join(" or ")}`);
  }
  const acceptedScopes = header(error, "x-accepted-oauth-scopes");
  const has = header(error, "x-oauth-scopes");
  const list = (value: string | undefined) =>
    (value ?? "")
      .split(",")
      .map((scope) => scope.trim())
      .filter(Boolean);
  // Classic tokens get these headers on every answer; they explain a 403 only when the token
  // has none of the scopes the route accepts.
  if (acceptedScopes && !list(acceptedScopes).some((scope) => list(has).includes(scope))) {
    needs.push(
      `one of the scopes ${acceptedScopes}${has !== undefined ? ` (it has: ${has || "none"})` : ""}`,
    );
  }
  const what = redact(serverMessage(error), context.token);
  return new AuthError(
    `GitHub refused the token permission to ${context.action} (403: ${what})` +
      (needs.length > 0 ? `: it needs ${needs.join(", and ")}` : ""),
    {
      hint:
        needs.length > 0
          ? `Give the token ${needs.join(" and ")} on ${context.repo}, or ${TOKEN_HINT}.`
          : `Check the token can write issues and pull requests on ${context.repo}; ${TOKEN_HINT}.`,
    },
  );
}

/**
 * The typed error for what a GitHub call threw. HarnessErrors pass through, and so does
 * anything that is not a failed request (a bug here should surface as one, not as "network").
 */
export function toGitHubError(error: unknown, context: GitHubCallContext): Error {
  if (isHarnessError(error)) return error;
  const why = `while trying to ${context.action}`;
  const aborted = error instanceof Error && error.name === "AbortError";
  if (aborted || (isRequestError(error) && error.response === undefined)) {
    // No response at all: DNS, refused connection, TLS, a reset, or an abort.
    const detail = redact(error.message, context.token);
    return new NetworkError(`Could not reach GitHub at ${context.baseUrl} ${why}: ${detail}`, {
      hint: "Check the network connection and proxy, and github's API URL for GitHub Enterprise.",
    });
  }
  if (!isRequestError(error)) return error instanceof Error ? error : new Error(String(error));
  const message = redact(serverMessage(error), context.token);
  if (isRateLimited(error)) return rateLimitError(error, context);
  switch (error.status) {
    case 401:
      return new AuthError(`GitHub refused the token ${why} (401: ${message})`, {
        hint: `The token was refused: ${TOKEN_HINT}.`,
      });
    case 403:
      return forbiddenError(error, context);
    case 404:
      return new InputError(
        context.notFound ?? `${context.repo} not found or the token cannot see it (404 ${why})`,
        {
          hint: context.notFound
            ? undefined
            : "Check github.repo in harness.config.yaml, and that the token can read that " +
              "repository (private repositories need the repo scope).",
        },
      );
    case 410:
    case 422: {
      const details = validationMessages(error).map((line) => redact(line, context.token));
      const text = details.length > 0 ? `${message}: ${details.join("; ")}` : message;
      return new InputError(`GitHub rejected the request ${why} (${error.status}: ${text})`, {
        hint: "The message above is GitHub's; fix what it names and run again.",
      });
    }
    default:
      if (error.status >= 500) {
        return new NetworkError(`GitHub failed ${why} (${error.status}: ${message})`, {
          hint: "GitHub had a problem; run again in a few minutes (githubstatus.com says more).",
        });
      }
      return new InputError(`GitHub answered ${error.status} ${why}: ${message}`);
  }
}
