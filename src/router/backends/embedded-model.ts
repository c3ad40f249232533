/**
 * Finding and loading the embedded backend's model: a local GGUF path, or a Hugging Face / URL
 * reference that node-llama-cpp downloads into the harness models folder on first use.
 */
import { open } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import {
  getLlama,
  LlamaChat,
  LlamaLogLevel,
  resolveChatWrapper,
  resolveModelFile,
  type ChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaModel,
} from "node-llama-cpp";
import { ConfigError, NetworkError } from "../../errors.js";

/** Download progress as the backend reports it. */
export interface EmbeddedDownloadProgress {
  downloadedBytes: number;
  totalBytes?: number;
}

/** `$HARNESS_HOME/models`, where `hf:` references are downloaded (HARNESS_HOME defaults to ~/.harness). */
export function resolveDefaultModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.HARNESS_HOME || join(homedir(), ".harness"), "models");
}

/** True for references node-llama-cpp resolves remotely (`hf:` URIs and http(s) URLs). */
export function isRemoteModelReference(reference: string): boolean {
  return /^(hf:|huggingface:|https?:\/\/)/i.test(reference);
}

const localPathHint =
  "Set the embedded backend's model to the path of a local .gguf file, or to an hf: reference " +
  "(for example hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M) when the machine can reach Hugging Face.";

async function assertGgufFile(path: string): Promise<void> {
  let magic: string;
  try {
    const handle = await open(path, "r");
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
      magic = buffer.subarray(0, bytesRead).toString("latin1");
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what = code === "ENOENT" ? "does not exist" : `cannot be read (${code ?? String(error)})`;
    throw new ConfigError(`Embedded model file ${path} ${what}.`, {
      hint: localPathHint,
      cause: error,
    });
  }
  if (magic !== "GGUF") {
    throw new ConfigError(
      `Embedded model file ${path} is not a GGUF file (it does not start with "GGUF").`,
      {
        hint: "llama.cpp only loads .gguf models; convert the model or download a GGUF build of it.",
      },
    );
  }
}

/**
 * Resolves a model reference to a local GGUF path, downloading a remote one into `modelsDir`
 * on first use. Throws ConfigError (missing or non-GGUF file) or NetworkError (download failed).
 */
export async function resolveEmbeddedModelPath(
  reference: string,
  options: {
    modelsDir: string;
    onProgress?: (progress: EmbeddedDownloadProgress) => void;
    signal?: AbortSignal;
  },
): Promise<string> {
  if (!isRemoteModelReference(reference)) {
    const path = resolve(reference);
    await assertGgufFile(path);
    return path;
  }
  let path: string;
  try {
    path = await resolveModelFile(reference, {
      directory: options.modelsDir,
      cli: false,
      signal: options.signal,
      onProgress: ({ downloadedSize, totalSize }) =>
        options.onProgress?.({
          downloadedBytes: downloadedSize,
          totalBytes: totalSize || undefined,
        }),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new NetworkError(
      `Could not download embedded model ${reference} into ${options.modelsDir}: ${reason}`,
      {
        hint: `Without network access, copy a GGUF file onto this machine and configure its path instead. ${localPathHint}`,
        cause: error,
      },
    );
  }
  await assertGgufFile(path);
  return path;
}

/** Everything a loaded embedded model holds; `dispose` frees it all. */
export interface LoadedEmbeddedModel {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  chatWrapper: ChatWrapper;
  /** One chat per parallel slot, each on its own context sequence. */
  chats: LlamaChat[];
  dispose(): Promise<void>;
}

/** Recent llama.cpp warnings and errors, kept to explain a load failure (nothing is printed). */
export function createLlamaLogBuffer(limit = 5): {
  log: (level: LlamaLogLevel, message: string) => void;
  recent: () => string;
} {
  const lines: string[] = [];
  return {
    log(level, message) {
      if (
        level !== LlamaLogLevel.error &&
        level !== LlamaLogLevel.fatal &&
        level !== LlamaLogLevel.warn
      )
        return;
      lines.push(message.trim());
      if (lines.length > limit) lines.shift();
    },
    recent: () => lines.join("; "),
  };
}

/**
 * Loads llama.cpp (prebuilt binaries only: never a source build), the model and one context with
 * `slots` sequences. GPU is used when available unless `gpu` is false.
 */
export async function loadEmbeddedModel(options: {
  modelPath: string;
  slots: number;
  contextSize?: number;
  threads?: number;
  gpu: boolean;
  log: (level: LlamaLogLevel, message: string) => void;
}): Promise<LoadedEmbeddedModel> {
  const llama = await getLlama({
    gpu: options.gpu ? "auto" : false,
    build: "never",
    progressLogs: false,
    logLevel: LlamaLogLevel.warn,
    logger: options.log,
  });
  try {
    const model = await llama.loadModel({ modelPath: options.modelPath });
    const context = await model.createContext({
      sequences: options.slots,
      contextSize: options.contextSize ?? { max: 32768 },
      ...(options.threads ? { threads: options.threads } : {}),
    });
    const chatWrapper = resolveChatWrapper(model);
    const chats = Array.from(
      { length: options.slots },
      () => new LlamaChat({ contextSequence: context.getSequence(), chatWrapper }),
    );
    return {
      llama,
      model,
      context,
      chatWrapper,
      chats,
      async dispose() {
        if (context.disposed) return;
        for (const chat of chats) chat.dispose({ disposeSequence: true });
        await context.dispose();
        await model.dispose();
        await llama.dispose();
      },
    };
  } catch (error) {
    await llama.dispose();
    throw error;
  }
}
