// Module customization hooks that append every resolved module URL to $HARNESS_TRACE_FILE,
// so tests can check what a command loads.
import { appendFileSync } from "node:fs";

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  const file = process.env.HARNESS_TRACE_FILE;
  if (file) appendFileSync(file, `${result.url}\n`);
  return result;
}
