/**
 * `harness translate <paths or globs...> --to <lang>`: batch translation of documents through
 * the router, in batches of at most `--batch` documents on at most `--workers` workers, each
 * format kept as it is (`src/translate/`). Progress: the fan-out view on a terminal, a line per
 * batch and per document otherwise, JSON lines with `--json` (and a final `result` record).
 * A report goes to `reports/translate-<date>-<lang>.md`; `--dry-run` lists the work with a
 * token estimate and writes nothing.
 *
 * Exit codes: 0 when every document was translated (or was unchanged); 1 when a file could not
 * be translated (unsupported, corrupt, a model failure), the others still being done;
 * 130 when cancelled (what finished is kept; a rerun continues).
 */
import path from "node:path";
import { requireConfig } from "../config/load-config.js";
import type { HarnessConfig } from "../config/schema.js";
import { ExitCode, InputError } from "../errors.js";
import type { EventSink, HarnessEvent } from "../events.js";
import { findRepoRoot } from "../queue/open-queue.js";
import type { DocumentUpdate, TranslateRunSummary } from "../translate/translate-run.js";
import type { CommandContext, CommandResult } from "./context.js";

export interface TranslateCommandOptions {
  /** Target language code. */
  to?: string;
  /** Source language code; default "auto" (the model detects it). */
  from?: string;
  workers?: number;
  batch?: number;
  out?: string;
  inPlace?: boolean;
  glossary?: string;
  model?: string;
  dryRun?: boolean;
  config?: string;
}

/** BCP 47-like codes: "ko", "de", "pt-BR", "zh-Hant". They name folders, so nothing else. */
const languagePattern = /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,3}$/;

function checkLanguage(flag: string, value: string | undefined, allowAuto: boolean): void {
  if (value === undefined || (allowAuto && value === "auto")) return;
  if (!languagePattern.test(value)) {
    throw new InputError(`${flag} must be a language code such as ko, de or pt-BR, not "${value}"`);
  }
}

function wholeNumber(flag: string, value: number | undefined, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new InputError(`${flag} must be a whole number from 1 to ${max}, not ${value}`);
  }
}

/** The model for translation: --model, else `models.tasks.translate`, else `models.default`. */
export function translationModel(config: HarnessConfig, model?: string): string {
  if (model) return model;
  const tasks = config.models.tasks;
  return (Object.hasOwn(tasks, "translate") ? tasks.translate : undefined) ?? config.models.default;
}

export function formatDocumentUpdate(update: DocumentUpdate): string {
  const progress = `[${update.documentsDone}/${update.documentsTotal}]`;
  if (update.status === "failed")
    return `${progress} ${update.source}: failed: ${update.error ?? ""}`;
  const flagged = update.flagged > 0 ? `, ${update.flagged} flagged` : "";
  return (
    `${progress} ${update.source}: ${update.segments} segments${flagged} ` +
    `(${update.segmentsDone} segments done so far)`
  );
}

export function formatTranslateSummary(summary: TranslateRunSummary): string[] {
  const lines: string[] = [];
  for (const problem of summary.problems) lines.push(`skipped ${problem.path}: ${problem.message}`);
  for (const failure of summary.failures) lines.push(`failed ${failure.source}: ${failure.error}`);
  if (summary.dryRun) {
    for (const planned of summary.plan ?? []) {
      const state = planned.status === "unchanged" ? "unchanged, skipped" : "to translate";
      lines.push(
        `${planned.source} (${planned.format}): ${state}, ${planned.toTranslate}/${planned.segments} ` +
          `segments, ${planned.requests} request(s), ~${planned.inputTokens} tokens in, ` +
          `~${planned.outputTokens} out`,
      );
    }
    const estimate = summary.estimate ?? { requests: 0, inputTokens: 0, outputTokens: 0 };
    lines.push(
      `dry run: ${(summary.plan ?? []).filter((p) => p.status === "todo").length} document(s) ` +
        `to translate to ${summary.language}, ${summary.unchanged.length} unchanged; ` +
        `~${estimate.requests} requests, ~${estimate.inputTokens} tokens in, ` +
        `~${estimate.outputTokens} tokens out (estimates); nothing written`,
    );
    return lines;
  }
  for (const flag of summary.flagged) {
    lines.push(`flagged ${flag.source} segment ${flag.index} (${flag.kind}): ${flag.reason}`);
  }
  const parts = [
    `${summary.translated.length} translated`,
    `${summary.unchanged.length} unchanged`,
    ...(summary.failures.length > 0 ? [`${summary.failures.length} failed`] : []),
    ...(summary.cancelled.length > 0 ? [`${summary.cancelled.length} left for the next run`] : []),
    ...(summary.problems.length > 0 ? [`${summary.problems.length} skipped`] : []),
  ];
  lines.push(
    `${summary.documents} document(s) to ${summary.language}: ${parts.join(", ")}; ` +
      `${summary.segments.translated} segment(s) translated, ${summary.segments.flagged} flagged, ` +
      `${summary.tokens.input + summary.tokens.output} tokens, ${summary.requests} request(s)`,
  );
  return lines;
}

export async function runTranslateCommand(
  paths: readonly string[],
  options: TranslateCommandOptions,
  ctx: CommandContext,
): Promise<CommandResult> {
  const { output } = ctx;
  if (paths.length === 0) {
    throw new InputError("name the documents to translate: files, folders or globs", {
      hint: 'e.g. harness translate "docs/**/*.md" --to ko',
    });
  }
  if (!options.to) {
    throw new InputError("--to is required: the language to translate into", {
      hint: "e.g. --to ko",
    });
  }
  checkLanguage("--to", options.to, false);
  checkLanguage("--from", options.from, true);
  wholeNumber("--workers", options.workers, 64);
  wholeNumber("--batch", options.batch, 50);
  if (options.inPlace && options.out !== undefined) {
    throw new InputError("--out and --in-place cannot be used together");
  }
  const language = options.to;
  const loaded = await requireConfig({ cwd: ctx.cwd, env: ctx.env, file: options.config });
  const config = loaded.config;
  const repoRoot = findRepoRoot(ctx.cwd, loaded.path);
  const outDir = options.inPlace
    ? undefined
    : options.out !== undefined
      ? path.resolve(ctx.cwd, options.out)
      : path.join(repoRoot, "translated", language);
  if (outDir !== undefined) {
    const relative = path.relative(repoRoot, outDir);
    if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative)) {
      throw new InputError(`--out must be a folder inside the repository, not ${outDir}`, {
        hint: `e.g. --out translated/${language}`,
      });
    }
  }

  const [
    { runTranslation },
    { emptyGlossary, loadGlossary },
    registry,
    { openTranslationQueue },
    { writeTranslateReport },
  ] = await Promise.all([
    import("../translate/translate-run.js"),
    import("../translate/glossary.js"),
    import("../translate/formats/index.js"),
    import("../translate/translate-queue.js"),
    import("../translate/translate-report.js"),
  ]);
  const glossaryFile = options.glossary
    ? path.resolve(ctx.cwd, options.glossary)
    : config.translate.glossary
      ? path.resolve(repoRoot, config.translate.glossary)
      : undefined;
  const glossary = glossaryFile ? await loadGlossary(glossaryFile) : emptyGlossary;
  const model = translationModel(config, options.model);
  const batchSize = options.batch ?? config.fanOut.maxItemsPerWorker;
  const common = {
    repoRoot,
    cwd: ctx.cwd,
    inputs: paths,
    to: language,
    ...(options.from && options.from !== "auto" ? { from: options.from } : {}),
    batchSize,
    outDir,
    glossary,
    model,
    config,
    registry,
    signal: ctx.signal,
  };

  if (options.dryRun) {
    const summary = await runTranslation({
      ...common,
      workers: options.workers ?? 1,
      dryRun: true,
      openQueue: () => Promise.reject(new Error("a dry run opens no queue")),
    });
    for (const line of formatTranslateSummary(summary)) output.line(line);
    output.record({ type: "result", command: "translate", ...summary });
    const failed = summary.failures.length + summary.problems.length > 0;
    return { exitCode: failed ? ExitCode.failed : ExitCode.ok };
  }

  const [{ connectRouter }, { createModelClient }, { capacityFrom }, reporterModule] =
    await Promise.all([
      import("../workflows/router-connection.js"),
      import("../models/create-model-client.js"),
      import("../queue/router-capacity.js"),
      import("../ui/fan-out-reporter.js"),
    ]);
  const warnings: EventSink = {
    emit: (event: HarnessEvent) => {
      if (event.type === "warning-raised") output.warn(event.message);
    },
  };
  const router = await connectRouter({
    config,
    events: warnings,
    onProgress: ({ backend, downloadedBytes, totalBytes }) =>
      output.progress(`downloading model for ${backend}`, downloadedBytes, totalBytes),
  });
  if (router.started) output.line(output.style.dim(`router started in-process at ${router.url}`));
  const mode = reporterModule.fanOutReporterMode(output);
  // Plain lines go through Output like every other line; the live view needs the terminal.
  const lineStream = {
    write(text: string) {
      for (const line of text.replace(/\n$/, "").split("\n")) output.line(line);
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const reporter =
    mode === "json"
      ? { emit: (event: HarnessEvent) => output.event(event), close: async () => undefined }
      : await reporterModule.createFanOutReporter({
          mode,
          stdout: mode === "tty" ? process.stdout : lineStream,
          label: `translate → ${language}`,
        });
  let summary: TranslateRunSummary;
  try {
    const client = createModelClient({
      protocol: "openai",
      baseURL: router.url,
      ...(router.token ? { apiKey: router.token } : {}),
    });
    const configuredCap = config.fanOut.maxWorkers;
    summary = await runTranslation({
      ...common,
      client,
      workers: options.workers ?? "auto",
      capacity: capacityFrom(router.url, router.token ? { token: router.token } : {}),
      ...(configuredCap === "auto" ? {} : { maxWorkers: configuredCap }),
      openQueue: () => openTranslationQueue({ config, repoRoot, language, events: warnings }),
      events: reporter,
      onDocument: (update) => {
        if (mode === "plain") output.line(formatDocumentUpdate(update));
        else if (mode === "json") output.record({ type: "document-translated", ...update });
      },
    });
  } finally {
    await reporter.close();
    await router.close();
  }
  let reportPath: string | undefined;
  if (summary.translated.length + summary.failures.length + summary.cancelled.length > 0) {
    reportPath = await writeTranslateReport(repoRoot, summary);
  }
  for (const line of formatTranslateSummary(summary)) output.line(line);
  if (reportPath) output.line(`report: ${reportPath}`);
  output.record({
    type: "result",
    command: "translate",
    ...summary,
    ...(reportPath ? { report: reportPath } : {}),
  });
  if (summary.aborted || ctx.signal.aborted) return { exitCode: ExitCode.cancelled };
  const failed = summary.failures.length + summary.problems.length > 0;
  return { exitCode: failed ? ExitCode.failed : ExitCode.ok };
}
