/**
 * The entries the PROGRESS.md writers append (in the test and in its writer processes): long,
 * several lines, so a torn or interleaved write would show.
 */
export function progressTestEntry(tag: string, n: number): string {
  const body = Array.from(
    { length: 20 },
    (_, line) => `- ${tag}/${n} line ${line} ${"x".repeat(150)}`,
  );
  return [`## entry ${tag}/${n}`, ...body, `## end ${tag}/${n}`].join("\n");
}
