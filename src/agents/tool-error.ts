/**
 * The one error a tool of the built-in agent throws on purpose: a refusal (a path outside the
 * workspace, a denied command) or an input the model got wrong. The loop sends the message back
 * to the model as an error tool result, so it must say what was wrong and what to do instead.
 * Anything else a tool throws is a bug or an environment failure, not something the model fixes.
 */
export class ToolError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ToolError";
  }
}

export function isToolError(error: unknown): error is ToolError {
  return error instanceof ToolError;
}

/** What the model should read for a file system error it can do something about. */
const FILE_SYSTEM_ADVICE: Record<string, string> = {
  ENOENT: "does not exist; check the path with list_dir or glob",
  ENOTDIR: "has a file where a folder is expected; check the path with list_dir",
  EISDIR: "is a folder, not a file; use list_dir to see what it holds",
  EACCES: "is not accessible (permission denied)",
  EPERM: "is not accessible (operation not permitted)",
  ENAMETOOLONG: "is too long a name for the file system",
  ELOOP: "has too many levels of symlinks",
  EEXIST: "already exists",
  ENOSPC: "could not be written: the disk is full",
  EROFS: "is on a read-only file system",
};

/**
 * Turns a file system error about `displayPath` into a `ToolError` the model can act on, or
 * returns the error unchanged when its code means nothing to the model (a bug, not a refusal).
 */
export function toToolError(error: unknown, displayPath: string): unknown {
  if (error instanceof ToolError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const advice = code === undefined ? undefined : FILE_SYSTEM_ADVICE[code];
  return advice === undefined ? error : new ToolError(`${displayPath} ${advice}`, { cause: error });
}
