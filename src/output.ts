/**
 * The only module that writes to the terminal. Two modes:
 * - human: text lines on stdout, problems on stderr, colour only on a TTY without NO_COLOR;
 * - json: one JSON object per line on stdout (events, diagnostics, the final result), nothing else.
 */
import type { HarnessEvent } from "./events.js";

export interface OutputStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

export interface Output {
  readonly json: boolean;
  /** True when a person is watching: spinners and prompts are allowed. */
  readonly interactive: boolean;
  readonly style: Style;
  /** A line of human text on stdout (ignored in json mode). */
  line(text?: string): void;
  /** A warning for a person (json: {"type":"warning"}). */
  warn(message: string): void;
  /** An error for a person (json: {"type":"error"}). */
  error(message: string, hint?: string): void;
  /** One JSON object per line in json mode; ignored in human mode. */
  record(value: Record<string, unknown>): void;
  /** Engine events: json mode prints them, human mode lets the command render. */
  event(event: HarnessEvent): void;
  /**
   * Progress of long work (a model download): a redrawn bar on a TTY, a line per 10% otherwise,
   * `{"type":"progress"}` objects in json mode. `fraction` undefined means unknown size.
   */
  progress(label: string, done: number, total?: number): void;
}

export interface OutputOptions {
  json?: boolean;
  streams?: OutputStreams;
  env?: NodeJS.ProcessEnv;
}

export function shouldUseColor(
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv,
  json: boolean,
): boolean {
  if (json) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}

function createStyle(enabled: boolean): Style {
  const wrap = (open: number, close: number) => (text: string) =>
    enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

export function createOutput(options: OutputOptions = {}): Output {
  const json = options.json ?? false;
  const streams = options.streams ?? { stdout: process.stdout, stderr: process.stderr };
  const env = options.env ?? process.env;
  const style = createStyle(shouldUseColor(streams.stdout, env, json));
  const errorStyle = createStyle(shouldUseColor(streams.stderr, env, json));
  const writeJson = (value: Record<string, unknown>) =>
    streams.stdout.write(`${JSON.stringify(value)}\n`);

  const progressSteps = new Map<string, number>();
  const progressOnTty = streams.stderr.isTTY === true && env.CI !== "true";

  return {
    json,
    interactive: !json && streams.stdout.isTTY === true && env.CI !== "true",
    style,
    line(text = "") {
      if (!json) streams.stdout.write(`${text}\n`);
    },
    warn(message) {
      if (json) writeJson({ type: "warning", message });
      else streams.stderr.write(`${errorStyle.yellow("warning:")} ${message}\n`);
    },
    error(message, hint) {
      if (json) writeJson({ type: "error", message, ...(hint ? { hint } : {}) });
      else {
        streams.stderr.write(`${errorStyle.red("error:")} ${message}\n`);
        if (hint) streams.stderr.write(`${errorStyle.dim("hint:")} ${hint}\n`);
      }
    },
    record(value) {
      if (json) writeJson(value);
    },
    event(event) {
      if (json) writeJson(event);
    },
    progress(label, done, total) {
      const fraction = total ? Math.min(1, done / total) : undefined;
      if (json) {
        const step = fraction === undefined ? -1 : Math.floor(fraction * 100);
        if (progressSteps.get(label) === step && fraction !== 1) return;
        progressSteps.set(label, step);
        writeJson({ type: "progress", label, done, ...(total ? { total } : {}) });
        return;
      }
      const amount = formatBytes(done) + (total ? ` / ${formatBytes(total)}` : "");
      if (progressOnTty) {
        const width = 30;
        const filled = fraction === undefined ? 0 : Math.round(fraction * width);
        const bar =
          fraction === undefined ? "" : `[${"#".repeat(filled)}${" ".repeat(width - filled)}] `;
        const percent = fraction === undefined ? "" : `${Math.floor(fraction * 100)}% `;
        streams.stderr.write(
          `\r${label} ${bar}${percent}${amount}\u001b[K${fraction === 1 ? "\n" : ""}`,
        );
        return;
      }
      const step =
        fraction === undefined ? Math.floor(done / 100_000_000) : Math.floor(fraction * 10);
      if (progressSteps.get(label) === step) return;
      progressSteps.set(label, step);
      const percent = fraction === undefined ? "" : ` ${step * 10}%`;
      streams.stderr.write(`${label}${percent} (${amount})\n`);
    },
  };
}

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
