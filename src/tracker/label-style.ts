/** Checks shared by both trackers for labels: names, and the look of labels harness creates. */
import { InputError } from "../errors.js";
import type { LabelStyle } from "./types.js";

export const DEFAULT_LABEL_COLOR = "c5def5";
export const DEFAULT_LABEL_DESCRIPTION = "Set by harness";

/** GitHub's own limits: a name of at most 50 characters; a colour of six hex digits. */
export function assertValidLabel(label: string, style: LabelStyle = {}): void {
  if (label.trim() === "" || label !== label.trim() || label.length > 50 || /[,\n]/.test(label)) {
    throw new InputError(`Label ${JSON.stringify(label)} is not valid`, {
      hint: "Use 1-50 characters without commas, line breaks, or leading or trailing spaces.",
    });
  }
  if (style.color !== undefined && !/^[0-9a-fA-F]{6}$/.test(style.color)) {
    throw new InputError(`Label colour ${JSON.stringify(style.color)} is not valid`, {
      hint: 'Give six hex digits without "#", e.g. "0e8a16".',
    });
  }
}

export function labelStyleWithDefaults(style: LabelStyle = {}): Required<LabelStyle> {
  return {
    color: (style.color ?? DEFAULT_LABEL_COLOR).toLowerCase(),
    description: (style.description ?? DEFAULT_LABEL_DESCRIPTION).slice(0, 100),
  };
}
