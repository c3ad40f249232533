/** A CommandContext for calling a command in-process, with what it prints captured. */
import { Writable } from "node:stream";

import type { CommandContext } from "../../src/commands/context.js";
import { createOutput } from "../../src/output.js";

export interface CaptureOptions {
  /** The folder the command acts on. */
  cwd: string;
  json?: boolean;
  /** The command's environment (`ctx.env`); `{ NO_COLOR: "1" }` unless given. */
  env?: NodeJS.ProcessEnv;
  /** A fresh, never-aborted signal unless given. */
  signal?: AbortSignal;
  /** Make stdout look like a terminal, so `output.interactive` is true outside json mode. */
  interactive?: boolean;
}

export interface CapturedCommand {
  ctx: CommandContext;
  /** Everything written to stdout and stderr, in the order it was written. */
  output(): string;
  /** Only what was written to stdout. */
  stdout(): string;
  /** Only what was written to stderr. */
  stderr(): string;
}

/** Output never colours: it is created with `NO_COLOR=1` whatever `env` says. */
export function captureCommand(options: CaptureOptions): CapturedCommand {
  const all: string[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) =>
    new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        into.push(String(chunk));
        all.push(String(chunk));
        done();
      },
    });
  const stdout = options.interactive ? Object.assign(sink(out), { isTTY: true }) : sink(out);
  const output = createOutput({
    json: options.json,
    env: { NO_COLOR: "1" },
    streams: { stdout, stderr: sink(err) },
  });
  return {
    ctx: {
      cwd: options.cwd,
      env: options.env ?? { NO_COLOR: "1" },
      output,
      stdin: process.stdin,
      signal: options.signal ?? new AbortController().signal,
    },
    output: () => all.join(""),
    stdout: () => out.join(""),
    stderr: () => err.join(""),
  };
}

/** Every line of json-mode output, parsed. */
export function jsonRecords(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The command's `{"type":"result"}` record among json-mode output lines. */
export function resultRecord(stdout: string): Record<string, unknown> | undefined {
  return jsonRecords(stdout).find((record) => record["type"] === "result");
}
