/**
 * Names for the branch and the worktree folder of one work item. Both derive from the issue and
 * its title only, so a redelivered item (the queue delivers at least once) lands on the same
 * branch and the same `.harness/worktrees/<id>/` folder as the attempt before it.
 *
 * Slugs are lowercase ASCII letters, digits and single dashes: always a valid ref component for
 * `git check-ref-format` (no dots, so no `..` or `.lock`; no `~^:?*[\`, spaces or control
 * characters) and always a valid queue item id and folder name.
 */
import { InputError } from "../errors.js";

/** Every branch harness creates starts with this; nothing else is ever deleted by harness. */
export const WORK_BRANCH_PREFIX = "harness/";

/** Longest title slug; the issue part comes on top. */
export const MAX_SLUG_LENGTH = 40;

/** Longest issue part (an issue number, or an id such as `local-12`). */
const MAX_ISSUE_PART_LENGTH = 40;

/** `harness/<issue>-<slug>`: the branch a work item is done on, e.g. `harness/42-fix-login`. */
export function workBranchName(issue: number | string, title: string): string {
  return `${WORK_BRANCH_PREFIX}${worktreeId(issue, title)}`;
}

/**
 * `<issue>-<slug>`: the worktree folder name (`.harness/worktrees/<id>/`), the branch name
 * without its prefix. Just `<issue>` when the title has no letters or digits to keep.
 */
export function worktreeId(issue: number | string, title: string): string {
  const issuePart = issueSlug(issue);
  const titlePart = slugify(title, MAX_SLUG_LENGTH);
  return titlePart === "" ? issuePart : `${issuePart}-${titlePart}`;
}

/** True for branch names harness made (and may therefore delete). */
export function isWorkBranch(branch: string): boolean {
  return branch.startsWith(WORK_BRANCH_PREFIX) && branch.length > WORK_BRANCH_PREFIX.length;
}

/**
 * Lowercase ASCII slug of `text`, at most `maxLength` characters. Accents are dropped rather than
 * the letters they sit on ("Café" → "cafe"); other characters (CJK, emoji, punctuation, `/`)
 * become dashes, runs of dashes collapse, and none is left at either end. A cut falls on a word
 * boundary when one is near enough, so the slug does not end in half a word.
 */
export function slugify(text: string, maxLength: number = MAX_SLUG_LENGTH): string {
  const slug = text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (slug.length <= maxLength) return slug;
  let cut = slug.slice(0, maxLength);
  const cutMidWord = slug[maxLength] !== "-";
  const lastDash = cut.lastIndexOf("-");
  // Half the budget is the most we give up for a clean word boundary.
  if (cutMidWord && lastDash >= maxLength / 2) cut = cut.slice(0, lastDash);
  return cut.replace(/-+$/, "");
}

function issueSlug(issue: number | string): string {
  if (typeof issue === "number") {
    if (!Number.isSafeInteger(issue) || issue < 0) {
      throw new InputError(`issue number ${issue} is not a non-negative integer`, {
        hint: "pass the issue number as it appears on the tracker, e.g. 42",
      });
    }
    return String(issue);
  }
  const slug = slugify(issue.trim().replace(/^#/, ""), MAX_ISSUE_PART_LENGTH);
  if (slug === "") {
    throw new InputError(`issue id ${JSON.stringify(issue)} has no letters or digits`, {
      hint: "pass the issue number or the local tracker's id, e.g. 42 or local-3",
    });
  }
  return slug;
}
