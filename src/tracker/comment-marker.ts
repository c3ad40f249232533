/**
 * The hidden marker that lets a tracker find its own comment again: `<!-- harness:<marker> -->`
 * as the comment's first line. GitHub renders nothing for it; people reading the raw text see
 * which harness step wrote the comment.
 */
import { InputError } from "../errors.js";

const MARKER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Throws InputError unless `marker` is 1-64 letters, digits, dots, dashes or underscores. */
export function assertValidMarker(marker: string): void {
  if (!MARKER_PATTERN.test(marker)) {
    throw new InputError(`Comment marker ${JSON.stringify(marker)} is not valid`, {
      hint: "Use 1-64 letters, digits, dots, dashes or underscores, starting with a letter or digit.",
    });
  }
}

export function markerTag(marker: string): string {
  return `<!-- harness:${marker} -->`;
}

/** The full comment text: the marker line, then the body. */
export function commentWithMarker(marker: string, body: string): string {
  return `${markerTag(marker)}\n${body}`;
}

/**
 * True when the comment was written for this marker: it starts with the marker line. A comment
 * that merely quotes the marker further down (a person citing ours) does not count.
 */
export function isMarkedComment(commentBody: string | null | undefined, marker: string): boolean {
  return (commentBody ?? "").trimStart().startsWith(markerTag(marker));
}

/** Same text for our purposes: GitHub may hand back CRLF line ends and trailing whitespace. */
export function sameText(left: string | null | undefined, right: string): boolean {
  const normalize = (text: string) => text.replace(/\r\n/g, "\n").trimEnd();
  return normalize(left ?? "") === normalize(right);
}
