/**
 * A GitHub for tests: the `emulate` package's stateful GitHub REST emulator (pinned 0.12.2),
 * started in-process on a loopback port, behind a small front on another loopback port that
 * the code under test talks to.
 *
 * Why this shape:
 * - `npx emulate` (the CLI) cannot start on Node 20: its entry imports `registerHooks` from
 *   node:module, a Node 22 API, for loading TypeScript config files. The programmatic API
 *   (`createEmulator` from the package root, dist/api.js) never loads that code and runs on
 *   Node 20, so tests use it.
 * - The front forwards every request to the emulator unchanged, except:
 *   - faults a test arms (`fail`): an answer GitHub gives that the emulator never does (401 for
 *     a bad token: the emulator accepts any token; 403 with GitHub's permission headers; rate
 *     limits; a validation 422 with GitHub's `errors`) or a dropped connection;
 *   - GitHub lists pull requests among issues (with a `pull_request` key) and the emulator does
 *     not, so the front appends the open pull requests the emulator has (updated at or after
 *     `since`) to the last page of every issue listing, to keep the tracker's filter under test;
 *   - Link headers are rewritten to point at the front, so later pages pass through it too.
 * - Other gaps of the emulator, which the tracker's tests account for: it accepts a second PR
 *   for the same head branch (GitHub answers 422), and its 422s carry no `errors` list.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { createEmulator, type Emulator } from "emulate";

export type EmulatedUser = "owner" | "collaborator" | "stranger";

export interface FaultRule {
  method?: string;
  /** Matched against the path and query, e.g. /\/issues\/\d+\/comments/. */
  path: RegExp;
  /** How many matching requests it answers; default 1. */
  times?: number;
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Close the connection without an answer instead (a network failure). */
  drop?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  /** The status the front answered with. */
  status: number;
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  data: unknown;
}

export interface GitHubEmulator {
  /** The base URL to give Octokit: the front. */
  url: string;
  owner: string;
  repo: string;
  /** owner/name. */
  fullName: string;
  /** Random per run, so a test can check a token never shows up anywhere. */
  tokens: Record<EmulatedUser, string>;
  logins: Record<EmulatedUser, string>;
  /** Every request the front received, in order. */
  requests: RecordedRequest[];
  /** Calls the emulator directly (no faults, not recorded), as a user. */
  api(method: string, path: string, body?: unknown, as?: EmulatedUser): Promise<ApiAnswer>;
  createIssue(
    input: { title: string; body?: string; labels?: string[] },
    as?: EmulatedUser,
  ): Promise<number>;
  /** Answers matching requests with `rule` instead of forwarding them. */
  fail(rule: FaultRule): void;
  /** Disarms every fault not used up yet. */
  clearFaults(): void;
  close(): Promise<void>;
}

const FORWARDED_REQUEST_HEADERS = ["authorization", "content-type", "accept", "user-agent"];
const DROPPED_RESPONSE_HEADERS = new Set([
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "content-encoding",
]);

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startGitHubEmulator(
  options: {
    owner?: string;
    repo?: string;
    /** Tokens to use instead of the random ones (e.g. one shaped like a real `ghp_` token). */
    tokens?: Partial<Record<EmulatedUser, string>>;
  } = {},
): Promise<GitHubEmulator> {
  const owner = options.owner ?? "octo";
  const repo = options.repo ?? "shop";
  const logins: Record<EmulatedUser, string> = {
    owner,
    collaborator: "helper",
    stranger: "passerby",
  };
  const tokens: Record<EmulatedUser, string> = {
    owner: `ghp_owner${randomBytes(12).toString("hex")}`,
    collaborator: `ghp_helper${randomBytes(12).toString("hex")}`,
    stranger: `ghp_passerby${randomBytes(12).toString("hex")}`,
    ...options.tokens,
  };
  const emulator: Emulator = await createEmulator({
    service: "github",
    port: 0,
    hostname: "127.0.0.1",
    seed: {
      tokens: Object.fromEntries(
        (Object.keys(tokens) as EmulatedUser[]).map((user) => [
          tokens[user],
          { login: logins[user], scopes: ["repo", "user"] },
        ]),
      ),
      github: {
        users: Object.values(logins).map((login) => ({ login })),
        repos: [{ owner, name: repo }],
      },
    },
  });
  const upstream = `http://127.0.0.1:${new URL(emulator.url).port}`;
  const upstreamOrigins = [emulator.url.replace(/\/+$/, ""), upstream];

  const api = async (
    method: string,
    path: string,
    body?: unknown,
    as: EmulatedUser = "owner",
  ): Promise<ApiAnswer> => {
    const response = await fetch(`${upstream}${path}`, {
      method,
      headers: {
        authorization: `token ${tokens[as]}`,
        "content-type": "application/json",
        accept: "application/vnd.github+json",
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      data: text ? JSON.parse(text) : null,
    };
  };

  const added = await api("PUT", `/repos/${owner}/${repo}/collaborators/${logins.collaborator}`, {
    permission: "push",
  });
  if (added.status >= 300) throw new Error(`could not add the collaborator: ${added.status}`);

  const faults: (FaultRule & { left: number })[] = [];
  const requests: RecordedRequest[] = [];
  let frontUrl = "";

  /** The open pull requests as GitHub's issue listing shows them. */
  const pullsAsIssues = async (since: string | null): Promise<unknown[]> => {
    const answer = await api("GET", `/repos/${owner}/${repo}/pulls?state=open&per_page=100`);
    const pulls = answer.data as {
      number: number;
      updated_at: string;
      url: string;
      html_url: string;
    }[];
    const issues: unknown[] = [];
    for (const pull of pulls) {
      if (since && pull.updated_at < since) continue;
      const { data } = await api("GET", `/repos/${owner}/${repo}/pulls/${pull.number}`);
      const full = data as Record<string, unknown>;
      issues.push({
        ...full,
        pull_request: { url: pull.url, html_url: pull.html_url, merged_at: null },
      });
    }
    return issues;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const method = request.method ?? "GET";
    const path = request.url ?? "/";
    const body = await readBody(request);
    const record: RecordedRequest = {
      method,
      path,
      authorization: request.headers.authorization,
      status: 0,
    };
    requests.push(record);

    const fault = faults.find(
      (rule) => rule.left > 0 && (!rule.method || rule.method === method) && rule.path.test(path),
    );
    if (fault) {
      fault.left--;
      if (fault.drop) {
        record.status = -1;
        request.socket.destroy();
        return;
      }
      record.status = fault.status ?? 500;
      response.writeHead(record.status, {
        "content-type": "application/json; charset=utf-8",
        ...fault.headers,
      });
      response.end(JSON.stringify(fault.body ?? { message: "injected failure" }));
      return;
    }

    const headers: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = request.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    const answer = await fetch(`${upstream}${path}`, {
      method,
      headers,
      body: body.length > 0 ? body : undefined,
    });
    let text = await answer.text();
    const outgoing: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (DROPPED_RESPONSE_HEADERS.has(name)) return;
      let rewritten = value;
      for (const origin of upstreamOrigins) rewritten = rewritten.split(origin).join(frontUrl);
      outgoing[name] = rewritten;
    });

    const url = new URL(path, upstream);
    const isIssueList = method === "GET" && url.pathname === `/repos/${owner}/${repo}/issues`;
    const isLastPage = !/rel="next"/.test(outgoing.link ?? "");
    const state = url.searchParams.get("state") ?? "open";
    if (answer.status === 200 && isIssueList && isLastPage && state !== "closed") {
      const listed = JSON.parse(text) as unknown[];
      text = JSON.stringify([...listed, ...(await pullsAsIssues(url.searchParams.get("since")))]);
    }
    record.status = answer.status;
    response.writeHead(answer.status, outgoing);
    response.end(text);
  };

  const front = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      // A bug in the front itself: say so in the answer rather than hang the test.
      if (!response.headersSent) response.writeHead(502, { "content-type": "application/json" });
      response.end(JSON.stringify({ message: `the test front failed: ${String(error)}` }));
    });
  });
  frontUrl = `http://127.0.0.1:${await listen(front)}`;

  return {
    url: frontUrl,
    owner,
    repo,
    fullName: `${owner}/${repo}`,
    tokens,
    logins,
    requests,
    api,
    async createIssue(input, as = "owner") {
      const answer = await api("POST", `/repos/${owner}/${repo}/issues`, input, as);
      if (answer.status !== 201) throw new Error(`creating an issue failed: ${answer.status}`);
      return (answer.data as { number: number }).number;
    },
    fail(rule) {
      faults.push({ ...rule, left: rule.times ?? 1 });
    },
    clearFaults() {
      faults.length = 0;
    },
    async close() {
      front.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await emulator.close();
    },
  };
}
