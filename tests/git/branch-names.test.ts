import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  MAX_SLUG_LENGTH,
  isWorkBranch,
  slugify,
  workBranchName,
  worktreeId,
} from "../../src/git/branch-names.js";
import { InputError } from "../../src/errors.js";

/** Asks git itself whether the name is a valid branch name. */
function gitAcceptsBranch(name: string): boolean {
  try {
    execFileSync("git", ["check-ref-format", "--branch", name], { stdio: "ignore" });
    execFileSync("git", ["check-ref-format", `refs/heads/${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("workBranchName", () => {
  it("is harness/<issue>-<slug of the title>", () => {
    expect(workBranchName(42, "Fix login redirect loop")).toBe(
      "harness/42-fix-login-redirect-loop",
    );
  });

  it.each([
    ["Café crème: naïve façade", "harness/7-cafe-creme-naive-facade"],
    ["feature/auth: use OAuth2 / PKCE", "harness/7-feature-auth-use-oauth2-pkce"],
    ["日本語のタイトル", "harness/7"],
    ["!!! ??? ***", "harness/7"],
    ["", "harness/7"],
    ["..lock.lock", "harness/7-lock-lock"],
    ["Refs @{-1} ~^:?*[\\ and HEAD", "harness/7-refs-1-and-head"],
    ["emoji 🚀 launch 🎉", "harness/7-emoji-launch"],
    ["   --leading and trailing--   ", "harness/7-leading-and-trailing"],
    ["Tab\tnew\nline\u0000nul", "harness/7-tab-new-line-nul"],
  ])("slugs %j safely", (title, expected) => {
    const branch = workBranchName(7, title);
    expect(branch).toBe(expected);
    expect(gitAcceptsBranch(branch)).toBe(true);
  });

  it("cuts a very long title at a word boundary, with no trailing dash", () => {
    const title =
      "Make the scheduler survive a restart while a very long batch of translations is running";
    const branch = workBranchName(1234, title);
    const slug = branch.slice("harness/1234-".length);
    expect(slug.length).toBeLessThanOrEqual(MAX_SLUG_LENGTH);
    expect(slug).toBe("make-the-scheduler-survive-a-restart");
    expect(branch.endsWith("-")).toBe(false);
    expect(gitAcceptsBranch(branch)).toBe(true);
  });

  it("cuts one endless word hard rather than keep nothing", () => {
    const slug = slugify("a".repeat(100));
    expect(slug).toBe("a".repeat(MAX_SLUG_LENGTH));
  });

  it("never ends in a dash when the cut lands next to one", () => {
    const title = `${"x".repeat(MAX_SLUG_LENGTH - 1)} tail`;
    expect(slugify(title)).toBe("x".repeat(MAX_SLUG_LENGTH - 1));
  });

  it("takes string issue ids and slugs them too", () => {
    expect(workBranchName("local-3", "Add docs")).toBe("harness/local-3-add-docs");
    expect(workBranchName("#12", "Add docs")).toBe("harness/12-add-docs");
    expect(workBranchName("GH/12", "x")).toBe("harness/gh-12-x");
  });

  it("refuses issue ids it cannot name a branch after", () => {
    expect(() => workBranchName("???", "title")).toThrow(InputError);
    expect(() => workBranchName(-1, "title")).toThrow(InputError);
    expect(() => workBranchName(1.5, "title")).toThrow(InputError);
  });

  it("gives the same name for the same issue every time (a redelivered item finds its branch)", () => {
    expect(workBranchName(5, "Same title")).toBe(workBranchName(5, "Same title"));
  });
});

describe("worktreeId", () => {
  it("is the branch name without its prefix, a valid queue item id", () => {
    expect(worktreeId(42, "Fix login")).toBe("42-fix-login");
    expect(worktreeId(42, "Fix login")).toMatch(/^[a-z0-9][a-z0-9._-]*$/);
    expect(`harness/${worktreeId(9, "Ünïcode / slash")}`).toBe(
      workBranchName(9, "Ünïcode / slash"),
    );
  });
});

describe("isWorkBranch", () => {
  it("knows harness branches from others", () => {
    expect(isWorkBranch("harness/1-x")).toBe(true);
    expect(isWorkBranch("harness/")).toBe(false);
    expect(isWorkBranch("main")).toBe(false);
    expect(isWorkBranch("feature/harness/1")).toBe(false);
  });
});
