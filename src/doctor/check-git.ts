/** git must be installed; doctor should be run inside the repository harness will work on. */
import { firstLine, type CheckResult, type DoctorEnvironment } from "./check-result.js";

const INSTALL_GIT = "install git (https://git-scm.com/downloads, or your package manager)";

export async function checkGitInstalled(environment: DoctorEnvironment): Promise<CheckResult> {
  const outcome = await environment.run("git", ["--version"]);
  if (!outcome.found) {
    return {
      name: "git",
      status: "fail",
      detail: "git is not installed (not on PATH)",
      fix: INSTALL_GIT,
    };
  }
  if (outcome.exitCode !== 0) {
    return {
      name: "git",
      status: "fail",
      detail: `\`git --version\` failed: ${firstLine(outcome.stderr) || "no output"}`,
      fix: INSTALL_GIT,
    };
  }
  // "git version 2.39.5" -> "git 2.39.5"
  return {
    name: "git",
    status: "ok",
    detail: firstLine(outcome.stdout).replace(/^git version /, "git "),
  };
}

export async function checkGitRepository(environment: DoctorEnvironment): Promise<CheckResult> {
  const outcome = await environment.run("git", ["rev-parse", "--show-toplevel"], {
    cwd: environment.cwd,
  });
  if (!outcome.found) {
    return {
      name: "git-repository",
      status: "warn",
      detail: "cannot tell: git is not installed",
      fix: `${INSTALL_GIT}, then run git init`,
    };
  }
  if (outcome.exitCode !== 0) {
    return {
      name: "git-repository",
      status: "warn",
      detail: `${environment.cwd} is not inside a git repository`,
      fix: "run git init (or cd into the repository harness should work on)",
    };
  }
  return { name: "git-repository", status: "ok", detail: `inside ${firstLine(outcome.stdout)}` };
}
