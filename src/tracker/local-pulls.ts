/**
 * The local tracker's record of pull requests, `.harness/issues/pulls.json`. Nothing is opened
 * anywhere: the record lets the loop run offline and keeps the rule "one open PR per head
 * branch" checkable. A person closes one by setting its `state` to "closed"; `mergePullRequest`
 * records a merge as `merged: true` with the state "closed" (the branches are left alone).
 */
import { InputError } from "../errors.js";
import type { TrackedPullRequest } from "./types.js";

export const PULLS_FILE = "pulls.json";

export interface LocalPullRecord {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  labels: string[];
  draft: boolean;
  state: "open" | "closed";
  /** Set by `mergePullRequest`: merged PRs are closed too. Git is not touched. */
  merged?: boolean;
  /** ISO timestamp of the recorded merge. */
  mergedAt?: string;
  /** How it was merged ("merge" or "squash"). */
  mergeMethod?: string;
  created: string;
  updated: string;
  /** Comment text (marker line included) by marker. */
  comments: Record<string, string>;
}

export interface LocalPullsFile {
  about: string;
  pulls: LocalPullRecord[];
}

const ABOUT =
  "Pull requests recorded by harness's local tracker (no GitHub). One open PR per head branch; " +
  'set "state" to "closed" to close one.';

export function emptyPullsFile(): LocalPullsFile {
  return { about: ABOUT, pulls: [] };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readPull(value: unknown, index: number): LocalPullRecord {
  const where = `pulls[${index}]`;
  if (!isRecord(value)) throw new Error(`${where} is not an object`);
  const string = (key: string) => {
    const field = value[key];
    if (typeof field !== "string") throw new Error(`${where}.${key} must be a string`);
    return field;
  };
  const number = value.number;
  if (typeof number !== "number" || !Number.isInteger(number) || number < 1) {
    throw new Error(`${where}.number must be a whole number from 1`);
  }
  const state = string("state");
  if (state !== "open" && state !== "closed") {
    throw new Error(`${where}.state must be "open" or "closed"`);
  }
  const labels = value.labels ?? [];
  if (!Array.isArray(labels) || labels.some((label) => typeof label !== "string")) {
    throw new Error(`${where}.labels must be a list of strings`);
  }
  const comments = value.comments ?? {};
  if (!isRecord(comments) || Object.values(comments).some((text) => typeof text !== "string")) {
    throw new Error(`${where}.comments must map markers to text`);
  }
  return {
    number,
    head: string("head"),
    base: string("base"),
    title: string("title"),
    body: typeof value.body === "string" ? value.body : "",
    labels: labels as string[],
    draft: value.draft === true,
    state,
    ...(value.merged === true ? { merged: true } : {}),
    ...(typeof value.mergedAt === "string" ? { mergedAt: value.mergedAt } : {}),
    ...(typeof value.mergeMethod === "string" ? { mergeMethod: value.mergeMethod } : {}),
    created: string("created"),
    updated: string("updated"),
    comments: comments as Record<string, string>,
  };
}

/** Parses pulls.json; InputError naming the file when it cannot be trusted. */
export function parsePullsFile(text: string | undefined, file: string): LocalPullsFile {
  if (text === undefined || text.trim() === "") return emptyPullsFile();
  try {
    const data: unknown = JSON.parse(text);
    if (!isRecord(data) || !Array.isArray(data.pulls)) {
      throw new Error('it must be an object with a "pulls" list');
    }
    return { about: ABOUT, pulls: data.pulls.map(readPull) };
  } catch (error) {
    throw new InputError(`${file} is corrupt: ${(error as Error).message}`, {
      hint: "Fix it by hand (it is JSON), or delete it to forget the recorded pull requests.",
    });
  }
}

export function serializePullsFile(file: LocalPullsFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

export function toTrackedLocalPull(record: LocalPullRecord, file: string): TrackedPullRequest {
  return {
    number: record.number,
    url: `${file}#${record.number}`,
    head: record.head,
    base: record.base,
    title: record.title,
    body: record.body,
    labels: [...record.labels],
    draft: record.draft,
    state: record.state,
  };
}
