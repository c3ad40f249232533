/**
 * A dry run's plan: every document extracted and chunked as the run would, its prompts built
 * and measured, so the token estimate counts what would really be sent. Nothing is written and
 * no model is called.
 */
import { estimateTokens, needsTranslation, planChunks, type ChunkingOptions } from "./chunking.js";
import { glossaryEntriesIn, type LanguageGlossary } from "./glossary.js";
import { extractDocument } from "./translate-document.js";
import type { AdapterRegistry } from "./translate-files.js";
import { buildChunkUserMessage } from "./translate-prompt.js";
import {
  describeError,
  type Candidate,
  type PlannedDocument,
  type TranslateRunSummary,
} from "./translate-summary.js";
import type { AdapterOptions } from "./types.js";

/** Tokens an answer of these segments takes, about: their text plus the JSON around each. */
function estimateAnswerTokens(texts: readonly string[]): number {
  return texts.reduce((sum, text) => sum + estimateTokens(text) + 12, 8);
}

export interface DryRunContext {
  registry: AdapterRegistry;
  adapterOptions: AdapterOptions;
  chunking: ChunkingOptions;
  system: string;
  languageGlossary: LanguageGlossary;
}

/** Extracts every document to count its segments and estimate the tokens; writes nothing. */
export async function planDryRun(
  candidates: readonly Candidate[],
  summary: TranslateRunSummary,
  context: DryRunContext,
): Promise<void> {
  const plan: PlannedDocument[] = [];
  const estimate = { requests: 0, inputTokens: 0, outputTokens: 0 };
  const systemTokens = estimateTokens(context.system);
  for (const candidate of candidates) {
    const adapter = context.registry.adapterFor(candidate.file.absolute)!;
    try {
      const { document } = await extractDocument(
        candidate.file,
        adapter,
        context.adapterOptions,
        candidate.bytes,
      );
      const todo = document.segments.filter(needsTranslation);
      const chunks = planChunks(todo, context.chunking, document.segments);
      let inputTokens = 0;
      let outputTokens = 0;
      for (const chunk of chunks) {
        const text = chunk.segments.map((segment) => segment.text);
        const message = buildChunkUserMessage({
          chunk,
          glossary: glossaryEntriesIn(text.join("\n"), context.languageGlossary),
        });
        inputTokens += systemTokens + estimateTokens(message);
        outputTokens += estimateAnswerTokens(text);
      }
      const planned: PlannedDocument = {
        source: candidate.file.relative,
        format: document.format,
        status: candidate.current ? "unchanged" : "todo",
        segments: document.segments.length,
        toTranslate: todo.length,
        requests: chunks.length,
        inputTokens,
        outputTokens,
      };
      plan.push(planned);
      if (document.notes.length > 0) summary.notes[document.format] = document.notes;
      if (candidate.current) {
        summary.unchanged.push(candidate.file.relative);
        continue;
      }
      summary.segments.total += planned.segments;
      estimate.requests += planned.requests;
      estimate.inputTokens += inputTokens;
      estimate.outputTokens += outputTokens;
    } catch (error) {
      summary.failures.push({ source: candidate.file.relative, error: describeError(error) });
    }
  }
  summary.plan = plan;
  summary.estimate = estimate;
}
